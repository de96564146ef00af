package demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/** The gateway: takes a checkout (POST /checkout customer=ada&item=apple&qty=2), checks it and places the order. */
public class Gateway implements HttpHandler {
    private final Node node;

    Gateway(Node node) {
        this.node = node;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Trace incoming = Trace.of(exchange.getRequestHeaders());
        Map<String, String> checkout = Node.form(exchange);
        String customer = checkout.getOrDefault("customer", "guest");
        int quantity = Integer.parseInt(checkout.getOrDefault("qty", "1"));
        if (quantity < 1 || !checkout.containsKey("item")) {
            Node.reply(exchange, 400, "{\"error\":\"need item and qty >= 1\"}");
            return;
        }
        Trace outgoing = incoming.child();
        HttpRequest placeOrder = node.post("/orders", Map.of("customer", customer, "item", checkout.get("item"), "qty", quantity), outgoing, exchange);
        try {
            HttpResponse<String> order = node.client.send(placeOrder, HttpResponse.BodyHandlers.ofString());   // DEMO_REMOTE_CALL
            Node.reply(exchange, order.statusCode(), "{" + node.hop("gateway", exchange, incoming)
                    + ",\"sent\":\"" + outgoing.header() + "\",\"next\":" + order.body() + "}");
        } catch (InterruptedException e) {
            throw new InterruptedIOException("interrupted while placing the order");
        }
    }

    public static void main(String[] args) throws IOException {
        Node node = new Node("gateway", args);
        node.serve("/checkout", new Gateway(node));
    }
}
