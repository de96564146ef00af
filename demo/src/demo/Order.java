package demo;

import java.util.ArrayList;
import java.util.List;

/** An order placed by a customer. */
public class Order {
    final long id;
    final String customer;
    final List<String> items = new ArrayList<>();
    double total;
    boolean priority;

    Order(long id, String customer) {
        this.id = id;
        this.customer = customer;
    }

    @Override
    public String toString() {
        return "Order#" + id + "(" + customer + ", " + items.size() + " items, total=" + total + ")";
    }
}
