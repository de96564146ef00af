package jdicheck;

import com.sun.jdi.ArrayReference;
import com.sun.jdi.ClassType;
import com.sun.jdi.Field;
import com.sun.jdi.IntegerValue;
import com.sun.jdi.LocalVariable;
import com.sun.jdi.Location;
import com.sun.jdi.Method;
import com.sun.jdi.ObjectCollectedException;
import com.sun.jdi.ObjectReference;
import com.sun.jdi.PrimitiveValue;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.StackFrame;
import com.sun.jdi.StringReference;
import com.sun.jdi.ThreadGroupReference;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.Value;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.ModificationWatchpointEvent;
import com.sun.jdi.event.StepEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.EventRequest;
import com.sun.jdi.request.ModificationWatchpointRequest;
import com.sun.jdi.request.StepRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * 3 identical nodes: threads summed, one merged class, hits from every node with right frames and values, a step,
 * method invocation, a proxy-made string used on two nodes, suspend and resume of everything, summed instance
 * counts, then Dispose.
 */
final class Basics {
    private final VirtualMachine vm;
    private final Events events;
    private final Report report;
    private final Options options;
    private final Set<String> nodes;
    private final int line;
    private ClassType fixture;
    private Map<String, BreakpointEvent> hits = Collections.emptyMap();

    Basics(VirtualMachine vm, Events events, Report report, Options options) {
        this.vm = vm;
        this.events = events;
        this.report = report;
        this.options = options;
        this.nodes = options.nodes();
        this.line = options.integer("line");
    }

    void run() {
        report.check("allThreads-sum", this::allThreadsSum);
        report.check("thread-groups-cluster-tree", this::threadGroups);
        report.check("classesByName-one-Fixture", () -> fixture = Cluster.onlyClass(vm, "fixture.Fixture"));
        report.check("allClasses-one-Fixture", () -> {
            long n = vm.allClasses().stream().filter(t -> t.name().equals("fixture.Fixture")).count();
            Report.require(n == 1, "allClasses() lists fixture.Fixture %d times", n);
        });
        BreakpointRequest[] request = new BreakpointRequest[1];
        report.check("breakpoint-hits-every-node", () -> {
            request[0] = Cluster.breakAt(vm, fixture, line);
            hits = Cluster.hitOnEach(events, request[0], nodes, 20_000);
        });
        report.check("frames-locals-values", this::framesAndValues);
        report.check("invoke-instance-method", this::invokeInstance);
        report.check("invoke-static-method", this::invokeStatic);
        report.check("mirrorOf-string-on-node-2-and-3", this::mirrorOfString);
        report.check("object-of-another-node-refused", this::crossNode);
        report.check("step-over-next-line", () -> stepOver(request[0]));
        if (request[0] != null) vm.eventRequestManager().deleteEventRequest(request[0]);
        for (BreakpointEvent hit : hits.values()) events.resume(hit);
        events.resumeAll();
        report.check("suspend-all-threads", this::suspendAll);
        report.check("instanceCounts-summed", this::instanceCounts);
        report.check("resume-all-threads", this::resumeAll);
        report.check("count-filter-counts-across-cluster", this::countFilter);
        report.check("field-watchpoint-every-node", this::watchpoint);
    }

    private void allThreadsSum() throws Exception {
        List<String> expected = Files.readAllLines(Path.of(options.get("threads"))).stream().filter(l -> !l.isEmpty()).map(l -> {
            String[] parts = l.split("\t", 2);
            return "[" + parts[0] + "] " + parts[1];
        }).sorted().collect(Collectors.toList());
        List<ThreadReference> threads = vm.allThreads();
        List<String> names = threads.stream().map(ThreadReference::name).sorted().collect(Collectors.toList());
        Report.require(threads.size() == expected.size(), "allThreads().size() = %d, the nodes have %d threads in all", threads.size(), expected.size());
        Report.require(names.equals(expected), "thread names %s, the nodes have %s", names, expected);
    }

