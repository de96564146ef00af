package jdicheck;

import com.sun.jdi.IntegerValue;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.Value;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.request.BreakpointRequest;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One node runs a changed build of fixture.Versioned: two classes of that name, one fixture.Fixture, and a
 * breakpoint set on one version hits only on the nodes that run it.
 */
final class Versions {
    private final VirtualMachine vm;
    private final Events events;
    private final Report report;
    private final Set<String> nodes;
    private final Set<String> v2Nodes;
    private final int line;
    private final Map<Integer, ReferenceType> byVersion = new HashMap<>();

    Versions(VirtualMachine vm, Events events, Report report, Options options) {
        this.vm = vm;
        this.events = events;
        this.report = report;
        this.nodes = options.nodes();
        this.v2Nodes = options.list("v2");
        this.line = options.integer("line");
    }

    void run() {
        report.check("classesByName-two-Versioned", () -> {
            List<ReferenceType> types = vm.classesByName("fixture.Versioned");
            Report.require(types.size() == 2, "expected two fixture.Versioned, got %d", types.size());
            for (ReferenceType t : types) {
                Value v = t.getValue(t.fieldByName("VERSION"));
                Report.require(v instanceof IntegerValue, "VERSION of %s is %s", t, v);
                byVersion.put(((IntegerValue) v).value(), t);
            }
            Report.require(byVersion.keySet().equals(Set.of(1, 2)), "versions %s, expected 1 and 2", byVersion.keySet());
        });
        report.check("classesByName-one-Fixture", () -> Cluster.onlyClass(vm, "fixture.Fixture"));
        report.check("allClasses-two-Versioned", () -> {
            long n = vm.allClasses().stream().filter(t -> t.name().equals("fixture.Versioned")).count();
            Report.require(n == 2, "allClasses() lists fixture.Versioned %d times", n);
        });
        Set<String> v1Nodes = new LinkedHashSet<>(nodes);
        v1Nodes.removeAll(v2Nodes);
        report.check("breakpoint-on-v1-hits-only-its-nodes", () -> onlyOn(1, v1Nodes));
        report.check("breakpoint-on-v2-hits-only-its-nodes", () -> onlyOn(2, v2Nodes));
    }

    private void onlyOn(int version, Set<String> expected) throws Exception {
        ReferenceType type = byVersion.get(version);
        Report.require(type != null, "no version %d to break in", version);
        BreakpointRequest request = Cluster.breakAt(vm, type, line);
        try {
            // Every node runs the line each round; 3 hits per expected node leave time for the others to show up.
            Map<String, Integer> counts = Cluster.countHits(events, request, expected, 3, 15_000);
            Report.require(counts.keySet().equals(expected), "version %d: hits from %s, expected exactly %s", version, counts, expected);
        } finally {
            vm.eventRequestManager().deleteEventRequest(request);
            events.resumeAll();
        }
    }
}
