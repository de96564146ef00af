package farclient;

import com.sun.jdi.*;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.event.*;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.EventRequest;
import java.util.*;

/**
 * What an IDE does at a stop, over JDI: attach with the SocketAttach connector (as IntelliJ does), time attach to
 * the first allThreads(), then stop at a breakpoint in farfix.FarLoop `stops` times and at each fetch the stack
 * (each frame's method and line), the top frame's visible variables and their values, the fields of `this` and of
 * the local `order`, every String value, and order.toString() by invocation; then resume.
 *
 * Args: HOST PORT LINE STOPS [WARM-UP PORT]. Prints (times are System.currentTimeMillis, the clock the bench reads too):
 *   ATTACH startMs endMs
 *   STOP n eventMs endMs stampMs    (eventMs: the event reached JDI; stampMs: the target's clock just before the hit)
 */
public class FarStop {
    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int line = Integer.parseInt(args[2]);
        int stops = Integer.parseInt(args[3]);
        // One unmeasured session on loopback first, so that JDI's own classes are loaded and compiled: the measured
        // session then costs what the link and the target cost, not this JVM's start.
        if (args.length > 4) session(host, Integer.parseInt(args[4]), line, 1, false);
        session(host, port, line, stops, true);
    }

    static void session(String host, int port, int line, int stops, boolean report) throws Exception {
        AttachingConnector socket = Bootstrap.virtualMachineManager().attachingConnectors().stream()
                .filter(c -> c.name().equals("com.sun.jdi.SocketAttach")).findFirst().orElseThrow();
        Map<String, Connector.Argument> cargs = socket.defaultArguments();
        cargs.get("hostname").setValue(host);
        cargs.get("port").setValue(String.valueOf(port));
        cargs.get("timeout").setValue("30000");

        long attachStart = System.currentTimeMillis();
        VirtualMachine vm = socket.attach(cargs);
        List<ThreadReference> threads = vm.allThreads();
        long attachEnd = System.currentTimeMillis();
        if (threads.isEmpty()) throw new IllegalStateException("no threads");
        if (report) System.out.println("ATTACH " + attachStart + " " + attachEnd);

        ReferenceType loop = vm.classesByName("farfix.FarLoop").get(0);
        BreakpointRequest bp = vm.eventRequestManager().createBreakpointRequest(loop.locationsOfLine(line).get(0));
        bp.setSuspendPolicy(EventRequest.SUSPEND_ALL);
        bp.enable();

        EventQueue queue = vm.eventQueue();
        for (int n = 0; n < stops; ) {
            EventSet set = queue.remove(30_000);
            if (set == null) throw new IllegalStateException("no stop within 30 s");
            long eventAt = System.currentTimeMillis();
            BreakpointEvent hit = null;
            for (Event e : set) if (e instanceof BreakpointEvent) hit = (BreakpointEvent) e;
            if (hit == null) {
                set.resume();
                continue;
            }
            long stamp = showStop(hit.thread());
            long end = System.currentTimeMillis();
            if (report) System.out.println("STOP " + n + " " + eventAt + " " + end + " " + stamp);
            n++;
            set.resume();
        }
        bp.disable();
        vm.dispose();
    }

    /** Fetches what an IDE shows at a stop; returns the target's `stamp` local. */
    static long showStop(ThreadReference thread) throws Exception {
        List<StackFrame> frames = thread.frames();
        StringBuilder stack = new StringBuilder();
        for (StackFrame f : frames) {
            Location l = f.location();
            stack.append(l.declaringType().name()).append('.').append(l.method().name()).append(':').append(l.lineNumber()).append(' ');
        }
        StackFrame top = frames.get(0);
        List<LocalVariable> locals = top.visibleVariables();
        Map<LocalVariable, Value> values = top.getValues(locals);
        List<StringReference> strings = new ArrayList<>();
        ObjectReference order = null;
        long stamp = -1;
        for (Map.Entry<LocalVariable, Value> e : values.entrySet()) {
            Value v = e.getValue();
            if (v instanceof StringReference) strings.add((StringReference) v);
            if (e.getKey().name().equals("order")) order = (ObjectReference) v;
            if (e.getKey().name().equals("stamp")) stamp = ((LongValue) v).value();
        }
        ObjectReference self = top.thisObject();
        collectStrings(self.getValues(self.referenceType().visibleFields()), strings);
        if (order == null) throw new IllegalStateException("no local order at " + stack);
        collectStrings(order.getValues(order.referenceType().visibleFields()), strings);
        int chars = 0;
        for (StringReference s : strings) chars += s.value().length();
        Method toString = order.referenceType().methodsByName("toString", "()Ljava/lang/String;").get(0);
        StringReference shown = (StringReference) order.invokeMethod(thread, toString, Collections.emptyList(), ObjectReference.INVOKE_SINGLE_THREADED);
        if (shown.value().isEmpty() || chars == 0) throw new IllegalStateException("empty strings");
        return stamp;
    }

    static void collectStrings(Map<Field, Value> values, List<StringReference> into) {
        for (Value v : values.values()) if (v instanceof StringReference) into.add((StringReference) v);
    }
}