    /** One top-level group, "cluster", holding a group per node that holds every thread of that node. */
    private void threadGroups() throws Exception {
        List<ThreadGroupReference> top = vm.topLevelThreadGroups();
        Report.require(top.size() == 1 && top.get(0).name().equals("cluster"), "top-level groups %s", top.stream().map(ThreadGroupReference::name).collect(Collectors.toList()));
        Set<String> nodeGroups = top.get(0).threadGroups().stream().map(ThreadGroupReference::name).collect(Collectors.toSet());
        Report.require(nodeGroups.equals(nodes), "the cluster group holds %s, expected %s", nodeGroups, nodes);
        List<ThreadReference> threads = vm.allThreads();
        for (ThreadReference t : threads) {
            List<String> chain = new ArrayList<>();
            for (ThreadGroupReference g = t.threadGroup(); g != null; g = g.parent()) chain.add(g.name());
            int n = chain.size();
            Report.require(n >= 3 && chain.get(n - 1).equals("cluster") && chain.get(n - 2).equals(Cluster.nodeOf(t)), "%s: groups %s", t.name(), chain);
        }
        Report.require(countThreads(top.get(0)) == threads.size(), "the group tree holds %d threads, allThreads() %d", countThreads(top.get(0)), threads.size());
    }

    private static int countThreads(ThreadGroupReference group) {
        int n = group.threads().size();
        for (ThreadGroupReference child : group.threadGroups()) n += countThreads(child);
        return n;
    }

    private static long longOf(Value v) {
        return ((PrimitiveValue) v).longValue();
    }

    private void framesAndValues() throws Exception {
        Report.require(!hits.isEmpty(), "no hits to inspect");
        for (Map.Entry<String, BreakpointEvent> e : hits.entrySet()) {
            String node = e.getKey();
            ThreadReference thread = e.getValue().thread();
            List<StackFrame> frames = thread.frames();
            Report.require(frames.size() >= 2, "%s: %d frames", node, frames.size());
            Location top = frames.get(0).location();
            Report.require(top.lineNumber() == line && top.method().name().equals("work"), "%s: top frame at %s:%d", node, top.method().name(), top.lineNumber());
            Report.require(frames.get(1).location().method().name().equals("main"), "%s: second frame is %s", node, frames.get(1).location().method().name());
            StackFrame frame = frames.get(0);
            Map<String, Value> locals = new TreeMap<>();
            for (LocalVariable v : frame.visibleVariables()) locals.put(v.name(), frame.getValue(v));
            long round = longOf(locals.get("round"));
            Report.require(longOf(locals.get("i")) == round, "%s: i = %s, round = %d", node, locals.get("i"), round);
            Report.require(longOf(locals.get("s")) == 300, "%s: s = %s", node, locals.get("s"));
            Report.require(longOf(locals.get("l")) == 1234567890123L, "%s: l = %s", node, locals.get("l"));
            Report.require(longOf(locals.get("b")) == 7 && longOf(locals.get("c")) == 'x', "%s: b = %s, c = %s", node, locals.get("b"), locals.get("c"));
            Report.require(((PrimitiveValue) locals.get("d")).doubleValue() == 2.25 && ((PrimitiveValue) locals.get("f")).floatValue() == 1.5f, "%s: d, f = %s, %s", node, locals.get("d"), locals.get("f"));
            Report.require(((PrimitiveValue) locals.get("z")).booleanValue() == (round % 2 == 0), "%s: z = %s in round %d", node, locals.get("z"), round);
            String str = ((StringReference) locals.get("str")).value();
            Report.require(str.equals("round-" + round), "%s: str = \"%s\" in round %d", node, str, round);
            List<Value> arr = ((ArrayReference) locals.get("arr")).getValues();
            Report.require(arr.size() == 3 && longOf(arr.get(0)) == 1 && longOf(arr.get(1)) == 2 && longOf(arr.get(2)) == 3, "%s: arr = %s", node, arr);
            ObjectReference obj = (ObjectReference) locals.get("obj");
            Field name = obj.referenceType().fieldByName("name");
            String objName = ((StringReference) obj.getValue(name)).value();
            Report.require(objName.equals("obj-" + round), "%s: obj.name = \"%s\" in round %d", node, objName, round);
            Report.require(obj.referenceType().equals(fixture), "%s: obj's type is not the merged fixture.Fixture", node);
            Report.require(Cluster.nodeOf(thread).equals(node) && Cluster.slotOf(obj) == Cluster.slotOf(thread), "%s: obj and thread on different nodes", node);
        }
    }

    private ObjectReference local(BreakpointEvent hit, String name) throws Exception {
        StackFrame frame = hit.thread().frame(0);
        return (ObjectReference) frame.getValue(frame.visibleVariableByName(name));
    }

