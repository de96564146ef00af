package jdicheck;

import com.sun.jdi.PrimitiveValue;
import com.sun.jdi.StackFrame;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.VMStartEvent;
import com.sun.jdi.request.BreakpointRequest;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A node started with suspend=y dials in while a thread of another node is stopped at a breakpoint. The debugger
 * treats events as jdb does (a VMStart it gets is resumed), and the stopped thread must stay stopped while the new
 * node runs into the breakpoint.
 */
final class LateJoinWhileStopped {
    private final VirtualMachine vm;
    private final Events events;
    private final Report report;
    private final String held;
    private final int line;

    LateJoinWhileStopped(VirtualMachine vm, Events events, Report report, Options options) {
        this.vm = vm;
        this.events = events;
        this.report = report;
        this.held = options.get("held");
        this.line = options.integer("line");
    }

    private static long roundOf(ThreadReference thread) throws Exception {
        StackFrame frame = thread.frame(0);
        return ((PrimitiveValue) frame.getValue(frame.visibleVariableByName("round"))).longValue();
    }

    void run() throws Exception {
        Set<String> known = vm.allThreads().stream().map(Cluster::nodeOf).collect(Collectors.toSet());
        BreakpointRequest[] request = new BreakpointRequest[1];
        ThreadReference[] stopped = new ThreadReference[1];
        long[] round = new long[1];
        report.check("stopped-on-one-node", () -> {
            request[0] = Cluster.breakAt(vm, Cluster.onlyClass(vm, "fixture.Fixture"), line);
            stopped[0] = Cluster.hitOnEach(events, request[0], Set.of(held), 20_000).get(held).thread();
            round[0] = roundOf(stopped[0]);
        });
        FabricJdiCheck.ready("join");
        report.check("late-suspended-node-runs-into-breakpoint", () -> {
            Report.require(request[0] != null, "no breakpoint");
            long deadline = System.currentTimeMillis() + 20_000;
            for (;;) {
                long left = Math.max(1, deadline - System.currentTimeMillis());
                try {
                    VMStartEvent start = events.next(VMStartEvent.class, e -> true, 1);
                    System.out.println("INFO got a VMStart from " + Cluster.nodeOf(start.thread()) + " mid-session; resuming its event set as jdb does");
                    events.resume(start);
                } catch (TimeoutException none) {
                    // No VMStart (yet): the proxy may have absorbed it.
                }
                try {
                    BreakpointEvent hit = events.next(BreakpointEvent.class, e -> e.request().equals(request[0]) && !known.contains(Cluster.nodeOf(e.thread())), Math.min(left, 200));
                    System.out.println("INFO hit from the new node " + Cluster.nodeOf(hit.thread()));
                    events.resume(hit);
                    return;
                } catch (TimeoutException e) {
                    if (System.currentTimeMillis() >= deadline) throw new Report.Failed("no hit from a new node within 20 s");
                }
            }
        });
        report.check("stopped-thread-stays-stopped", () -> {
            Report.require(stopped[0] != null, "no stopped thread");
            // Resumed, it runs on, or has stopped at the breakpoint again in a later round.
            boolean suspended = stopped[0].isSuspended();
            long now = suspended ? roundOf(stopped[0]) : -1;
            Report.require(suspended && now == round[0], "%s was resumed when the new node started: stopped in round %d, now %s", held, round[0], suspended ? "stopped in round " + now : "running");
        });
        if (request[0] != null) vm.eventRequestManager().deleteEventRequest(request[0]);
        events.resumeAll();
    }
}
