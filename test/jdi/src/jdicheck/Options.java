package jdicheck;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** The key=value arguments after the scenario and port. */
final class Options {
    private final Map<String, String> values = new HashMap<>();

    Options(String[] args, int from) {
        for (int i = from; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("expected key=value, got " + args[i]);
            values.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
    }

    String get(String key) {
        String v = values.get(key);
        if (v == null) throw new IllegalArgumentException("missing argument " + key + "=...");
        return v;
    }

    /** The value of a key, or a default when it is absent. */
    String optional(String key, String otherwise) {
        return values.getOrDefault(key, otherwise);
    }

    int integer(String key) {
        return Integer.parseInt(get(key));
    }

    /** A comma-separated list, in order. */
    Set<String> list(String key) {
        return new LinkedHashSet<>(Arrays.asList(get(key).split(",")));
    }

    /** The nodes the scenario expects: nodes=node-1,node-2,... */
    Set<String> nodes() {
        return list("nodes");
    }
}
