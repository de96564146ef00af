package jdicheck;

import com.sun.jdi.ClassType;
import com.sun.jdi.IntegerValue;
import com.sun.jdi.LocalVariable;
import com.sun.jdi.Location;
import com.sun.jdi.Method;
import com.sun.jdi.ObjectReference;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.StackFrame;
import com.sun.jdi.StringReference;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.Value;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.event.LocatableEvent;
import com.sun.jdi.event.StepEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.EventRequest;
import com.sun.jdi.request.EventRequestManager;
import com.sun.jdi.request.StepRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;

/**
 * A seeded storm over busy nodes (fixture.Storm): breakpoint cycles with SUSPEND_ALL and SUSPEND_EVENT_THREAD on
 * the handler line and on every version of fixture.Versioned, steps over, into and out, invocations (with a
 * vm.mirrorOf string that must come back under its own ID) and clears (one request, all of a cycle, or
 * ClearAllBreakpoints). After every step it checks that no event came twice for a thread it holds, that a
 * stopped thread is suspended and answers its frames and locals, and that a cleared request reports no more.
 *
 * Args: seed=S cycles=N nodes=... line=HANDLE_LINE vline=VERSIONED_LINE [policies=thread]
 */
final class StormScenario {
    private final VirtualMachine vm;
    private final Report report;
    private final Set<String> nodes;
    private final int line;
    private final int vline;
    private final int cycles;
    private final long seed;
    /** SUSPEND_ALL is drawn unless policies=thread. */
    private final boolean allowAll;
    private final Random rnd;
    private final EventRequestManager erm;
    /** Threads stopped by an event set this program has not resumed yet, with that set. */
    private final Map<ThreadReference, EventSet> held = new HashMap<>();
    private final Map<String, Integer> hitsPerNode = new TreeMap<>();
    private final List<EventSet> queue = new ArrayList<>();
    private volatile boolean disconnected;
    private int steps;
    private int invocations;

    StormScenario(VirtualMachine vm, Report report, Options options) {
        this.vm = vm;
        this.report = report;
        this.nodes = options.nodes();
        this.line = options.integer("line");
        this.vline = options.integer("vline");
        this.cycles = options.integer("cycles");
        this.seed = Long.parseLong(options.get("seed"));
        this.rnd = new Random(seed);
        this.allowAll = !"thread".equals(options.optional("policies", "all,thread"));
        this.erm = vm.eventRequestManager();
        Thread pump = new Thread(() -> {
            try {
                for (;;) {
                    EventSet set = vm.eventQueue().remove();
                    synchronized (queue) {
                        queue.add(set);
                        queue.notifyAll();
                    }
                }
            } catch (Exception e) {
                disconnected = true;
                synchronized (queue) {
                    queue.notifyAll();
                }
            }
        }, "storm pump");
        pump.setDaemon(true);
        pump.start();
    }

    void run() {
        System.out.println("SEED " + seed);
        for (int cycle = 0; cycle < cycles; cycle++) {
            final int c = cycle;
            if (!report.check("cycle-" + c, () -> cycle(c))) {
                System.out.println("FAILED with seed=" + seed + " at cycle " + c);
                break;
            }
        }
        report.check("hits-from-every-node", () -> Report.require(hitsPerNode.keySet().containsAll(nodes), "hits per node %s, expected all of %s", hitsPerNode, nodes));
        report.check("steps-and-invocations-ran", () -> Report.require(steps > 0 && invocations > 0, "steps %d, invocations %d", steps, invocations));
        System.out.println("STATS cycles=" + cycles + " hits=" + hitsPerNode + " steps=" + steps + " invocations=" + invocations);
    }