    private void invokeInstance() throws Exception {
        Report.require(!hits.isEmpty(), "no hits to invoke on");
        for (Map.Entry<String, BreakpointEvent> e : hits.entrySet()) {
            ObjectReference obj = local(e.getValue(), "obj");
            Method twice = obj.referenceType().methodsByName("twice").get(0);
            Value result = obj.invokeMethod(e.getValue().thread(), twice, List.of(vm.mirrorOf(21)), ObjectReference.INVOKE_SINGLE_THREADED);
            Report.require(result instanceof IntegerValue && ((IntegerValue) result).value() == 42, "%s: obj.twice(21) = %s", e.getKey(), result);
        }
    }

    private void invokeStatic() throws Exception {
        Report.require(!hits.isEmpty(), "no hits to invoke on");
        Method add = fixture.methodsByName("add").get(0);
        for (Map.Entry<String, BreakpointEvent> e : hits.entrySet()) {
            Value result = fixture.invokeMethod(e.getValue().thread(), add, List.of(vm.mirrorOf(2), vm.mirrorOf(3)), ClassType.INVOKE_SINGLE_THREADED);
            Report.require(result instanceof IntegerValue && ((IntegerValue) result).value() == 5, "%s: Fixture.add(2, 3) = %s", e.getKey(), result);
        }
    }

    private void mirrorOfString() throws Exception {
        List<String> on = new ArrayList<>(nodes);
        Collections.sort(on);
        Report.require(on.size() >= 3 && hits.keySet().containsAll(on), "need hits on 3 nodes, have %s", hits.keySet());
        StringReference text = vm.mirrorOf("some text");
        for (String node : on.subList(1, 3)) {
            BreakpointEvent hit = hits.get(node);
            StringReference str = (StringReference) local(hit, "str");
            ClassType stringType = (ClassType) str.referenceType();
            Method concat = stringType.concreteMethodByName("concat", "(Ljava/lang/String;)Ljava/lang/String;");
            Value joined = str.invokeMethod(hit.thread(), concat, List.of(text), ObjectReference.INVOKE_SINGLE_THREADED);
            Report.require(joined instanceof StringReference && ((StringReference) joined).value().equals(str.value() + "some text"), "%s: str.concat(mirror) = %s", node, joined);
            Report.require(Cluster.slotOf((ObjectReference) joined) == Cluster.slotOf(str), "%s: the concatenation lives on another node", node);
            Method valueOf = stringType.concreteMethodByName("valueOf", "(Ljava/lang/Object;)Ljava/lang/String;");
            Value same = stringType.invokeMethod(hit.thread(), valueOf, List.of(text), ClassType.INVOKE_SINGLE_THREADED);
            Report.require(same instanceof StringReference && ((StringReference) same).value().equals("some text"), "%s: String.valueOf(mirror) = %s", node, same);
        }
        Report.require(text.value().equals("some text"), "the mirror reads back as \"%s\"", text.value());
    }

    /** An object of one node passed to a method on another node is an invalid object there, never another object. */
    private void crossNode() throws Exception {
        List<String> on = new ArrayList<>(hits.keySet());
        Collections.sort(on);
        Report.require(on.size() >= 2, "need hits on 2 nodes, have %s", on);
        ObjectReference mine = local(hits.get(on.get(0)), "obj");
        ObjectReference theirs = local(hits.get(on.get(1)), "obj");
        Method equals = mine.referenceType().methodsByName("equals").get(0);
        try {
            Value v = mine.invokeMethod(hits.get(on.get(0)).thread(), equals, List.of(theirs), ObjectReference.INVOKE_SINGLE_THREADED);
            throw new Report.Failed(on.get(0) + ": equals(an object of " + on.get(1) + ") answered " + v);
        } catch (ObjectCollectedException expected) {
            // INVALID_OBJECT: the ID does not belong to this node.
        }
    }

    /** A Count filter of 4 reports the 4th hit of the whole cluster, once. */
    private void countFilter() throws Exception {
        BreakpointRequest request = Cluster.breakAt(vm, fixture, line, EventRequest.SUSPEND_NONE);
        request.disable();
        request.addCountFilter(4);
        request.enable();
        try {
            events.next(BreakpointEvent.class, e -> e.request().equals(request), 10_000);
            Map<String, Integer> more = Cluster.countHits(events, request, nodes, 1, 1_500);
            Report.require(more.isEmpty(), "hits after the count was reached: %s", more);
        } finally {
            vm.eventRequestManager().deleteEventRequest(request);
        }
    }

