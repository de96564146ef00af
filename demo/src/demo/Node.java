package demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * One JVM of a demo service: its name, its HTTP server and the services it calls, taken round-robin.
 * Arguments: PORT (0 picks a free one) and the downstream base URLs; or -Ddemo.port and -Ddemo.downstream (comma-separated).
 */
final class Node {
    /** Headers passed on unchanged to the next service. */
    static final List<String> PROPAGATED = List.of("baggage", "X-Debug-Session");

    final String name;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final int port;
    private final List<String> downstream;
    private final AtomicInteger turn = new AtomicInteger();

    Node(String service, String[] args) {
        name = System.getProperty("demo.node", service);
        port = Integer.parseInt(args.length > 0 ? args[0] : System.getProperty("demo.port", "0"));
        downstream = args.length > 1
                ? List.of(args).subList(1, args.length)
                : Arrays.stream(System.getProperty("demo.downstream", "").split(",")).filter(s -> !s.isEmpty()).toList();
    }

    /** Serves `handler` at `path`, behind the DebugMark filter, and prints "listening on PORT" once ready. */
    void serve(String path, HttpHandler handler) throws IOException {
        AtomicInteger threads = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.createContext(path, handler).getFilters().add(new DebugMark());
        server.setExecutor(Executors.newCachedThreadPool(r -> new Thread(r, "http-handler-" + threads.incrementAndGet())));
        server.start();
        System.out.println("listening on " + server.getAddress().getPort());
    }

    /** A POST of a form to the next downstream service, carrying the trace and the propagated headers. */
    HttpRequest post(String path, Map<String, ?> fields, Trace trace, HttpExchange from) {
        String base = downstream.get(Math.floorMod(turn.getAndIncrement(), downstream.size()));
        String form = fields.entrySet().stream()
                .map(f -> encode(f.getKey()) + "=" + encode(String.valueOf(f.getValue())))
                .collect(Collectors.joining("&"));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header(Trace.HEADER, trace.header())
                .POST(HttpRequest.BodyPublishers.ofString(form));
        for (String name : PROPAGATED) {
            String value = from.getRequestHeaders().getFirst(name);
            if (value != null) request.header(name, value);
        }
        return request.build();
    }

    /** The request's form fields (body, then query string). */
    static Map<String, String> form(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String query = exchange.getRequestURI().getRawQuery();
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : (body + "&" + (query == null ? "" : query)).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) fields.putIfAbsent(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
        }
        return fields;
    }

    /** Sends a JSON answer. */
    static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** What this hop saw, as JSON fields: node, thread, trace-id, the traceparent received and the propagated headers. */
    String hop(String service, HttpExchange exchange, Trace incoming) {
        var headers = exchange.getRequestHeaders();
        return String.format("\"service\":\"%s\",\"node\":\"%s\",\"thread\":\"%s\",\"trace\":\"%s\",\"received\":%s,\"baggage\":%s,\"debugSession\":%s",
                service, name, Thread.currentThread().getName(), incoming.traceId(),
                quote(headers.getFirst(Trace.HEADER)), quote(headers.getFirst("baggage")), quote(headers.getFirst("X-Debug-Session")));
    }

    /** A JSON string, or null. */
    static String quote(String s) {
        return s == null ? "null" : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
