package demo;

import java.util.concurrent.atomic.AtomicLong;

/** The demo service: worker threads that take orders, reserve stock and price them. */
public class OrderService {
    static final String[] PRODUCTS = {"apple", "pear", "plum", "fig"};
    static final String[] CUSTOMERS = {"ada", "grace", "linus", "barbara", "ken"};
    static final AtomicLong nextId = new AtomicLong(1);
    static String nodeName = System.getProperty("demo.node", "node");
    static long processed = 0;

    final Inventory inventory = new Inventory();

    Order process(Order order) {
        int wanted = (int) (order.id % 3) + 1;
        for (int i = 0; i < wanted; i++) {
            String product = PRODUCTS[(int) ((order.id + i) % PRODUCTS.length)];
            if (inventory.reserve(product)) {
                order.items.add(product);
            }
        }
        order.total = Pricing.total(order);   // DEMO_BREAKPOINT
        processed++;
        return order;
    }

    void runWorker(int worker, long pauseMillis) throws InterruptedException {
        while (true) {
            long id = nextId.getAndIncrement();
            Order order = new Order(id, CUSTOMERS[(int) (id % CUSTOMERS.length)]);
            order.priority = id % 7 == 0;
            process(order);
            Thread.sleep(pauseMillis);
        }
    }

    public static void main(String[] args) throws Exception {
        long pause = args.length > 0 ? Long.parseLong(args[0]) : 500;
        int workers = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        OrderService service = new OrderService();
        for (int w = 1; w <= workers; w++) {
            final int worker = w;
            Thread t = new Thread(() -> {
                try {
                    service.runWorker(worker, pause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "order-worker-" + w);
            t.start();
        }
        System.out.println("demo service " + nodeName + " started with " + workers + " workers");
        while (true) {
            Thread.sleep(60_000);
        }
    }
}
