package jdicheck;

import com.sun.jdi.AbsentInformationException;
import com.sun.jdi.Bootstrap;
import com.sun.jdi.ClassType;
import com.sun.jdi.Location;
import com.sun.jdi.ObjectReference;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.EventRequest;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the scenarios share: attaching as IntelliJ does, node names of threads and objects, breakpoints and hits. */
final class Cluster {
    /** The distance between two nodes' object ID ranges in the virtual VM. */
    static final long NODE_STRIDE = 1_000_000_000_000_000L;
    private static final Pattern NODE_PREFIX = Pattern.compile("^\\[([^\\]]+)\\] (.*)$");

    private Cluster() {}

    /** Attaches with the standard SocketAttach connector, the one IntelliJ's "Remote JVM Debug" uses. */
    static VirtualMachine attach(String host, int port) throws Exception {
        AttachingConnector connector = Bootstrap.virtualMachineManager().attachingConnectors().stream()
                .filter(c -> c.name().equals("com.sun.jdi.SocketAttach"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no com.sun.jdi.SocketAttach connector"));
        Map<String, Connector.Argument> args = connector.defaultArguments();
        args.get("hostname").setValue(host);
        args.get("port").setValue(String.valueOf(port));
        args.get("timeout").setValue("10000");
        return connector.attach(args);
    }

    /** The node of a proxied thread name ("[node-2] main" gives "node-2"), or "" when it carries none. */
    static String nodeOf(ThreadReference thread) {
        Matcher m = NODE_PREFIX.matcher(thread.name());
        return m.matches() ? m.group(1) : "";
    }

    /** A proxied thread name without its node prefix. */
    static String bareName(String name) {
        Matcher m = NODE_PREFIX.matcher(name);
        return m.matches() ? m.group(2) : name;
    }

    /** The node slot a virtual object ID belongs to. */
    static long slotOf(ObjectReference object) {
        return (object.uniqueID() & Long.MAX_VALUE) / NODE_STRIDE;
    }

    /** The one class of a name; fails unless exactly one is loaded. */
    static ClassType onlyClass(VirtualMachine vm, String name) throws Report.Failed {
        List<ReferenceType> types = vm.classesByName(name);
        Report.require(types.size() == 1, "expected one %s, got %d", name, types.size());
        return (ClassType) types.get(0);
    }

    /** An enabled breakpoint at the first location of a line of a type. */
    static BreakpointRequest breakAt(VirtualMachine vm, ReferenceType type, int line, int suspendPolicy) throws AbsentInformationException, Report.Failed {
        List<Location> locations = type.locationsOfLine(line);
        Report.require(!locations.isEmpty(), "no code at %s:%d", type.name(), line);
        BreakpointRequest request = vm.eventRequestManager().createBreakpointRequest(locations.get(0));
        request.setSuspendPolicy(suspendPolicy);
        request.enable();
        return request;
    }

    /** A breakpoint at a line of a type that suspends only the event thread. */
    static BreakpointRequest breakAt(VirtualMachine vm, ReferenceType type, int line) throws AbsentInformationException, Report.Failed {
        return breakAt(vm, type, line, EventRequest.SUSPEND_EVENT_THREAD);
    }

    /**
     * Collects one hit of a request per node until every wanted node has one, leaving those threads suspended
     * (a node's main thread cannot hit again until resumed). Throws when the time is up.
     */
    static Map<String, BreakpointEvent> hitOnEach(Events events, BreakpointRequest request, Set<String> nodes, long timeoutMs) throws Exception {
        Map<String, BreakpointEvent> hits = new LinkedHashMap<>();
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!hits.keySet().containsAll(nodes)) {
            long left = deadline - System.currentTimeMillis();
            BreakpointEvent hit;
            try {
                hit = events.next(BreakpointEvent.class, e -> e.request().equals(request), Math.max(1, left));
            } catch (TimeoutException e) {
                throw new Report.Failed("hits only from " + hits.keySet() + " of " + nodes + " within " + timeoutMs + " ms");
            }
            String node = nodeOf(hit.thread());
            if (hits.containsKey(node) || !nodes.contains(node)) events.resume(hit);
            else hits.put(node, hit);
        }
        return hits;
    }

    /**
     * Counts hits of a request per node, resuming each at once, until every node of `until` has `each` hits or the
     * time is up (then the counts so far are returned: the caller judges them).
     */
    static Map<String, Integer> countHits(Events events, BreakpointRequest request, Set<String> until, int each, long timeoutMs) throws InterruptedException {
        Map<String, Integer> counts = new HashMap<>();
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!until.stream().allMatch(n -> counts.getOrDefault(n, 0) >= each)) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) break;
            try {
                BreakpointEvent hit = events.next(BreakpointEvent.class, e -> e.request().equals(request), left);
                counts.merge(nodeOf(hit.thread()), 1, Integer::sum);
                events.resume(hit);
            } catch (TimeoutException e) {
                break;
            }
        }
        return counts;
    }
}