    private void cycle(int c) throws Exception {
        // The first cycle always invokes (a proxy string must come back under its own ID), whatever the seed.
        int policy = rnd.nextBoolean() && allowAll && c > 0 ? EventRequest.SUSPEND_ALL : EventRequest.SUSPEND_EVENT_THREAD;
        // The second cycle always breaks on every version with a thread filter (one version is not on its node).
        boolean onVersioned = rnd.nextInt(3) == 0 || c == 1;
        // Now and then only one worker may hit: a thread filter, as on one JVM, also on a version its node lacks.
        ThreadReference only = rnd.nextInt(4) == 0 || c == 1 ? randomWorker() : null;
        List<BreakpointRequest> requests = new ArrayList<>();
        for (ReferenceType t : vm.classesByName(onVersioned ? "fixture.Versioned" : "fixture.Storm")) {
            List<Location> at = t.locationsOfLine(onVersioned ? vline : line);
            Report.require(!at.isEmpty(), "no code at %s", t);
            BreakpointRequest r = erm.createBreakpointRequest(at.get(0));
            r.setSuspendPolicy(policy);
            if (only != null) r.addThreadFilter(only);
            r.enable();
            requests.add(r);
        }
        Report.require(!requests.isEmpty(), "no class to break in");
        int stops = 1 + rnd.nextInt(3);
        for (int s = 0; s < stops; s++) {
            LocatableEvent hit = take(BreakpointEvent.class, requests, 15_000);
            hitsPerNode.merge(Cluster.nodeOf(hit.thread()), 1, Integer::sum);
            inspect(hit.thread(), "hit");
            switch (c == 0 && s == 0 ? 2 : rnd.nextInt(5)) {
                case 0:
                case 1:
                    step(hit.thread(), rnd.nextInt(3));
                    break;
                case 2:
                    // A thread stopped by SUSPEND_ALL may be suspended twice (two sets at once), and an invocation
                    // resumes it only once: as on one JVM, it would not run. Invoke on event-thread stops.
                    if (policy == EventRequest.SUSPEND_EVENT_THREAD) invoke(hit.thread());
                    break;
                default:
                    break;
            }
            release(hit.thread());
        }
        switch (rnd.nextInt(3)) {
            case 0:
                erm.deleteAllBreakpoints();
                break;
            case 1:
                erm.deleteEventRequests(requests);
                break;
            default:
                for (BreakpointRequest r : requests) erm.deleteEventRequest(r);
        }
        // Hits already queued before the deletion are released here; one a while later comes from a request left behind.
        drainUntilQuiet(300, System.currentTimeMillis() + 500);
        Report.require(held.isEmpty(), "threads still held after the cycle: %s", held.keySet());
    }

    private ThreadReference randomWorker() {
        List<ThreadReference> workers = new ArrayList<>();
        for (ThreadReference t : vm.allThreads()) if (Cluster.bareName(t.name()).startsWith("worker-")) workers.add(t);
        return workers.get(rnd.nextInt(workers.size()));
    }

    /** Steps the stopped thread once (0 over, 1 into, 2 out) and checks where it landed. */
    private void step(ThreadReference thread, int kind) throws Exception {
        int depth = kind == 0 ? StepRequest.STEP_OVER : kind == 1 ? StepRequest.STEP_INTO : StepRequest.STEP_OUT;
        StepRequest step = erm.createStepRequest(thread, StepRequest.STEP_LINE, depth);
        step.addClassExclusionFilter("java.*");
        step.addClassExclusionFilter("jdk.*");
        step.addClassExclusionFilter("sun.*");
        step.addCountFilter(1);
        step.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
        step.enable();
        release(thread);
        try {
            StepEvent e = take(StepEvent.class, List.of(step), 10_000);
            Report.require(e.thread().equals(thread), "the step ended on %s, not %s", e.thread(), thread);
            inspect(thread, "step");
            steps++;
        } finally {
            erm.deleteEventRequest(step);
        }
    }

