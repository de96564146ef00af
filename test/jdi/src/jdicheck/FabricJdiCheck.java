package jdicheck;

import com.sun.jdi.VirtualMachine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Checks the jdwp-fabric virtual VM through JDI, the API IntelliJ debugs with: attaches with the SocketAttach
 * connector and runs one scenario, printing "PASS name" or "FAIL name: reason" per check; exits 1 on any failure.
 * Scenarios that need the harness to act print "READY tag" and wait for a line on stdin.
 *
 * Usage: FabricJdiCheck SCENARIO PORT key=value...
 *   basics nodes=node-1,node-2,node-3 line=N threads=FILE   (FILE: one "node TAB thread name" per line)
 *   versions nodes=... v2=node-3 line=N                     (N: a line of fixture.Versioned)
 *   node-dies nodes=... victim=node-2 line=N
 *   late-join nodes=node-1,node-2 line=N
 *   late-join-while-stopped held=node-1 line=N               (the joining node starts with suspend=y)
 *   disconnect-mid-step nodes=... line=N                    (exits abruptly with threads stopped)
 *   attach-again nodes=... line=N
 *   vm-death                                                 (the harness stops the virtual VM at READY die)
 *   storm nodes=... seed=S cycles=N line=HANDLE_LINE vline=VERSIONED_LINE   (over fixture.Storm nodes)
 */
public final class FabricJdiCheck {
    private static final BufferedReader STDIN = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    private FabricJdiCheck() {}

    /** Tells the harness to act, and waits until it says GO. */
    static void ready(String tag) throws IOException {
        System.out.println("READY " + tag);
        String line = STDIN.readLine();
        if (!"GO".equals(line)) throw new IOException("expected GO from the harness, got " + line);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: FabricJdiCheck SCENARIO PORT key=value...");
            System.exit(2);
        }
        String scenario = args[0];
        Options options = new Options(args, 2);
        Report report = new Report();
        VirtualMachine[] vm = new VirtualMachine[1];
        if (!report.check("attach", () -> vm[0] = Cluster.attach("127.0.0.1", Integer.parseInt(args[1])))) System.exit(1);
        // The storm scenario reads the event queue itself.
        Events events = scenario.equals("storm") || scenario.equals("vm-death") ? null : new Events(vm[0]);
        try {
            switch (scenario) {
                case "basics":
                    new Basics(vm[0], events, report, options).run();
                    break;
                case "versions":
                    new Versions(vm[0], events, report, options).run();
                    break;
                case "node-dies":
                    new NodeDies(vm[0], events, report, options).run();
                    break;
                case "late-join":
                    new LateJoin(vm[0], events, report, options).run();
                    break;
                case "late-join-while-stopped":
                    new LateJoinWhileStopped(vm[0], events, report, options).run();
                    break;
                case "disconnect-mid-step":
                    new DisconnectMidStep(vm[0], events, report, options).run();
                    System.out.println("EXITING without Dispose");
                    Runtime.getRuntime().halt(report.failures() == 0 ? 0 : 1);
                    break;
                case "storm":
                    new StormScenario(vm[0], report, options).run();
                    break;
                case "vm-death":
                    new VmDeath(vm[0], report).run();
                    break;
                case "scope":
                    new Scope(vm[0], events, report, options).run();
                    break;
                case "stitch":
                    new Stitch(vm[0], events, report, options).run();
                    break;
                case "attach-again":
                    new AttachAgain(vm[0], events, report, options).run();
                    break;
                default:
                    report.fail("scenario", "unknown scenario " + scenario);
            }
        } catch (Exception e) {
            report.fail("scenario", e.toString());
        }
        if (!scenario.equals("vm-death")) report.check("dispose", () -> vm[0].dispose());
        System.exit(report.failures() == 0 ? 0 : 1);
    }
}
