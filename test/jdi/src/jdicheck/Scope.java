package jdicheck;

import com.sun.jdi.ClassType;
import com.sun.jdi.LocalVariable;
import com.sun.jdi.Method;
import com.sun.jdi.ObjectCollectedException;
import com.sun.jdi.ObjectReference;
import com.sun.jdi.StringReference;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.Value;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.EventRequest;
import java.util.List;

/**
 * A request-scoped proxy (--request-scope header:X-Debug-Session=alice), as IntelliJ sees it with no knowledge of
 * scopes: a breakpoint in the orders handler, which every request passes, stops only requests carrying the mark.
 */
final class Scope {
    private final VirtualMachine vm;
    private final Events events;
    private final Report report;
    private final int line;
    private final int hits;

    Scope(VirtualMachine vm, Events events, Report report, Options options) {
        this.vm = vm;
        this.events = events;
        this.report = report;
        this.line = options.integer("line");
        this.hits = options.integer("hits");
    }

    /** The X-Debug-Session header of the request a stopped handler serves, by invoking Headers.getFirst. */
    private static String sessionOf(ThreadReference thread) throws Exception {
        LocalVariable exchangeVar = thread.frame(0).visibleVariableByName("exchange");
        ObjectReference exchange = (ObjectReference) thread.frame(0).getValue(exchangeVar);
        Method getHeaders = ((ClassType) exchange.referenceType()).concreteMethodByName("getRequestHeaders", "()Lcom/sun/net/httpserver/Headers;");
        ObjectReference headers = (ObjectReference) exchange.invokeMethod(thread, getHeaders, List.of(), ObjectReference.INVOKE_SINGLE_THREADED);
        Method getFirst = ((ClassType) headers.referenceType()).concreteMethodByName("getFirst", "(Ljava/lang/String;)Ljava/lang/String;");
        // A mirrorOf string, and a method's result, are only weakly held: the node may collect either before it is
        // used (JDI's ObjectCollectedException), as other threads run. Asked again then, as IDEs do.
        for (int attempt = 1; ; attempt++) {
            try {
                Value v = headers.invokeMethod(thread, getFirst, List.of(thread.virtualMachine().mirrorOf("X-Debug-Session")), ObjectReference.INVOKE_SINGLE_THREADED);
                return v == null ? null : ((StringReference) v).value();
            } catch (ObjectCollectedException e) {
                if (attempt == 3) throw e;
            }
        }
    }

    void run() {
        report.check("only-marked-requests-stop", () -> {
            BreakpointRequest bp = Cluster.breakAt(vm, Cluster.onlyClass(vm, "demo.Orders"), line, EventRequest.SUSPEND_EVENT_THREAD);
            for (int i = 0; i < hits; i++) {
                BreakpointEvent hit = events.next(BreakpointEvent.class, e -> e.request() == bp, 30_000);
                String session = sessionOf(hit.thread());
                Report.require("alice".equals(session), "hit %d stopped a request marked %s", i, session);
                events.resume(hit);
            }
            vm.eventRequestManager().deleteEventRequest(bp);
        });
    }
}
