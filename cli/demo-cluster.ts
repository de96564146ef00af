import * as path from 'node:path';
import { compileJava, startJvm, SMALL_JVM_FLAGS, type Jvm } from '../jdwp/launch/java';
import { VirtualVm } from '../jdwp/vm/server';
import type { ClusterOptions } from '../jdwp/vm/cluster';

/** The project root (this file runs from out/cli). */
const ROOT = path.resolve(__dirname, '..', '..');

/** Where the demo service's sources live. */
export const DEMO_SOURCES = path.join(ROOT, 'demo', 'src');

/** Options of the demo cluster. */
export interface DemoOptions {
  /** How many JVMs to start; default 3. */
  nodes?: number;
  /** The proxy's debugger port on 127.0.0.1; default 0 (a free port). */
  port?: number;
  /** Nodes dial into the proxy (server=n) instead of being dialled (server=y). */
  dialIn?: boolean;
  /** Milliseconds each demo worker pauses between orders; default 500. */
  pauseMillis?: number;
  /** Proxy options. */
  proxy?: Partial<ClusterOptions>;
  /** Where proxy log lines go. */
  log?: (line: string) => void;
}

/** A running demo cluster. */
export interface DemoCluster {
  proxy: VirtualVm;
  jvms: Jvm[];
  /** The class directory the nodes run. */
  classes: string;
  /** Stops the proxy (resuming every node), then the JVMs. */
  close(): Promise<void>;
}

/** Compiles the demo service, starts its JVMs and the virtual VM over them, and waits until every node joined. */
export async function startDemoCluster(options: DemoOptions = {}): Promise<DemoCluster> {
  const count = options.nodes ?? 3;
  const classes = compileJava(DEMO_SOURCES, path.join(ROOT, 'out', 'demo-classes'));
  const proxy = await VirtualVm.start({
    ...options.proxy,
    listen: `127.0.0.1:${options.port ?? 0}`,
    accept: options.dialIn ? '127.0.0.1:0' : undefined,
    log: options.log ?? options.proxy?.log ?? (() => {}),
  });
  const jvms: Jvm[] = [];
  const close = async () => {
    await proxy.close();
    await Promise.all(jvms.map((j) => j.kill()));
  };
  try {
    const started = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        startJvm({
          classPath: [classes],
          mainClass: 'demo.OrderService',
          args: [String(options.pauseMillis ?? 500)],
          vmArgs: [...SMALL_JVM_FLAGS, `-Ddemo.node=node-${i + 1}`],
          mode: options.dialIn ? 'dial' : 'listen',
          dialAddress: options.dialIn ? `127.0.0.1:${proxy.acceptAddress!.port}` : undefined,
        }),
      ),
    );
    jvms.push(...started);
    if (!options.dialIn) {
      for (const [i, jvm] of jvms.entries()) proxy.addNode(`node-${i + 1}=127.0.0.1:${jvm.port}`);
    }
    await proxy.waitForNodes(count, 30_000);
  } catch (err) {
    await close();
    throw err;
  }
  return { proxy, jvms, classes, close };
}
