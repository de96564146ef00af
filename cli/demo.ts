import { num, parseArgs, usageOf, UsageError, type CommandDecl } from './args';
import { demoEdges, demoMarker, startFlowCluster } from './demo-cluster';
import { ExitCode } from './exit-codes';
import { LoadGenerator } from './load';

/** `jdwp-fabric demo`, declared once: its parsing, `--help` and docs derive from this. */
export const DEMO: CommandDecl = {
  name: 'demo',
  summary: 'start the demo flow (gateway -> orders -> inventory, 2 JVMs each) behind the virtual VM, with load',
  synopsis: [
    'demo [--per-service N] [--port PORT] [--dial-in] [--rate R] [--concurrency C] [--mark-every M]',
  ],
  description: 'Compiles the demo flow (gateway -> orders -> inventory, calling each other over HTTP with a W3C traceparent),\nstarts N JVMs of each service (default 2) and the virtual VM over them on 127.0.0.1:PORT (default 5005), keeps\ncheckouts flowing into the gateways, prints how to attach, and runs until Ctrl-C.',
  helpColumn: 20,
  options: [
    { name: 'per-service', value: 'N', help: ['JVMs per service (default 2)'] },
    { name: 'port', value: 'PORT', help: ['the virtual VM\'s port (default 5005; 0 picks a free one)'] },
    { name: 'dial-in', help: ['the JVMs dial into the proxy (server=n) instead of being dialled; the proxy names them node-N'] },
    { name: 'rate', value: 'R', help: ['checkouts per second (default 5; 0 sends none)'] },
    { name: 'concurrency', value: 'C', help: ['most checkouts in flight at once (default 8)'] },
    { name: 'mark-every', value: 'M', help: ['one checkout in M carries X-Debug-Session: alice (default 50; 0 marks none)'] },
    { name: 'help', help: ['this text'] },
  ],
};


/** Usage of `jdwp-fabric demo`. */
export const DEMO_USAGE = usageOf(DEMO);

/** Seconds between the demo's load reports. */
const REPORT_SECONDS = 30;

/** `jdwp-fabric demo`: the demo flow on a small embedded cluster, with a load generator. */
export async function demo(argv: string[]): Promise<number> {
  let perService: number;
  let port: number;
  let dialIn: boolean;
  let rate: number;
  let concurrency: number;
  let markEvery: number;
  try {
    const args = parseArgs(argv, DEMO);
    if (args.options.help) {
      process.stdout.write(DEMO_USAGE);
      return ExitCode.OK;
    }
    perService = num(args, 'per-service', 2, 1, 20);
    port = num(args, 'port', 5005, 0, 65535);
    dialIn = !!args.options['dial-in'];
    rate = num(args, 'rate', 5, 0, 1000);
    concurrency = num(args, 'concurrency', 8, 1, 1000);
    markEvery = num(args, 'mark-every', 50, 0, 1_000_000);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`jdwp-fabric demo: ${err.message}\n\n${DEMO_USAGE}`);
      return ExitCode.USAGE;
    }
    throw err;
  }
  console.log(`Starting the demo flow (gateway -> orders -> inventory), ${perService} JVMs per service, and the virtual VM...`);
  const cluster = await startFlowCluster({ perService, port, dialIn, proxy: { edges: demoEdges() }, log: (line) => console.log(line) });
  const proxy = cluster.proxy!;
  const at = cluster.proxyAddress!;
  const { host, port: proxyPort } = proxy.address;
  const breakpoint = demoMarker('DEMO_BREAKPOINT');
  const remoteCall = demoMarker('DEMO_REMOTE_CALL');
  const stop = `${breakpoint.className}:${breakpoint.line}`;
  console.log(`
The demo flow is up: ${cluster.nodes.length} JVMs behind one virtual JVM at ${at}.
${cluster.nodes.map((n) => `  ${n.name.padEnd(12)} ${n.url}`).join('\n')}
${rate > 0 ? `Checkouts flow into the gateways at ${rate}/s; one in ${markEvery || '∞'} carries X-Debug-Session: alice.` : 'No load: POST to a gateway yourself, e.g.'}
  curl -d 'customer=ada&item=plum&qty=2' ${cluster.gatewayUrls[0]}

Attach a debugger to ${at}:
  jdb        jdb -attach ${at}
             then:  threads     stop at ${stop}     where     locals     print order     cont
             (the gateway calls orders at ${remoteCall.className}:${remoteCall.line})
  IntelliJ   Run > Edit Configurations > + > Remote JVM Debug: Debugger mode "Attach to remote JVM",
             Host ${host}, Port ${proxyPort}; then Debug, and set a breakpoint in Orders.handle
  VS Code    npm run package && code --install-extension jdwp-fabric-*.vsix, open the demo/ folder and start
             "Attach to the demo cluster" (hostName ${host}, port ${proxyPort})
  CLI        node bin/jdwp-fabric.js trace --connect ${at} --at ${stop} --capture order --no-locals --max-hits 6

Ctrl-C stops the load, the proxy (leaving nothing suspended) and the JVMs.`);
  const load = rate > 0 ? LoadGenerator.start({ targets: cluster.gatewayUrls, rate, concurrency, markEvery }) : undefined;
  let reported = 0;
  const report = setInterval(() => {
    const s = load!.stats(reported);
    reported = s.finished;
    const ms = (v: number) => (Number.isNaN(v) ? '-' : `${v.toFixed(1)} ms`);
    console.log(`load: ${s.ok} ok, ${s.failed} failed in the last ${REPORT_SECONDS} s; p50 ${ms(s.p50)}, p99 ${ms(s.p99)}; ${s.inFlight} in flight`);
  }, REPORT_SECONDS * 1000);
  if (!load) clearInterval(report);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  console.log('Stopping the demo flow...');
  clearInterval(report);
  await cluster.stop();
  await load?.stop();
  return ExitCode.OK;
}