    /** Invokes methods on the stopped thread: an instance method, and a static one with a vm.mirrorOf string. */
    private void invoke(ThreadReference thread) throws Exception {
        StackFrame frame = thread.frame(0);
        ReferenceType storm = vm.classesByName("fixture.Storm").get(0);
        if (frame.location().declaringType().equals(storm)) {
            ObjectReference r = (ObjectReference) frame.getValue(frame.visibleVariableByName("r"));
            Method twice = storm.methodsByName("twice").get(0);
            Value v = r.invokeMethod(thread, twice, List.of(vm.mirrorOf(21)), ObjectReference.INVOKE_SINGLE_THREADED);
            Report.require(v instanceof IntegerValue && ((IntegerValue) v).value() == 42, "r.twice(21) = %s", v);
        }
        StringReference howdy = vm.mirrorOf("Howdy");
        Method echo = storm.methodsByName("echo").get(0);
        Value back = ((ClassType) storm).invokeMethod(thread, echo, List.of(howdy), ClassType.INVOKE_SINGLE_THREADED);
        Report.require(howdy.equals(back), "Storm.echo(mirrorOf(\"Howdy\")) came back as %s (id %d), not the mirror (id %d)", back,
                back instanceof ObjectReference ? ((ObjectReference) back).uniqueID() : -1, howdy.uniqueID());
        invocations++;
        inspect(thread, "after invoke");
    }

    /** A stopped thread is suspended and answers frames and the locals of its top frame. */
    private void inspect(ThreadReference thread, String what) throws Exception {
        Report.require(thread.isSuspended(), "%s: %s is not suspended", what, thread.name());
        List<StackFrame> frames = thread.frames();
        Report.require(!frames.isEmpty(), "%s: %s has no frames", what, thread.name());
        StackFrame top = frames.get(0);
        Location where = top.location();
        if (where.declaringType().name().startsWith("fixture.")) {
            List<LocalVariable> locals = top.visibleVariables();
            top.getValues(locals);
        }
    }

    /** Takes the next event of a kind for one of the requests; other events are checked and released. */
    private <T extends Event> T take(Class<T> kind, List<? extends EventRequest> requests, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        for (;;) {
            EventSet set = nextSet(deadline - System.currentTimeMillis());
            if (set == null) throw new TimeoutException("no " + kind.getSimpleName() + " within " + timeoutMs + " ms (seed " + seed + ")");
            T found = null;
            for (Event e : set) {
                if (e instanceof LocatableEvent) admit((LocatableEvent) e, set);
                if (found == null && kind.isInstance(e) && requests.contains(e.request())) found = kind.cast(e);
            }
            if (found != null) return found;
            resumeSet(set);
        }
    }

    /** Records the thread an event set stopped; a second event for a thread already held is an event seen twice. */
    private void admit(LocatableEvent e, EventSet set) throws Report.Failed {
        if (set.suspendPolicy() == EventRequest.SUSPEND_NONE) return;
        EventSet before = held.get(e.thread());
        Report.require(before == null || before == set, "a %s for %s, which is stopped by an earlier event set not yet resumed (seed %d)",
                e.getClass().getSimpleName(), e.thread().name(), seed);
        held.put(e.thread(), set);
    }

    private void release(ThreadReference thread) {
        EventSet set = held.get(thread);
        if (set != null) resumeSet(set);
    }

    private void resumeSet(EventSet set) {
        held.values().removeIf(s -> s == set);
        set.resume();
    }

    /** Releases every event set until none comes for quietMs; a hit after `lateAfter` (a time) fails. */
    private void drainUntilQuiet(long quietMs, long lateAfter) throws Exception {
        for (EventSet set : new ArrayList<>(held.values())) resumeSet(set);
        for (;;) {
            EventSet set = nextSet(quietMs);
            if (set == null) return;
            for (Event e : set) {
                if (e instanceof LocatableEvent) admit((LocatableEvent) e, set);
                if (e instanceof BreakpointEvent && System.currentTimeMillis() > lateAfter) throw new Report.Failed("a hit of a deleted request: " + e + " (seed " + seed + ")");
            }
            resumeSet(set);
        }
    }

    private EventSet nextSet(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + Math.max(0, timeoutMs);
        synchronized (queue) {
            while (queue.isEmpty()) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0 || disconnected) return null;
                queue.wait(left);
            }
            return queue.remove(0);
        }
    }
}
