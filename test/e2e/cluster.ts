import { startFlowCluster, type DemoService } from '../../cli/demo-cluster';
import { LoadGenerator } from '../../cli/load';

/** The demo flow the end-to-end run debugs. */
export interface E2eCluster {
  /** The virtual VM's debugger port on 127.0.0.1. */
  proxyPort: number;
  /** Every node's name (gateway-1, orders-1, ...). */
  names: string[];
  /** The nodes that serve the handler with the DEMO_BREAKPOINT line (the orders nodes). */
  breakpointNodes: string[];
  close(): Promise<void>;
}

/**
 * Starts the demo flow behind the virtual VM, as `npm run demo` does but on a free port, with `perService` JVMs per
 * service, and checkouts at `rate` per second. Requests held at a breakpoint do not hold back the others: up to 64
 * may be in flight, so that every orders node is reached while some are suspended.
 */
export async function startE2eCluster(perService: Record<DemoService, number>, rate: number): Promise<E2eCluster> {
  const cluster = await startFlowCluster({ perService, port: 0 });
  const load = LoadGenerator.start({ targets: cluster.gatewayUrls, rate, concurrency: 64, markEvery: 0 });
  return {
    proxyPort: cluster.proxy!.address.port,
    names: cluster.nodes.map((n) => n.name),
    breakpointNodes: cluster.nodes.filter((n) => n.service === 'orders').map((n) => n.name),
    close: async () => {
      await cluster.stop();
      await load.stop();
    },
  };
}
