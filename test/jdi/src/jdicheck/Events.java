package jdicheck;

import com.sun.jdi.VMDisconnectedException;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.event.ThreadDeathEvent;
import com.sun.jdi.event.ThreadStartEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Pumps the virtual VM's event queue on a daemon thread and keeps every event until a check takes it, so no event
 * is lost to a race. Thread starts and deaths are also recorded on their own.
 */
final class Events {
    private final List<Event> pending = new ArrayList<>();
    private final Map<Event, EventSet> setOf = new IdentityHashMap<>();
    private final Set<EventSet> resumed = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<ThreadDeathEvent> deaths = new ArrayList<>();
    private final List<ThreadStartEvent> starts = new ArrayList<>();
    private final Map<Class<?>, Integer> seen = new HashMap<>();
    private volatile boolean disconnected;

    Events(VirtualMachine vm) {
        Thread pump = new Thread(() -> {
            try {
                for (;;) {
                    EventSet set = vm.eventQueue().remove();
                    synchronized (this) {
                        for (Event e : set) {
                            pending.add(e);
                            for (Class<?> kind : e.getClass().getInterfaces()) seen.merge(kind, 1, Integer::sum);
                            setOf.put(e, set);
                            if (e instanceof ThreadDeathEvent) deaths.add((ThreadDeathEvent) e);
                            if (e instanceof ThreadStartEvent) starts.add((ThreadStartEvent) e);
                        }
                        notifyAll();
                    }
                }
            } catch (VMDisconnectedException | InterruptedException e) {
                disconnected = true;
                synchronized (this) {
                    notifyAll();
                }
            }
        }, "event pump");
        pump.setDaemon(true);
        pump.start();
    }

    /** Takes the first queued or future event of a kind that matches; throws after timeoutMs. */
    synchronized <T extends Event> T next(Class<T> kind, Predicate<T> match, long timeoutMs) throws TimeoutException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        for (;;) {
            for (int i = 0; i < pending.size(); i++) {
                Event e = pending.get(i);
                if (kind.isInstance(e) && match.test(kind.cast(e))) {
                    pending.remove(i);
                    return kind.cast(e);
                }
            }
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) throw new TimeoutException("no " + kind.getSimpleName() + " within " + timeoutMs + " ms");
            if (disconnected) throw new VMDisconnectedException("the virtual VM disconnected while waiting for " + kind.getSimpleName());
            wait(left);
        }
    }

    /** Resumes the event set of an event (once per set), as its suspend policy requires. */
    synchronized void resume(Event e) {
        EventSet set = setOf.remove(e);
        if (set != null && resumed.add(set)) set.resume();
    }

    /** Drops every queued event, resuming their sets. */
    synchronized void resumeAll() {
        for (Event e : new ArrayList<>(pending)) resume(e);
        pending.clear();
    }

    /** How many events of a kind (a JDI event interface) arrived so far. */
    synchronized int seen(Class<? extends Event> kind) {
        return seen.getOrDefault(kind, 0);
    }

    /** The thread starts seen so far. */
    synchronized List<ThreadStartEvent> starts() {
        return new ArrayList<>(starts);
    }

    /** The thread deaths seen so far. */
    synchronized List<ThreadDeathEvent> deaths() {
        return new ArrayList<>(deaths);
    }
}
