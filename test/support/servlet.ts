// The servlet fixture (test/fixtures/servlet): the demo's orders service as a javax.servlet HttpServlet on an
// embedded Jetty 9, compiled against Debian's jars (libjetty9-java, libservlet-api-java; scripts/bootstrap.sh installs them).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileJava, startJvm, SMALL_JVM_FLAGS, type Jvm } from '../../jdwp/launch/java';
import { httpPort, startFlowCluster, type FlowCluster, type FlowNode } from '../../cli/demo-cluster';
import type { ClusterOptions } from '../../jdwp/vm/cluster';
import { VirtualVm } from '../../jdwp/vm/server';
import { formatAddress } from '../../jdwp/transport/tcp';
import { ROOT } from './fixtures';

/** Where Debian installs Java libraries. */
const DEBIAN_JAVA = '/usr/share/java';

/** The jars an embedded Jetty 9 with one servlet needs. */
export const JETTY_JARS = ['servlet-api', 'jetty9-server', 'jetty9-servlet', 'jetty9-security', 'jetty9-http', 'jetty9-io', 'jetty9-util'].map((j) => path.join(DEBIAN_JAVA, `${j}.jar`));

/** The sources of the servlet fixture. */
export const SERVLET_SOURCES = path.join(ROOT, 'test', 'fixtures', 'servlet');

/** The servlet fixture's main class (Jetty serving servletfix.OrdersServlet at /orders). */
export const SERVLET_MAIN = 'servletfix.ServletApp';

/** The servlet class: doPost handles POST /orders; SERVLET_BREAKPOINT and SERVLET_REMOTE_CALL (the HttpClient.send line) mark its lines. */
export const SERVLET_CLASS = 'servletfix.OrdersServlet';

/** The line of a marker comment (SERVLET_BREAKPOINT, SERVLET_REMOTE_CALL) in OrdersServlet.java. */
export function servletMarkerLine(marker: 'SERVLET_BREAKPOINT' | 'SERVLET_REMOTE_CALL'): number {
  const lines = fs.readFileSync(path.join(SERVLET_SOURCES, 'servletfix', 'OrdersServlet.java'), 'utf8').split('\n');
  const index = lines.findIndex((l) => l.includes(`// ${marker}`));
  if (index < 0) throw new Error(`no ${marker} marker in OrdersServlet.java`);
  return index + 1;
}

/** Compiles the servlet fixture against the Debian jars and returns its class path (classes first, then the jars). */
export function servletClassPath(): string[] {
  const missing = JETTY_JARS.filter((j) => !fs.existsSync(j));
  if (missing.length) throw new Error(`Jetty 9 is not installed (missing ${missing.join(', ')}): run scripts/bootstrap.sh or apt-get install libjetty9-java`);
  return [compileJava(SERVLET_SOURCES, path.join(ROOT, '.tmp', 'classes', 'servlet'), JETTY_JARS), ...JETTY_JARS];
}

/** A running servlet app. */
export interface ServletApp {
  /** The agent's address, host:port. */
  jdwp: string;
  /** The servlet's URL (http://127.0.0.1:PORT/orders). */
  url: string;
  jvm: Jvm;
  stop(): Promise<void>;
}

/** Starts the servlet app in a JVM with -agentlib:jdwp; `inventory` are the base URLs of the services it reserves stock at. */
export async function startServletApp(inventory: string[], timeoutMs = 30_000): Promise<ServletApp> {
  const jvm = await startJvm({ classPath: servletClassPath(), mainClass: SERVLET_MAIN, args: ['0', ...inventory], vmArgs: SMALL_JVM_FLAGS });
  try {
    const port = await httpPort(jvm, timeoutMs);
    return { jdwp: `127.0.0.1:${jvm.port}`, url: `http://127.0.0.1:${port}/orders`, jvm, stop: () => jvm.kill() };
  } catch (err) {
    await jvm.kill();
    throw err;
  }
}

/**
 * The demo flow with its orders service on Jetty: gateway-1 (demo.Gateway) -> servlet-1 (OrdersServlet at /orders)
 * -> inventory-1 (demo.Inventory), one JVM each with -agentlib:jdwp, and a virtual VM over the three with `proxy`
 * options. The servlet node's service is "orders".
 */
export async function startServletFlow(proxy: Partial<ClusterOptions> = {}): Promise<FlowCluster> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  try {
    const inventory = await startFlowCluster({ perService: { gateway: 0, orders: 0, inventory: 1 }, proxy: false });
    stops.push(inventory.stop);
    const servlet = await startServletApp([new URL(inventory.nodes[0].url).origin]);
    stops.push(servlet.stop);
    const gateway = await startFlowCluster({ perService: { gateway: 1, orders: 0, inventory: 0 }, proxy: false, downstream: { gateway: [new URL(servlet.url).origin] } });
    stops.push(gateway.stop);
    const nodes: FlowNode[] = [inventory.nodes[0], { name: 'servlet-1', service: 'orders', jdwp: servlet.jdwp, url: servlet.url, jvm: servlet.jvm }, gateway.nodes[0]];
    const vm = await VirtualVm.start({ ...proxy, listen: '127.0.0.1:0', nodes: nodes.map((n) => `${n.name}=${n.jdwp}`), log: proxy.log ?? (() => {}) });
    stops.push(() => vm.close());
    await vm.waitForNodes(nodes.length, 30_000);
    return { nodes, gatewayUrls: gateway.gatewayUrls, proxy: vm, proxyAddress: formatAddress(vm.address), classes: gateway.classes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
