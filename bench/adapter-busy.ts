// The debug adapter on busy nodes (issue 8's measure): how many stops per second a DAP client gets handled when
// every node's workers run a conditional breakpoint that is false 9 times in 10, through the virtual VM over N
// busy nodes against a direct connection to one of them; and the latency of `stopped` -> `variables` answered
// and of an `evaluate` with a method call. The nodes are test/fixtures/java/busyfix: 3 workers each, a request
// every 20 ms (pauseMs) through Service.handle. At each stop the client does what an IDE does: stackTrace, scopes,
// variables of the top frame, one watch with a method call, then continue.
// Run: npx tsc -p . && node out/bench/adapter-busy.js [seconds=10] [nodes=5] [pauseMs=20]
import * as os from 'node:os';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Jvm } from '../jdwp/launch/java';
import { attachAndConfigure, startAdapter } from '../test/adapter/harness';
import { agentPort } from '../test/adapter/suspension';
import { SERVICE, serviceLine, startBusyNode } from '../test/adapter/busy';
import { fmt, quantile, table } from './support/stats';

const SECONDS = Number(process.argv[2] ?? 10);
const NODES = Number(process.argv[3] ?? 5);
const PAUSE_MS = Number(process.argv[4] ?? 20);
const CONDITION = 'r.id % 10 == 0';

interface Figures {
  stops: number;
  seconds: number;
  toVariables: number[];
  evaluate: number[];
}

/** One session for `seconds`: every stop is looked at as an IDE does and continued. */
async function run(attachArgs: Record<string, unknown>): Promise<Figures> {
  const a = await startAdapter();
  a.dc.recording = false;
  const arrived = new Map<DebugProtocol.StoppedEvent, number>();
  a.dc.on('stopped', (e: DebugProtocol.StoppedEvent) => arrived.set(e, performance.now()));
  const figures: Figures = { stops: 0, seconds: SECONDS, toVariables: [], evaluate: [] };
  try {
    await attachAndConfigure(a.dc, attachArgs, () =>
      a.dc.setBreakpointsRequest({ source: { path: SERVICE }, breakpoints: [{ line: serviceLine('HANDLE_LINE'), condition: CONDITION }] }),
    );
    const end = performance.now() + SECONDS * 1000;
    const started = performance.now();
    while (performance.now() < end) {
      const stop = await a.dc.nextStop(10_000);
      const t0 = arrived.get(stop) ?? performance.now();
      arrived.delete(stop);
      const threadId = stop.body.threadId!;
      const st = await a.dc.stackTraceRequest({ threadId, startFrame: 0, levels: 20 });
      const scopes = await a.dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
      const vars = await a.dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
      if (!vars.body.variables.some((v) => v.name === 'label')) throw new Error('no local "label" at the stop');
      const t1 = performance.now();
      await a.dc.evaluateRequest({ expression: 'label.length()', frameId: st.body.stackFrames[0].id, context: 'watch' });
      const t2 = performance.now();
      await a.dc.continueRequest({ threadId });
      figures.toVariables.push(t1 - t0);
      figures.evaluate.push(t2 - t1);
      figures.stops++;
    }
    figures.seconds = (performance.now() - started) / 1000;
    await a.dc.disconnectRequest({});
  } finally {
    await a.close();
  }
  return figures;
}

function row(label: string, f: Figures): (string | number)[] {
  const ms = (xs: number[], q: number) => fmt(quantile(xs, q), 1);
  return [label, f.stops, fmt(f.stops / f.seconds, 1), ms(f.toVariables, 0.5), ms(f.toVariables, 0.99), ms(f.evaluate, 0.5), ms(f.evaluate, 0.99)];
}

async function main(): Promise<void> {
  console.log(`# adapter on busy nodes: ${os.cpus().length} cpus (${os.cpus()[0]?.model}), load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}`);
  console.log(`# ${NODES} nodes x 3 workers, a request every ${PAUSE_MS} ms each; breakpoint condition "${CONDITION}"; ${SECONDS} s per case`);
  const jvms: Jvm[] = [];
  try {
    await Promise.all(Array.from({ length: NODES }, () => startBusyNode(jvms, { pauseMs: PAUSE_MS })));
    const sessions = jvms.map(() => 0);
    const ports = async (used: Jvm[]) => Promise.all(used.map((j) => agentPort(j, sessions[jvms.indexOf(j)]++, 30_000)));
    const [one] = await ports(jvms.slice(0, 1));
    const direct = await run({ hostName: '127.0.0.1', port: one });
    const all = await ports(jvms);
    const virtual = await run({ nodes: all.map((p) => `127.0.0.1:${p}`) });
    console.log('\nstops handled (stackTrace + scopes + variables + one watch with a call + continue each); latencies in ms');
    console.log(
      table(
        ['target', 'stops', 'stops/s', 'stopped->variables p50', 'p99', 'evaluate label.length() p50', 'p99'],
        [row('1 node, direct', direct), row(`${NODES} nodes, virtual VM`, virtual)],
      ),
    );
  } finally {
    await Promise.all(jvms.map((j) => j.kill()));
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
