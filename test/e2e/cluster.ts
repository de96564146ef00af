import { startDemoCluster } from '../../cli/demo-cluster';

/** The demo cluster the end-to-end run debugs. */
export interface E2eCluster {
  /** The virtual VM's debugger port on 127.0.0.1. */
  proxyPort: number;
  /** The node names (the demo service's -Ddemo.node). */
  names: string[];
  close(): Promise<void>;
}

/** Starts the demo service on `count` JVMs behind the virtual VM, as `npm run demo` does but on a free port; its workers pause `pauseMillis` between orders. */
export async function startE2eCluster(count: number, pauseMillis: number): Promise<E2eCluster> {
  const cluster = await startDemoCluster({ nodes: count, port: 0, pauseMillis });
  return {
    proxyPort: cluster.proxy.address.port,
    names: Array.from({ length: count }, (_, i) => `node-${i + 1}`),
    close: () => cluster.close(),
  };
}
