package demo;

import com.sun.net.httpserver.Headers;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/** A W3C trace context: the trace a call belongs to and the span that made it, as the traceparent header carries them. */
public record Trace(String traceId, String spanId) {
    static final String HEADER = "traceparent";
    private static final Pattern TRACEPARENT = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

    /** The trace of an incoming request, or a new trace when it carries no valid traceparent. */
    static Trace of(Headers headers) {
        String header = headers.getFirst(HEADER);
        if (header == null || !TRACEPARENT.matcher(header).matches()) return new Trace(randomHex(16), randomHex(8));
        return new Trace(header.substring(3, 35), header.substring(36, 52));
    }

    /** The context of a call made within this one: the same trace, a new span. */
    Trace child() {
        return new Trace(traceId, randomHex(8));
    }

    /** The traceparent header's value. */
    String header() {
        return "00-" + traceId + "-" + spanId + "-01";
    }

    private static String randomHex(int bytes) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < bytes; i++) hex.append(String.format("%02x", ThreadLocalRandom.current().nextInt(256)));
        return hex.toString();
    }
}
