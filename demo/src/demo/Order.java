package demo;

/** An order as the orders service sees it. */
public class Order {
    final long id;
    final String customer;
    final String item;
    final int quantity;
    boolean priority;
    double total;
    boolean reserved;

    Order(long id, String customer, String item, int quantity) {
        this.id = id;
        this.customer = customer;
        this.item = item;
        this.quantity = quantity;
    }

    /** The price of one unit of an item. */
    static double unitPrice(String item) {
        switch (item) {
            case "apple": return 0.5;
            case "pear": return 0.75;
            case "plum": return 1.25;
            default: return 2.0;
        }
    }

    @Override
    public String toString() {
        return "Order#" + id + "(" + customer + ", " + quantity + " x " + item + ", total=" + total + ")";
    }
}
