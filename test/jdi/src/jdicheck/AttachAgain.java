package jdicheck;

import com.sun.jdi.VirtualMachine;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.request.BreakpointRequest;
import java.util.Set;

/** A debugger that comes after another one left: it attaches and gets breakpoint hits from every node. */
final class AttachAgain {
    private final VirtualMachine vm;
    private final Events events;
    private final Report report;
    private final Set<String> nodes;
    private final int line;

    AttachAgain(VirtualMachine vm, Events events, Report report, Options options) {
        this.vm = vm;
        this.events = events;
        this.report = report;
        this.nodes = options.nodes();
        this.line = options.integer("line");
    }

    void run() {
        report.check("hits-every-node-again", () -> {
            BreakpointRequest request = Cluster.breakAt(vm, Cluster.onlyClass(vm, "fixture.Fixture"), line);
            for (BreakpointEvent hit : Cluster.hitOnEach(events, request, nodes, 20_000).values()) events.resume(hit);
            vm.eventRequestManager().deleteEventRequest(request);
            events.resumeAll();
        });
    }
}
