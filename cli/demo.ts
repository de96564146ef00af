import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatAddress } from '../jdwp/transport/tcp';
import { num, parseArgs, UsageError } from './args';
import { DEMO_SOURCES, startDemoCluster } from './demo-cluster';
import { ExitCode } from './exit-codes';

/** Usage of `jdwp-fabric demo`. */
export const DEMO_USAGE = `usage: jdwp-fabric demo [--nodes N] [--port PORT] [--dial-in]

Compiles the demo order service, starts N JVMs of it (default 3) and the virtual VM over them on
127.0.0.1:PORT (default 5005), prints how to attach, and runs until Ctrl-C.

  --nodes N      how many JVMs (default 3)
  --port PORT    the virtual VM's port (default 5005; 0 picks a free one)
  --dial-in      the JVMs dial into the proxy (server=n) instead of being dialled
`;

/** The line marked DEMO_BREAKPOINT in the demo service. */
export function demoBreakpointLine(): number {
  const text = fs.readFileSync(path.join(DEMO_SOURCES, 'demo', 'OrderService.java'), 'utf8');
  return text.split('\n').findIndex((l) => l.includes('DEMO_BREAKPOINT')) + 1;
}

/** `jdwp-fabric demo`: the main job on a small embedded cluster. */
export async function demo(argv: string[]): Promise<number> {
  let nodes: number;
  let port: number;
  let dialIn: boolean;
  try {
    const args = parseArgs(argv, [{ name: 'nodes', value: true }, { name: 'port', value: true }, { name: 'dial-in' }, { name: 'help' }]);
    if (args.options.help) {
      process.stdout.write(DEMO_USAGE);
      return ExitCode.OK;
    }
    nodes = num(args, 'nodes', 3, 1, 50);
    port = num(args, 'port', 5005, 0, 65535);
    dialIn = !!args.options['dial-in'];
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`jdwp-fabric demo: ${err.message}\n\n${DEMO_USAGE}`);
      return ExitCode.USAGE;
    }
    throw err;
  }
  console.log(`Starting ${nodes} JVMs of the demo order service and the virtual VM...`);
  const cluster = await startDemoCluster({ nodes, port, dialIn, log: (line) => console.log(line) });
  const at = formatAddress(cluster.proxy.address);
  const line = demoBreakpointLine();
  console.log(`
The demo cluster is up: ${nodes} JVMs behind one virtual JVM at ${at}.

Attach a debugger to ${at}:
  jdb        jdb -attach ${at}
             then:  threads     stop at demo.OrderService:${line}     where     locals     print order     cont
  IntelliJ   Run > Edit Configurations > + > Remote JVM Debug: Debugger mode "Attach to remote JVM",
             Host ${cluster.proxy.address.host}, Port ${cluster.proxy.address.port}; then Debug, and set a breakpoint in OrderService.process
  VS Code    npm run package && code --install-extension jdwp-fabric-*.vsix, open the demo/ folder and start
             "Attach to the demo cluster" (hostName ${cluster.proxy.address.host}, port ${cluster.proxy.address.port})
  CLI        node bin/jdwp-fabric.js trace --connect ${at} --at demo.OrderService:${line} --capture order --max-hits 6

Ctrl-C stops the proxy (leaving nothing suspended) and the JVMs.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  console.log('Stopping the demo cluster...');
  await cluster.close();
  return ExitCode.OK;
}
