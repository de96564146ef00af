package demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** The orders service: prices an order (POST /orders customer=ada&item=apple&qty=2) and reserves its stock. */
public class Orders implements HttpHandler {
    private static final AtomicLong nextId = new AtomicLong(1);
    private final Node node;

    Orders(Node node) {
        this.node = node;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Trace incoming = Trace.of(exchange.getRequestHeaders());
        Map<String, String> form = Node.form(exchange);
        Order order = new Order(nextId.getAndIncrement(), form.get("customer"), form.get("item"), Integer.parseInt(form.get("qty")));
        order.priority = order.id % 7 == 0;
        order.total = order.quantity * Order.unitPrice(order.item) * (order.priority ? 1.1 : 1.0);   // DEMO_BREAKPOINT
        Trace outgoing = incoming.child();
        HttpRequest reserve = node.post("/reserve", Map.of("item", order.item, "qty", order.quantity), outgoing, exchange);
        try {
            HttpResponse<String> stock = node.client.send(reserve, HttpResponse.BodyHandlers.ofString());
            order.reserved = stock.statusCode() == 200;
            Node.reply(exchange, stock.statusCode(), String.format(Locale.ROOT, "{%s,\"sent\":\"%s\",\"order\":%d,\"total\":%.2f,\"priority\":%b,\"next\":%s}",
                    node.hop("orders", exchange, incoming), outgoing.header(), order.id, order.total, order.priority, stock.body()));
        } catch (InterruptedException e) {
            throw new InterruptedIOException("interrupted while reserving stock");
        }
    }

    public static void main(String[] args) throws IOException {
        Node node = new Node("orders", args);
        node.serve("/orders", new Orders(node));
    }
}
