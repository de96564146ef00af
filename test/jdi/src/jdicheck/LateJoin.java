package jdicheck;

import com.sun.jdi.ThreadReference;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.VMStartEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.EventRequest;
import com.sun.jdi.request.ThreadStartRequest;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

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
        ThreadStartRequest starts = vm.eventRequestManager().createThreadStartRequest();
        starts.setSuspendPolicy(EventRequest.SUSPEND_NONE);
        starts.enable();
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
        report.check("threadStart-for-every-thread-of-late-node", () -> {
            Report.require(newcomer[0] != null, "no new node seen");
            Set<Long> threads = vm.allThreads().stream().filter(t -> Cluster.nodeOf(t).equals(newcomer[0])).map(ThreadReference::uniqueID).collect(Collectors.toSet());
            Set<Long> started = events.starts().stream().map(e -> e.thread().uniqueID()).collect(Collectors.toSet());
            threads.removeAll(started);
            Report.require(threads.isEmpty(), "no ThreadStart for %d thread(s) of %s: %s", threads.size(), newcomer[0], threads);
        });
        System.out.println("INFO VMStart events during the session: " + events.seen(VMStartEvent.class));
        vm.eventRequestManager().deleteEventRequest(starts);
        if (request[0] != null) vm.eventRequestManager().deleteEventRequest(request[0]);
        events.resumeAll();
    }
}
