// The demo flow (gateway -> orders -> inventory over HTTP) on several JVMs per service, each with -agentlib:jdwp,
// behind one virtual VM.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileJava, startJvm, SMALL_JVM_FLAGS, type Jvm } from '../jdwp/launch/java';
import { formatAddress } from '../jdwp/transport/tcp';
import { VirtualVm } from '../jdwp/vm/server';
import type { ClusterOptions } from '../jdwp/vm/cluster';
import { edgeSet, loadEdges, type RpcEdge } from '../jdwp/flow/edges';

/** The project root (this file runs from out/cli). */
const ROOT = path.resolve(__dirname, '..', '..');

/** Where the demo services' sources live. */
export const DEMO_SOURCES = path.join(ROOT, 'demo', 'src');

/** The demo's edges: the JDK's HTTP edge, whose server side names the mark field of the demo's DebugMark filter. */
export const DEMO_EDGES = path.join(ROOT, 'demo', 'edges.json');

/** The edges a proxy over the demo uses: demo/edges.json alone (it restates the JDK HTTP preset, with the mark field). */
export function demoEdges(): RpcEdge[] {
  return edgeSet(loadEdges(DEMO_EDGES), false);
}

/** The demo's services, downstream last: gateway calls orders, orders calls inventory. */
export const DEMO_SERVICES = ['gateway', 'orders', 'inventory'] as const;

/** One of the demo's services. */
export type DemoService = (typeof DEMO_SERVICES)[number];

/** Each service's main class (an HttpHandler whose handle(HttpExchange) serves its path) and HTTP path. */
export const DEMO_SERVICE_INFO: Record<DemoService, { mainClass: string; path: string }> = {
  gateway: { mainClass: 'demo.Gateway', path: '/checkout' },
  orders: { mainClass: 'demo.Orders', path: '/orders' },
  inventory: { mainClass: 'demo.Inventory', path: '/reserve' },
};

/**
 * The marker comments of the demo's source: DEMO_BREAKPOINT in Orders.handle (the first breakpoint of the README),
 * DEMO_REMOTE_CALL in Gateway.handle on the line that calls orders with HttpClient.send, DEMO_STOCK in
 * Inventory.handle (two hops from the gateway).
 */
export const DEMO_MARKERS = {
  DEMO_BREAKPOINT: 'demo.Orders',
  DEMO_REMOTE_CALL: 'demo.Gateway',
  DEMO_STOCK: 'demo.Inventory',
} as const;

/** A marker comment of the demo's source. */
export type DemoMarker = keyof typeof DEMO_MARKERS;

/** The first line of a demo class's source that contains `text`, such as demoSourceLine('demo.Orders', 'client.send('). */
export function demoSourceLine(className: string, text: string): { file: string; line: number } {
  const file = path.join(DEMO_SOURCES, ...className.split('.')) + '.java';
  const line = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;
  if (line === 0) throw new Error(`no line with "${text}" in ${file}`);
  return { file, line };
}

/** Where a marker is: its class, source file and line. */
export function demoMarker(marker: DemoMarker): { className: string; file: string; line: number } {
  const className = DEMO_MARKERS[marker];
  return { className, ...demoSourceLine(className, `// ${marker}`) };
}

/** The line marked DEMO_BREAKPOINT in demo.Orders.handle. */
export function demoBreakpointLine(): number {
  return demoMarker('DEMO_BREAKPOINT').line;
}

/** Options of the demo flow cluster. */
export interface FlowOptions {
  /** JVMs per service, one count for all or per service; default 2 each. */
  perService?: number | Partial<Record<DemoService, number>>;
  /** Base URLs a service calls instead of the next service's nodes, such as the orders servlet on Jetty for the gateway. */
  downstream?: Partial<Record<DemoService, string[]>>;
  /** Options of the virtual VM over the nodes, or false for no proxy (the nodes then wait for a debugger each). */
  proxy?: Partial<ClusterOptions> | false;
  /** The proxy's debugger port on 127.0.0.1; default 0 (a free port). */
  port?: number;
  /** Nodes dial into the proxy (server=n) instead of being dialled; the proxy then names them node-1, node-2, ... */
  dialIn?: boolean;
  /** Where proxy log lines go. */
  log?: (line: string) => void;
}

