package jdicheck;

import com.sun.jdi.VMDisconnectedException;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.event.ThreadDeathEvent;
import com.sun.jdi.event.ThreadStartEvent;
import com.sun.jdi.event.VMDeathEvent;
import com.sun.jdi.event.VMDisconnectEvent;
import com.sun.jdi.request.EventRequest;
import com.sun.jdi.request.VMDeathRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * The virtual VM dies under the debugger (the harness stops the proxy, or kills its last node with
 * --exit-with-last-node): the debugger sees the unasked VMDeath and its requested one, then VMDisconnect, and no
 * thread event after a VMDeath. Reads the event queue itself.
 */
final class VmDeath {
    private final VirtualMachine vm;
    private final Report report;

    VmDeath(VirtualMachine vm, Report report) {
        this.vm = vm;
        this.report = report;
    }

    void run() throws Exception {
        VMDeathRequest asked = vm.eventRequestManager().createVMDeathRequest();
        asked.setSuspendPolicy(EventRequest.SUSPEND_NONE);
        asked.enable();
        vm.eventRequestManager().createThreadDeathRequest().enable();
        FabricJdiCheck.ready("die");
        List<String> seen = new ArrayList<>();
        try {
            for (;;) {
                EventSet set = vm.eventQueue().remove(20_000);
                if (set == null) break;
                for (Event e : set) {
                    if (e instanceof VMDeathEvent) seen.add(e.request() == null ? "VMDeath unasked" : "VMDeath requested");
                    else if (e instanceof ThreadDeathEvent) seen.add("ThreadDeath");
                    else if (e instanceof ThreadStartEvent) seen.add("ThreadStart");
                    else if (e instanceof VMDisconnectEvent) seen.add("VMDisconnect");
                }
                if (seen.contains("VMDisconnect")) break;
                set.resume();
            }
        } catch (VMDisconnectedException e) {
            seen.add("disconnected");
        }
        System.out.println("INFO events " + seen);
        report.check("vmDeath-unasked-and-requested-before-disconnect", () -> {
            int end = seen.indexOf("VMDisconnect");
            Report.require(end >= 0, "no VMDisconnect: %s", seen);
            List<String> before = seen.subList(0, end);
            Report.require(before.contains("VMDeath unasked") && before.contains("VMDeath requested"), "VMDeaths before the disconnect: %s", seen);
        });
        report.check("no-thread-event-after-vmDeath", () -> {
            int first = seen.indexOf("VMDeath unasked");
            int other = seen.indexOf("VMDeath requested");
            int death = first < 0 ? other : other < 0 ? first : Math.min(first, other);
            Report.require(death >= 0, "no VMDeath: %s", seen);
            for (String s : seen.subList(death, seen.size())) Report.require(!s.startsWith("Thread"), "a thread event after VMDeath: %s", seen);
        });
    }
}