    /** A modification watchpoint on Fixture.counter fires on every node. */
    private void watchpoint() throws Exception {
        Report.require(vm.canWatchFieldModification(), "the virtual VM cannot watch field modification");
        ModificationWatchpointRequest request = vm.eventRequestManager().createModificationWatchpointRequest(fixture.fieldByName("counter"));
        // SUSPEND_ALL: the nodes' event sets then reach the debugger one at a time, so the focus node (which answers
        // the static read of valueCurrent) is the event's own until it resumes. With one-thread events from three
        // nodes in flight, the focus is the node of whichever event came last.
        request.setSuspendPolicy(EventRequest.SUSPEND_ALL);
        request.enable();
        try {
            Map<String, ModificationWatchpointEvent> seen = new TreeMap<>();
            long deadline = System.currentTimeMillis() + 10_000;
            while (!seen.keySet().containsAll(nodes) && System.currentTimeMillis() < deadline) {
                ModificationWatchpointEvent e = events.next(ModificationWatchpointEvent.class, w -> w.request().equals(request), Math.max(1, deadline - System.currentTimeMillis()));
                // Static values are per node: the proxy reads them on the node of the thread addressed last.
                String node = Cluster.nodeOf(e.thread());
                long before = ((PrimitiveValue) e.valueCurrent()).longValue();
                long after = ((PrimitiveValue) e.valueToBe()).longValue();
                Report.require(after == before + 1 && e.field().name().equals("counter"), "%s: counter %d -> %d", node, before, after);
                seen.putIfAbsent(node, e);
                events.resume(e);
            }
            Report.require(seen.keySet().containsAll(nodes), "watchpoint hits from %s only", seen.keySet());
        } finally {
            vm.eventRequestManager().deleteEventRequest(request);
            events.resumeAll();
        }
    }

    private void stepOver(BreakpointRequest breakpoint) throws Exception {
        String node = hits.keySet().stream().sorted().findFirst().orElseThrow(() -> new Report.Failed("no hit to step from"));
        BreakpointEvent hit = hits.get(node);
        ThreadReference thread = hit.thread();
        StepRequest step = vm.eventRequestManager().createStepRequest(thread, StepRequest.STEP_LINE, StepRequest.STEP_OVER);
        step.addCountFilter(1);
        step.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
        step.enable();
        events.resume(hit);
        StepEvent stepped = events.next(StepEvent.class, e -> e.thread().equals(thread), 10_000);
        try {
            Location at = stepped.location();
            Report.require(at.method().name().equals("work") && at.lineNumber() == line + 1, "%s: stepped to %s:%d, expected work:%d", node, at.method().name(), at.lineNumber(), line + 1);
            Report.require(thread.frame(0).location().equals(at), "%s: the thread is not where the step said", node);
        } finally {
            vm.eventRequestManager().deleteEventRequest(step);
            if (breakpoint != null) breakpoint.disable();
            events.resume(stepped);
        }
    }

    private void suspendAll() throws Exception {
        vm.suspend();
        List<String> running = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ThreadReference t : vm.allThreads()) {
            seen.add(Cluster.nodeOf(t));
            if (!t.isSuspended()) running.add(t.name());
        }
        Report.require(running.isEmpty(), "threads not suspended: %s", running);
        Report.require(seen.containsAll(nodes), "threads of %s only", seen);
    }

    private void instanceCounts() throws Exception {
        Report.require(vm.canGetInstanceInfo(), "the virtual VM cannot get instance info");
        long count = vm.instanceCounts(List.of((ReferenceType) fixture))[0];
        List<ObjectReference> instances = fixture.instances(0);
        Set<Long> slots = instances.stream().map(Cluster::slotOf).collect(Collectors.toSet());
        Report.require(count == instances.size(), "instanceCounts = %d, instances(0) has %d", count, instances.size());
        Report.require(slots.size() > 1, "instances from %d node(s) only: slots %s", slots.size(), slots);
    }

    private void resumeAll() throws Exception {
        vm.resume();
        List<String> suspended = new ArrayList<>();
        for (ThreadReference t : vm.allThreads()) if (t.isSuspended()) suspended.add(t.name() + " (" + t.suspendCount() + ")");
        Report.require(suspended.isEmpty(), "still suspended: %s", suspended);
    }
}
