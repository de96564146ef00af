package jdicheck;

import com.sun.jdi.ThreadReference;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.request.BreakpointRequest;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/** A node dials in mid-session and stops at the breakpoint the debugger set before it joined. */
final class LateJoin {
    private final VirtualMachine vm;
    private final Events events;
    private final Report report;
    private final Set<String> nodes;
    private final int line;

    LateJoin(VirtualMachine vm, Events events, Report report, Options options) {
        this.vm = vm;
        this.events = events;
        this.report = report;
        this.nodes = options.nodes();
        this.line = options.integer("line");
    }

    void run() throws Exception {
        BreakpointRequest[] request = new BreakpointRequest[1];
        report.check("hits-from-first-nodes", () -> {
            request[0] = Cluster.breakAt(vm, Cluster.onlyClass(vm, "fixture.Fixture"), line);
            Map<String, BreakpointEvent> hits = Cluster.hitOnEach(events, request[0], nodes, 20_000);
            for (BreakpointEvent hit : hits.values()) events.resume(hit);
        });
        FabricJdiCheck.ready("join");
        String[] newcomer = new String[1];
        report.check("late-node-hits-breakpoint-set-before", () -> {
            Report.require(request[0] != null, "no breakpoint");
            long deadline = System.currentTimeMillis() + 20_000;
            while (newcomer[0] == null) {
                BreakpointEvent hit;
                try {
                    hit = events.next(BreakpointEvent.class, e -> e.request().equals(request[0]), Math.max(1, deadline - System.currentTimeMillis()));
                } catch (TimeoutException e) {
                    throw new Report.Failed("no hit from a node other than " + nodes + " within 20 s");
                }
                String node = Cluster.nodeOf(hit.thread());
                if (!node.isEmpty() && !nodes.contains(node)) newcomer[0] = node;
                events.resume(hit);
            }
            System.out.println("INFO new node: " + newcomer[0]);
        });
        report.check("late-node-in-allThreads", () -> {
            Report.require(newcomer[0] != null, "no new node seen");
            long count = vm.allThreads().stream().map(ThreadReference::name).filter(n -> n.startsWith("[" + newcomer[0] + "] ")).count();
            Report.require(count > 0, "allThreads lists no thread of %s", newcomer[0]);
            Report.require(vm.classesByName("fixture.Fixture").size() == 1, "fixture.Fixture is not one class across the nodes");
        });
        if (request[0] != null) vm.eventRequestManager().deleteEventRequest(request[0]);
        events.resumeAll();
    }
}
