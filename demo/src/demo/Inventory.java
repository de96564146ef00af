package demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The inventory service: reserves stock of an item (POST /reserve item=apple&qty=2), restocking when it runs out. */
public class Inventory implements HttpHandler {
    private static final int RESTOCK = 1000;
    private final Map<String, AtomicInteger> stock = new ConcurrentHashMap<>();
    private final Node node;

    Inventory(Node node) {
        this.node = node;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Trace incoming = Trace.of(exchange.getRequestHeaders());
        Map<String, String> form = Node.form(exchange);
        String item = form.get("item");
        int wanted = Integer.parseInt(form.get("qty"));
        AtomicInteger shelf = stock.computeIfAbsent(item, name -> new AtomicInteger(RESTOCK));
        int left = shelf.addAndGet(-wanted);   // DEMO_STOCK
        if (left < 0) left = shelf.addAndGet(RESTOCK);
        Node.reply(exchange, 200, String.format("{%s,\"item\":\"%s\",\"reserved\":%d,\"left\":%d}",
                node.hop("inventory", exchange, incoming), item, wanted, left));
    }

    public static void main(String[] args) throws IOException {
        Node node = new Node("inventory", args);
        node.serve("/reserve", new Inventory(node));
    }
}