/** One JVM of the flow. */
export interface FlowNode {
  /** Its name, as the proxy shows it when it dialled the node: gateway-1, orders-2, ... */
  name: string;
  service: DemoService;
  /** The agent's address, host:port (undefined when the node dialled in). */
  jdwp?: string;
  /** The URL its handler serves, such as http://127.0.0.1:41235/orders. */
  url: string;
  jvm: Jvm;
}

/** A running demo flow. */
export interface FlowCluster {
  /** Every node, downstream first (inventory, orders, gateway). */
  nodes: FlowNode[];
  /** The gateways' /checkout URLs, where requests enter the flow. */
  gatewayUrls: string[];
  /** The virtual VM over every node (absent with proxy: false). */
  proxy?: VirtualVm;
  /** The virtual VM's debugger address, host:port. */
  proxyAddress?: string;
  /** The class directory the nodes run. */
  classes: string;
  /** Stops the proxy (resuming every node), then kills the JVMs. */
  stop(): Promise<void>;
}

/** Resolves with the HTTP port once a demo node (or the servlet fixture) printed "listening on PORT". */
export async function httpPort(jvm: Jvm, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = jvm.output.map((l) => /^listening on (\d+)$/.exec(l)).find(Boolean);
    if (m) return Number(m[1]);
    if (jvm.process.exitCode !== null) throw new Error(`the JVM exited before it listened:\n${jvm.output.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`no "listening on PORT" within ${timeoutMs} ms:\n${jvm.output.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Compiles the demo, starts its services downstream first (each with -agentlib:jdwp) and the virtual VM over them. */
export async function startFlowCluster(options: FlowOptions = {}): Promise<FlowCluster> {
  const counts = (service: DemoService) => (typeof options.perService === 'number' ? options.perService : options.perService?.[service] ?? 2);
  const classes = compileJava(DEMO_SOURCES, path.join(ROOT, 'out', 'demo-classes'));
  const proxy =
    options.proxy === false
      ? undefined
      : await VirtualVm.start({
          ...options.proxy,
          listen: `127.0.0.1:${options.port ?? 0}`,
          accept: options.dialIn ? '127.0.0.1:0' : undefined,
          log: options.log ?? options.proxy?.log ?? (() => {}),
        });
  const nodes: FlowNode[] = [];
  const jvms: Jvm[] = [];
  const stop = async () => {
    await proxy?.close();
    await Promise.all(jvms.map((j) => j.kill()));
  };
  try {
    let downstream: string[] = [];
    for (const service of [...DEMO_SERVICES].reverse()) {
      const { mainClass, path: servicePath } = DEMO_SERVICE_INFO[service];
      const started = await Promise.allSettled(
        Array.from({ length: counts(service) }, async (_, i) => {
          const name = `${service}-${i + 1}`;
          const jvm = await startJvm({
            classPath: [classes],
            mainClass,
            args: ['0', ...(options.downstream?.[service] ?? downstream)],
            vmArgs: [...SMALL_JVM_FLAGS, `-Ddemo.node=${name}`],
            mode: options.dialIn && proxy ? 'dial' : 'listen',
            dialAddress: options.dialIn && proxy ? formatAddress(proxy.acceptAddress!) : undefined,
          });
          jvms.push(jvm);
          const url = `http://127.0.0.1:${await httpPort(jvm)}${servicePath}`;
          return { name, service, jdwp: jvm.port ? `127.0.0.1:${jvm.port}` : undefined, url, jvm };
        }),
      );
      const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      const tier = started.map((s) => (s as PromiseFulfilledResult<FlowNode>).value);
      nodes.push(...tier);
      downstream = tier.map((n) => new URL(n.url).origin);
    }
    if (proxy) {
      if (!options.dialIn) for (const n of nodes) proxy.addNode(`${n.name}=${n.jdwp}`);
      await proxy.waitForNodes(nodes.length, 30_000);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes,
    gatewayUrls: nodes.filter((n) => n.service === 'gateway').map((n) => n.url),
    proxy,
    proxyAddress: proxy && formatAddress(proxy.address),
    classes,
    stop,
  };
}
