package demo;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/**
 * Marks the requests of a debug session, as a framework's filter would: a request that carries X-Debug-Session
 * sets {@link #session} before it is handled; other requests never write it. A debugger watches that field to
 * follow marked requests without checking every request (demo/edges.json declares it as the mark field).
 */
final class DebugMark extends Filter {
    static final String HEADER = "X-Debug-Session";

    /** The debug session of the marked request this JVM last took in; written only for marked requests. */
    static volatile String session;

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        String mark = exchange.getRequestHeaders().getFirst(HEADER);
        if (mark != null) session = mark;
        chain.doFilter(exchange);
    }

    @Override
    public String description() {
        return "marks requests that carry " + HEADER;
    }
}
