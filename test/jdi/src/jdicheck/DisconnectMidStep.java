package jdicheck;

import com.sun.jdi.VirtualMachine;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.request.EventRequest;
import com.sun.jdi.request.StepRequest;
import java.util.Map;
import java.util.Set;

/**
 * Stops every node at the breakpoint, starts a step on one node, leaves a step pending on another, and exits
 * abruptly without Dispose: the proxy must resume everything. The harness then checks the nodes.
 */
final class DisconnectMidStep {
    private final VirtualMachine vm;
    private final Events events;
    private final Report report;
    private final Set<String> nodes;
    private final int line;

    DisconnectMidStep(VirtualMachine vm, Events events, Report report, Options options) {
        this.vm = vm;
        this.events = events;
        this.report = report;
        this.nodes = options.nodes();
        this.line = options.integer("line");
    }

    void run() {
        report.check("stopped-then-stepping", () -> {
            Map<String, BreakpointEvent> hits = Cluster.hitOnEach(events, Cluster.breakAt(vm, Cluster.onlyClass(vm, "fixture.Fixture"), line), nodes, 20_000);
            boolean first = true;
            for (BreakpointEvent hit : hits.values()) {
                StepRequest step = vm.eventRequestManager().createStepRequest(hit.thread(), StepRequest.STEP_LINE, first ? StepRequest.STEP_OVER : StepRequest.STEP_INTO);
                step.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
                step.enable();
                if (first) events.resume(hit);
                first = false;
            }
            vm.suspend();
        });
    }
}
