package farfix;

/** The far-link benchmark's target: a worker that handles an order every few ms, with locals, fields and strings to show at a stop. */
public class FarLoop {
    static volatile long sink;

    /** An object reached from a local: one level of fields to show, and a toString to invoke. */
    static class Order {
        final long id;
        final String customer;
        final int quantity;
        final double price;

        Order(long id, String customer, int quantity, double price) {
            this.id = id;
            this.customer = customer;
            this.quantity = quantity;
            this.price = price;
        }

        @Override
        public String toString() {
            return "Order#" + id + " for " + customer;
        }
    }

    final String name = "far-worker";
    int handled;
    Order last;

    void handle(Order order) {
        String label = order.customer + "/" + order.id;
        int total = order.quantity * 3;
        long stamp = System.currentTimeMillis();
        handled++;              // FAR_LINE
        last = order;
        sink += label.length() + total + stamp;
    }

    void run(int pauseMs) throws InterruptedException {
        for (long i = 0; ; i++) {
            handle(new Order(i, "customer-" + (i % 7), (int) (i % 5) + 1, 9.5));
            Thread.sleep(pauseMs);
        }
    }

    /** Args: [pause between orders in ms, default 5]. */
    public static void main(String[] args) throws Exception {
        int pauseMs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Thread worker = new Thread(() -> {
            try {
                new FarLoop().run(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "far-worker");
        worker.start();
        worker.join();
    }
}
