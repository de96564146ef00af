// The self-driving worker (test/fixtures/java/worker) on several JVMs behind a virtual VM: a steady stream of
// breakpoint hits with no HTTP in between, for the trace CLI's tests and benchmarks.
import { startJvm, SMALL_JVM_FLAGS, type Jvm } from '../../jdwp/launch/java';
import { VirtualVm } from '../../jdwp/vm/server';
import type { ClusterOptions } from '../../jdwp/vm/cluster';
import { fixtureClasses, lineOf } from './fixtures';

/** The worker's main class. */
export const WORKER_MAIN = 'worker.OrderService';

/** The line marked TRACE_LINE in worker.OrderService.process (it prices an order; the local `order` is set). */
export function workerTraceLine(): number {
  return lineOf('worker/OrderService.java', 'TRACE_LINE');
}

/** Starts one worker JVM: `workers` threads that each pause `pauseMillis` between orders. */
export function startWorker(name: string, pauseMillis: number, options: { workers?: number; dialAddress?: string } = {}): Promise<Jvm> {
  return startJvm({
    classPath: [fixtureClasses()],
    mainClass: WORKER_MAIN,
    args: [String(pauseMillis), String(options.workers ?? 2)],
    vmArgs: [...SMALL_JVM_FLAGS, `-Dworker.node=${name}`],
    mode: options.dialAddress ? 'dial' : 'listen',
    dialAddress: options.dialAddress,
  });
}

/** Options of a worker cluster. */
export interface WorkerClusterOptions {
  /** How many JVMs; default 3. */
  nodes?: number;
  /** Nodes dial into the proxy (server=n) instead of being dialled (server=y). */
  dialIn?: boolean;
  /** Milliseconds each worker thread pauses between orders; default 500. */
  pauseMillis?: number;
  /** Proxy options. */
  proxy?: Partial<ClusterOptions>;
}

/** A running worker cluster: its proxy and JVMs (named node-1, node-2, ...). */
export interface WorkerCluster {
  proxy: VirtualVm;
  jvms: Jvm[];
  /** The class directory the nodes run. */
  classes: string;
  /** Stops the proxy (resuming every node), then the JVMs. */
  close(): Promise<void>;
}

/** Starts worker JVMs and a virtual VM over them, and waits until every node joined. */
export async function startWorkerCluster(options: WorkerClusterOptions = {}): Promise<WorkerCluster> {
  const count = options.nodes ?? 3;
  const proxy = await VirtualVm.start({
    ...options.proxy,
    listen: '127.0.0.1:0',
    accept: options.dialIn ? '127.0.0.1:0' : undefined,
    log: options.proxy?.log ?? (() => {}),
  });
  const jvms: Jvm[] = [];
  const close = async () => {
    await proxy.close();
    await Promise.all(jvms.map((j) => j.kill()));
  };
  try {
    const dialAddress = options.dialIn ? `127.0.0.1:${proxy.acceptAddress!.port}` : undefined;
    jvms.push(...(await Promise.all(Array.from({ length: count }, (_, i) => startWorker(`node-${i + 1}`, options.pauseMillis ?? 500, { dialAddress })))));
    if (!options.dialIn) {
      for (const [i, jvm] of jvms.entries()) proxy.addNode(`node-${i + 1}=127.0.0.1:${jvm.port}`);
    }
    await proxy.waitForNodes(count, 30_000);
  } catch (err) {
    await close();
    throw err;
  }
  return { proxy, jvms, classes: fixtureClasses(), close };
}
