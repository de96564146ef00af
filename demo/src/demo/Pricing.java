package demo;

/** Prices an order's items. */
public class Pricing {
    static double priceOf(String product) {
        switch (product) {
            case "apple": return 0.5;
            case "pear": return 0.75;
            case "plum": return 1.25;
            default: return 2.0;
        }
    }

    static double total(Order order) {
        double sum = 0;
        for (String item : order.items) {
            sum += priceOf(item);
        }
        if (order.priority) {
            sum *= 1.1;
        }
        return sum;
    }
}
