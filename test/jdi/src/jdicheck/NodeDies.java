package jdicheck;

import com.sun.jdi.ObjectCollectedException;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.ThreadDeathEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.EventRequest;
import com.sun.jdi.request.ThreadDeathRequest;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/** A node is killed mid-session: the session goes on with the others, and the dead node's threads are gone. */
final class NodeDies {
    private final VirtualMachine vm;
    private final Events events;
    private final Report report;
    private final Set<String> nodes;
    private final String victim;
    private final int line;

    NodeDies(VirtualMachine vm, Events events, Report report, Options options) {
        this.vm = vm;
        this.events = events;
        this.report = report;
        this.nodes = options.nodes();
        this.victim = options.get("victim");
        this.line = options.integer("line");
    }

    void run() throws Exception {
        ThreadDeathRequest deaths = vm.eventRequestManager().createThreadDeathRequest();
        deaths.setSuspendPolicy(EventRequest.SUSPEND_NONE);
        deaths.enable();
        BreakpointRequest[] request = new BreakpointRequest[1];
        ThreadReference[] victimMain = new ThreadReference[1];
        Set<Long> victimThreads = new LinkedHashSet<>();
        report.check("hits-every-node-before-kill", () -> {
            request[0] = Cluster.breakAt(vm, Cluster.onlyClass(vm, "fixture.Fixture"), line);
            Map<String, BreakpointEvent> hits = Cluster.hitOnEach(events, request[0], nodes, 20_000);
            victimMain[0] = hits.get(victim).thread();
            for (ThreadReference t : vm.allThreads()) if (Cluster.nodeOf(t).equals(victim)) victimThreads.add(t.uniqueID());
            for (BreakpointEvent hit : hits.values()) events.resume(hit);
        });
        FabricJdiCheck.ready("kill");
        events.resumeAll();
        Set<String> survivors = new LinkedHashSet<>(nodes);
        survivors.remove(victim);
        report.check("hits-go-on-from-survivors", () -> {
            Report.require(request[0] != null, "no breakpoint");
            Map<String, Integer> counts = Cluster.countHits(events, request[0], survivors, 3, 15_000);
            Report.require(counts.keySet().equals(survivors), "hits after the kill from %s, expected exactly %s", counts, survivors);
        });
        report.check("allThreads-without-dead-node", () -> {
            List<String> names = vm.allThreads().stream().map(ThreadReference::name).collect(Collectors.toList());
            Report.require(names.stream().noneMatch(n -> n.startsWith("[" + victim + "] ")), "%s still listed: %s", victim, names);
            for (String s : survivors) Report.require(names.stream().anyMatch(n -> n.startsWith("[" + s + "] ")), "%s missing: %s", s, names);
        });
        report.check("stale-thread-fails-fast", () -> {
            Report.require(victimMain[0] != null, "no thread of %s kept", victim);
            // suspendCount() answers for any live thread, suspended or not: only a dead one can fail it.
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<Integer> call = pool.submit(() -> victimMain[0].suspendCount());
                try {
                    Integer n = call.get(5, TimeUnit.SECONDS);
                    throw new Report.Failed("suspendCount() of a dead node's thread answered " + n);
                } catch (TimeoutException e) {
                    throw new Report.Failed("suspendCount() of a dead node's thread hung for 5 s");
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    Report.require(cause instanceof IllegalThreadStateException || cause instanceof ObjectCollectedException,
                            "expected INVALID_THREAD or INVALID_OBJECT (IllegalThreadStateException or ObjectCollectedException), got %s", cause);
                    System.out.println("INFO stale thread: " + cause);
                }
            } finally {
                pool.shutdownNow();
            }
        });
        report.check("threadDeath-for-dead-node", () -> {
            Report.require(!victimThreads.isEmpty(), "no threads of %s recorded", victim);
            long deadline = System.currentTimeMillis() + 5_000;
            Set<Long> missing;
            do {
                Set<Long> dead = events.deaths().stream().map(ThreadDeathEvent::thread).map(ThreadReference::uniqueID).collect(Collectors.toSet());
                missing = victimThreads.stream().filter(id -> !dead.contains(id)).collect(Collectors.toCollection(LinkedHashSet::new));
                if (missing.isEmpty()) return;
                Thread.sleep(100);
            } while (System.currentTimeMillis() < deadline);
            throw new Report.Failed("no ThreadDeath for " + missing.size() + " of " + victimThreads.size() + " threads of " + victim + ": " + missing);
        });
        vm.eventRequestManager().deleteEventRequest(deaths);
        if (request[0] != null) vm.eventRequestManager().deleteEventRequest(request[0]);
        events.resumeAll();
    }
}
