package jdicheck;

import com.sun.jdi.IntegerValue;
import com.sun.jdi.LocalVariable;
import com.sun.jdi.StackFrame;
import com.sun.jdi.StringReference;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.StepEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.EventRequest;
import com.sun.jdi.request.StepRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A chain of HTTP services (front -> mid -> leaf, hopfix.Hop) behind the virtual VM, as IntelliJ sees it: a stop
 * in the leaf has a stack that goes on into mid and front, with their values; Step Into the call line of front
 * lands in mid's handler; Step Out of it lands back in front.
 */
final class Stitch {
    private static final String[] EXCLUDES = {"java.*", "javax.*", "sun.*", "com.sun.*", "jdk.internal.*"};
    private final VirtualMachine vm;
    private final Events events;
    private final Report report;
    private final int leafLine;
    private final int callLine;
    private final String url;

    Stitch(VirtualMachine vm, Events events, Report report, Options options) {
        this.vm = vm;
        this.events = events;
        this.report = report;
        this.leafLine = options.integer("leaf");
        this.callLine = options.integer("call");
        this.url = options.get("url");
    }

    private CompletableFuture<HttpResponse<String>> call() {
        return HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(URI.create(url + "/work")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Object local(StackFrame frame, String name) throws Exception {
        LocalVariable v = frame.visibleVariableByName(name);
        Report.require(v != null, "no local %s in %s", name, frame.location());
        Object value = frame.getValue(v);
        if (value instanceof IntegerValue) return ((IntegerValue) value).value();
        if (value instanceof StringReference) return ((StringReference) value).value();
        return value;
    }

    private StepEvent step(ThreadReference thread, int depth) throws Exception {
        StepRequest step = vm.eventRequestManager().createStepRequest(thread, StepRequest.STEP_LINE, depth);
        for (String e : EXCLUDES) step.addClassExclusionFilter(e);
        step.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
        step.addCountFilter(1);
        step.enable();
        thread.resume();
        StepEvent done = events.next(StepEvent.class, e -> e.request() == step, 20_000);
        vm.eventRequestManager().deleteEventRequest(step);
        return done;
    }

    void run() {
        report.check("stitched-stack-two-hops", () -> {
            BreakpointRequest bp = Cluster.breakAt(vm, Cluster.onlyClass(vm, "hopfix.Hop"), leafLine, EventRequest.SUSPEND_EVENT_THREAD);
            CompletableFuture<HttpResponse<String>> answer = call();
            BreakpointEvent hit = events.next(BreakpointEvent.class, e -> e.request() == bp, 20_000);
            vm.eventRequestManager().deleteEventRequest(bp);
            ThreadReference thread = hit.thread();
            Report.require(Cluster.nodeOf(thread).equals("leaf"), "stopped on %s", thread.name());
            List<StackFrame> frames = thread.frames();
            Report.require(thread.frameCount() == frames.size(), "frameCount %d, frames %d", thread.frameCount(), frames.size());
            List<Object> depths = new ArrayList<>();
            List<Object> hops = new ArrayList<>();
            for (StackFrame f : frames) {
                Report.require(f.thread().equals(thread), "every frame belongs to the stopped thread");
                if (f.location().method().name().equals("work") && f.location().declaringType().name().equals("hopfix.Hop")) {
                    depths.add(local(f, "depth"));
                    hops.add(local(f, "hop"));
                }
            }
            Report.require(depths.equals(List.of(2, 1, 0)), "depth locals %s", depths);
            Report.require(hops.equals(List.of("leaf@2", "mid@1", "front@0")), "hop locals %s", hops);
            List<StackFrame> tail = thread.frames(1, frames.size() - 1);
            Report.require(tail.size() == frames.size() - 1 && tail.get(tail.size() - 1).location().equals(frames.get(frames.size() - 1).location()), "a slice agrees with the whole");
            thread.resume();
            String body = answer.get(20, TimeUnit.SECONDS).body();
            Report.require(body.contains("front@0 <- mid@1 <- leaf@2"), "answer %s", body);
        });
        report.check("step-into-remote-and-out", () -> {
            BreakpointRequest bp = Cluster.breakAt(vm, Cluster.onlyClass(vm, "hopfix.Hop"), callLine, EventRequest.SUSPEND_EVENT_THREAD);
            CompletableFuture<HttpResponse<String>> answer = call();
            BreakpointEvent hit = events.next(BreakpointEvent.class, e -> e.request() == bp, 20_000);
            vm.eventRequestManager().deleteEventRequest(bp);
            ThreadReference caller = hit.thread();
            Report.require(Cluster.nodeOf(caller).equals("front"), "stopped on %s", caller.name());
            StepEvent in = step(caller, StepRequest.STEP_INTO);
            Report.require(Cluster.nodeOf(in.thread()).equals("mid"), "Step Into landed on %s", in.thread().name());
            Report.require(in.location().method().name().equals("handle"), "in %s", in.location());
            Report.require(in.thread().frames().stream().anyMatch(f -> f.location().method().name().equals("work") && f.location().lineNumber() == callLine), "the handler's stack goes on into the caller");
            StepEvent out = step(in.thread(), StepRequest.STEP_OUT);
            Report.require(out.thread().equals(caller), "Step Out landed on %s", out.thread().name());
            Report.require(out.location().lineNumber() == callLine, "at line %d", out.location().lineNumber());
            caller.resume();
            String body = answer.get(20, TimeUnit.SECONDS).body();
            Report.require(body.contains("front@0 <- mid@1 <- leaf@2"), "answer %s", body);
        });
    }
}
