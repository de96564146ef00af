package demo;

import java.util.LinkedHashMap;
import java.util.Map;

/** Stock levels of the products this node sells. */
public class Inventory {
    private final Map<String, Integer> stock = new LinkedHashMap<>();

    Inventory() {
        stock.put("apple", 500);
        stock.put("pear", 300);
        stock.put("plum", 200);
        stock.put("fig", 100);
    }

    synchronized boolean reserve(String product) {
        int left = stock.getOrDefault(product, 0);
        if (left <= 0) {
            stock.put(product, 1000);
            return false;
        }
        stock.put(product, left - 1);
        return true;
    }

    synchronized int remaining(String product) {
        return stock.getOrDefault(product, 0);
    }
}
