import { JdwpClient } from '../../jdwp/client/client';
import type { Jvm } from '../../jdwp/launch/java';

/** Attaches a fresh client to a JVM and answers the threads whose SuspendCount is not 0, as "name=count". */
export async function suspendedThreads(port: number): Promise<string[]> {
  let vm: JdwpClient | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      vm = await JdwpClient.attach({ host: '127.0.0.1', port });
      break;
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    const { threads } = await vm.VirtualMachine.AllThreads();
    const counts = await Promise.all(
      threads.map(async (t) => {
        const [name, count] = await Promise.all([vm!.ThreadReference.Name(t), vm!.ThreadReference.SuspendCount(t)]);
        return { name: name.threadName, count: count.suspendCount };
      }),
    );
    return counts.filter((c) => c.count !== 0).map((c) => `${c.name}=${c.count}`);
  } finally {
    await vm.dispose();
  }
}

function listenings(jvm: Jvm): number[] {
  return jvm.output.map((l) => /Listening for transport dt_socket at address: (\d+)/.exec(l)).filter((m) => m !== null).map((m) => Number(m![1]));
}

/**
 * The port a JVM's agent listens on for the next debugger. With address 0 the agent picks a new
 * port after each debugger detaches, so this waits until it has printed more than `seen` ports.
 */
export async function agentPort(jvm: Jvm, seen = 0, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ports = listenings(jvm);
    if (ports.length > seen) return ports[ports.length - 1];
    if (Date.now() > deadline) throw new Error(`the JVM's agent did not listen again within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
