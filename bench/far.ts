// The far link (issue 12): the debugger and the node RTT ms apart, through a delaying relay (bench/support/relay.ts).
// At each RTT, side by side:
//   JDI (bench/java/farclient/FarStop.java, what an IDE fetches at a stop):
//     (a) direct:                 JDI -> relay -> JVM
//     (b) proxy beside debugger:  JDI -> proxy (loopback) -> relay -> JVM
//   our debug adapter (`stopped` -> variables of the top frame shown):
//     (c) proxy beside the cluster: adapter -> relay -> proxy -> JVM
//     (d) proxy beside the adapter: adapter -> proxy -> relay -> JVM
//     (e) direct:                   adapter -> relay -> JVM
// Every JDI run is a new JDI connection and a new proxy process, so its first stop is cold on both. The commands
// that cross the relay are counted per phase (FAR_TRACE=1 prints when each crossed). Each JDI program first runs one
// unmeasured session against a second JVM on loopback, so that its own class loading is not measured.
// Run: npx tsc -p . && node out/bench/far.js [rtts=20,80] [runs=2] [warm stops=3]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { PacketFramer } from '../jdwp/codec/framer';
import { REPLY_FLAG } from '../jdwp/codec/packet';
import { eachLine, javaExecutable, relistened, startJvm, type Jvm } from '../jdwp/launch/java';
import { commandById } from '../jdwp/registry';
import { attachAndConfigure, nextStop, startAdapter } from '../test/adapter/harness';
import { BENCH_JVM_FLAGS, ROOT, benchClasses, startProxyProcess } from './proxy-support';
import { startRelay, type Relay } from './support/relay';
import { fmt, quantile, table } from './support/stats';

const RTTS = (process.argv[2] ?? '20,80').split(',').map(Number);
const RUNS = Number(process.argv[3] ?? 2);
const WARM = Number(process.argv[4] ?? 3);

const SOURCE = path.join(ROOT, 'bench', 'java', 'farfix', 'FarLoop.java');
const LINE = lineOfMarker('FAR_LINE');

function lineOfMarker(marker: string): number {
  const text = fs.readFileSync(SOURCE, 'utf8');
  return text.split('\n').findIndex((l) => l.includes(marker)) + 1;
}

/** A command that crossed the relay towards the node, and when (epoch ms, the clock the JDI program prints). */
interface Crossing {
  at: number;
  name: string;
}

/** A relay to the JVM's agent that logs each command packet crossing it towards the node. */
async function countingRelay(targetPort: number, rttMs: number): Promise<{ relay: Relay; crossings: Crossing[] }> {
  const crossings: Crossing[] = [];
  const framers = new Map<number, PacketFramer>();
  const relay = await startRelay({
    targetPort,
    rttMs,
    tap(direction, chunk, connection) {
      if (direction !== 'up') return;
      let framer = framers.get(connection);
      if (!framer) {
        framer = new PacketFramer({ handshake: true });
        framer.onPacket = (p) => {
          if (p[8] & REPLY_FLAG) return;
          const info = commandById(p[9], p[10]);
          crossings.push({ at: Date.now(), name: info?.fullName ?? `${p[9]}/${p[10]}` });
        };
        framers.set(connection, framer);
      }
      framer.push(chunk);
    },
  });
  return { relay, crossings };
}

/** What crossed the link within [from, to]: how many commands, in how many waves, and which. */
interface Crossed {
  count: number;
  /** Serial round trips: groups of commands sent within half an RTT of the group's first. Robust under load. */
  waves: number;
  names: string;
}

function summarize(crossings: Crossing[], from: number, to: number, rtt: number): Crossed {
  const counts = new Map<string, number>();
  let count = 0;
  let waves = 0;
  let waveStart = -Infinity;
  for (const c of crossings) {
    if (c.at < from || c.at > to) continue;
    count++;
    counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
    if (c.at - waveStart >= rtt / 2) {
      waves++;
      waveStart = c.at;
    }
  }
  const names = [...counts].sort((a, b) => b[1] - a[1]).map(([n, k]) => (k > 1 ? `${n}×${k}` : n)).join(', ');
  return { count, waves, names };
}

/** With FAR_TRACE=1: when each command crossed, in RTTs after `from`, grouped by the half RTT. */
function timeline(crossings: Crossing[], from: number, to: number, rtt: number): string {
  const waves = new Map<number, string[]>();
  for (const c of crossings) {
    if (c.at < from || c.at > to) continue;
    const at = Math.round(((c.at - from) / rtt) * 2) / 2;
    waves.set(at, [...(waves.get(at) ?? []), c.name]);
  }
  return [...waves].map(([at, names]) => `    +${at.toFixed(1)} RTT: ${names.join(', ')}`).join('\n');
}

/** The agent's port for the next debugger: a JVM on port 0 listens on a new one after each debugger leaves. */
class Agent {
  private since = 0;
  constructor(readonly jvm: Jvm) {}
  async port(): Promise<number> {
    const port = await relistened(this.jvm, this.since, 30_000);
    this.since = this.jvm.output.length;
    return port;
  }
}

/** One JDI run: attach, a cold stop, then warm ones. */
interface JdiRun {
  attachMs: number;
  coldMs: number;
  coldHitMs: number;
  warmMs: number[];
  warmHitMs: number[];
  commands: { attach: Crossed; cold: Crossed; warm: Crossed };
  /** The crossings of each phase over time (FAR_TRACE=1). */
  trace: string;
}

/** Runs the JDI program against a port and reads its timings; `crossings` are judged by its phases. */
async function runJdi(port: number, warmUpPort: number, rtt: number, crossings: Crossing[]): Promise<JdiRun> {
  const child = spawn(javaExecutable('java'), ['-Xmx64m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-cp', benchClasses(), 'farclient.FarStop', '127.0.0.1', String(port), String(LINE), String(WARM + 1), String(warmUpPort)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  eachLine(child.stdout!, (l) => lines.push(l));
  eachLine(child.stderr!, (l) => lines.push(l));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the JDI program exited with ${code}:\n${lines.join('\n')}`);
  const attach = lines.find((l) => l.startsWith('ATTACH '))!.split(' ').map(Number);
  const stops = lines.filter((l) => l.startsWith('STOP ')).map((l) => l.split(' ').map(Number));
  const [, , coldEvent, coldEnd, coldStamp] = stops[0];
  const last = stops[stops.length - 1];
  return {
    attachMs: attach[2] - attach[1],
    coldMs: coldEnd - coldEvent,
    coldHitMs: coldEnd - coldStamp,
    warmMs: stops.slice(1).map((s) => s[3] - s[2]),
    warmHitMs: stops.slice(1).map((s) => s[3] - s[4]),
    commands: {
      attach: summarize(crossings, attach[1], attach[2], rtt),
      cold: summarize(crossings, coldStamp, coldEnd, rtt),
      warm: summarize(crossings, last[4], last[3], rtt),
    },
    trace: [
      `  attach:\n${timeline(crossings, attach[1], attach[2], rtt)}`,
      `  cold stop:\n${timeline(crossings, coldStamp, coldEnd, rtt)}`,
      `  warm stop:\n${timeline(crossings, last[4], last[3], rtt)}`,
    ].join('\n'),
  };
}

/** (a) JDI -> relay -> JVM. */
async function jdiDirect(agent: Agent, warmUp: Agent, rtt: number): Promise<JdiRun> {
  const { relay, crossings } = await countingRelay(await agent.port(), rtt);
  try {
    return await runJdi(relay.port, await warmUp.port(), rtt, crossings);
  } finally {
    await relay.close();
  }
}

/** (b) JDI -> proxy -> relay -> JVM, a new proxy process per run (its symbol cache starts empty). */
async function jdiProxyNear(agent: Agent, warmUp: Agent, rtt: number): Promise<JdiRun> {
  const { relay, crossings } = await countingRelay(await agent.port(), rtt);
  const proxy = await startProxyProcess([{ port: relay.port }]);
  try {
    return await runJdi(proxy.port, await warmUp.port(), rtt, crossings);
  } finally {
    await proxy.close();
    await relay.close();
  }
}

/** One adapter session: cold and warm `stopped` -> variables shown. */
interface AdapterRun {
  coldMs: number;
  coldHitMs: number;
  warmMs: number[];
  warmHitMs: number[];
  commands: { cold: Crossed; warm: Crossed };
  /** The crossings of the first and last stop over time (FAR_TRACE=1). */
  trace: string;
}

/** The adapter attached to `port`: `stopped` -> stackTrace, scopes, variables of the top frame, per stop. */
async function runAdapter(port: number, rtt: number, crossings: Crossing[]): Promise<AdapterRun> {
  const a = await startAdapter();
  try {
    a.dc.defaultTimeout = 60_000;
    await attachAndConfigure(a.dc, { hostName: '127.0.0.1', port, timeout: 60_000 }, () =>
      a.dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: LINE }] }),
    );
    const shown: Array<{ ms: number; hitMs: number; from: number; to: number }> = [];
    for (let i = 0; i <= WARM; i++) {
      const stop = await nextStop(a.dc, 60_000);
      const t0 = performance.now();
      const from = Date.now();
      const st = await a.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 20 });
      const scopes = await a.dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
      const vars = await a.dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
      const ms = performance.now() - t0;
      const to = Date.now();
      const stamp = Number(vars.body.variables.find((v) => v.name === 'stamp')?.value.replace(/L$/, ''));
      if (!Number.isFinite(stamp)) throw new Error(`no stamp among ${vars.body.variables.map((v) => v.name).join(', ')}`);
      shown.push({ ms, hitMs: to - stamp, from: stamp, to });
      await a.dc.continueRequest({ threadId: stop.body.threadId! });
    }
    await a.dc.disconnectRequest({});
    const last = shown[shown.length - 1];
    return {
      coldMs: shown[0].ms,
      coldHitMs: shown[0].hitMs,
      warmMs: shown.slice(1).map((s) => s.ms),
      warmHitMs: shown.slice(1).map((s) => s.hitMs),
      commands: { cold: summarize(crossings, shown[0].from, shown[0].to, rtt), warm: summarize(crossings, last.from, last.to, rtt) },
      trace: [`  first stop:\n${timeline(crossings, shown[0].from, shown[0].to, rtt)}`, `  last stop:\n${timeline(crossings, last.from, last.to, rtt)}`].join('\n'),
    };
  } finally {
    await a.close();
  }
}

type AdapterCase = 'c' | 'd' | 'e';

/** Runs the adapter in one of the three placements. */
async function adapterCase(kind: AdapterCase, agent: Agent, rtt: number): Promise<AdapterRun> {
  const jvmPort = await agent.port();
  if (kind === 'e') {
    const { relay, crossings } = await countingRelay(jvmPort, rtt);
    try {
      return await runAdapter(relay.port, rtt, crossings);
    } finally {
      await relay.close();
    }
  }
  if (kind === 'd') {
    const { relay, crossings } = await countingRelay(jvmPort, rtt);
    const proxy = await startProxyProcess([{ port: relay.port }]);
    try {
      return await runAdapter(proxy.port, rtt, crossings);
    } finally {
      await proxy.close();
      await relay.close();
    }
  }
  const proxy = await startProxyProcess([{ port: jvmPort }]);
  const { relay, crossings } = await countingRelay(proxy.port, rtt);
  try {
    return await runAdapter(relay.port, rtt, crossings);
  } finally {
    await relay.close();
    await proxy.close();
  }
}

const med = (xs: number[]) => quantile(xs, 0.5);
const inRtt = (ms: number, rtt: number) => `${fmt(ms, 1)} (${fmt(ms / rtt, 1)})`;
const verdict = (ms: number, rtt: number, target: number) => `≤ ${target} RTT: ${ms / rtt <= target ? 'met' : 'missed'}`;

async function main(): Promise<void> {
  console.log(`# far-link benchmark: ${os.cpus().length} cpus, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`# RTTs ${RTTS.join(', ')} ms; ${RUNS} JDI runs per case (each a new JDI connection and proxy), ${WARM} warm stops per run`);
  const [jvm, warmUpJvm] = await Promise.all([0, 1].map(() => startJvm({ classPath: [benchClasses()], mainClass: 'farfix.FarLoop', args: ['5'], vmArgs: BENCH_JVM_FLAGS })));
  const agent = new Agent(jvm);
  const warmUp = new Agent(warmUpJvm);
  try {
    for (const rtt of RTTS) {
      const direct: JdiRun[] = [];
      const near: JdiRun[] = [];
      for (let r = 0; r < RUNS; r++) {
        direct.push(await jdiDirect(agent, warmUp, rtt));
        near.push(await jdiProxyNear(agent, warmUp, rtt));
      }
      const pick = (runs: JdiRun[], f: (r: JdiRun) => number) => med(runs.map(f));
      const rows: Array<[string, (r: JdiRun) => number, number]> = [
        ['attach -> first allThreads()', (r) => r.attachMs, 1],
        ['cold stop (event -> all fetched)', (r) => r.coldMs, 10],
        ['warm stop (event -> all fetched), median', (r) => med(r.warmMs), 5.5],
        ['cold stop (hit -> all fetched)', (r) => r.coldHitMs, 10],
        ['warm stop (hit -> all fetched), median', (r) => med(r.warmHitMs), 5.5],
      ];
      console.log(`\n## RTT ${rtt} ms: JDI, ms (RTTs)\n`);
      console.log(
        table(
          ['measure', 'direct', 'proxy beside the debugger', 'proxy / direct', 'target (proxy)'],
          rows.map(([label, f, target]) => {
            const d = pick(direct, f);
            const p = pick(near, f);
            return [label, inRtt(d, rtt), inRtt(p, rtt), `${fmt(p / d, 2)}x`, verdict(p, rtt, target)];
          }),
        ),
      );
      const waves = (runs: JdiRun[], phase: 'attach' | 'cold' | 'warm') => med(runs.map((r) => r.commands[phase].waves));
      console.log(`\nSerial round trips over the far link (commands sent within RTT/2 of each other count once), median of runs:\n`);
      console.log(
        table(
          ['phase', 'direct', 'proxy beside the debugger'],
          (['attach', 'cold', 'warm'] as const).map((phase) => [phase, waves(direct, phase), waves(near, phase)]),
        ),
      );
      console.log('\nCommands over the far link (first run):');
      for (const [name, runs] of [['direct', direct], ['proxy', near]] as const) {
        const c = runs[0].commands;
        console.log(`- ${name}, attach (${c.attach.count}): ${c.attach.names}`);
        console.log(`- ${name}, cold stop (${c.cold.count}): ${c.cold.names}`);
        console.log(`- ${name}, warm stop (${c.warm.count}): ${c.warm.names}`);
        if (process.env.FAR_TRACE) console.log(runs[0].trace);
      }

      const adapterRows: (string | number)[][] = [];
      const adapterCommands: string[] = [];
      const cases: Array<[AdapterCase, string, number | undefined]> = [
        ['c', 'proxy beside the cluster (adapter -> relay -> proxy -> JVM)', 1.5],
        ['d', 'proxy beside the adapter (adapter -> proxy -> relay -> JVM)', 3],
        ['e', 'direct (adapter -> relay -> JVM)', undefined],
      ];
      for (const [kind, label, target] of cases) {
        const r = await adapterCase(kind, agent, rtt);
        const warm = med(r.warmMs);
        adapterRows.push([
          label,
          inRtt(r.coldMs, rtt),
          inRtt(warm, rtt),
          inRtt(med(r.warmHitMs), rtt),
          `${r.commands.cold.waves} / ${r.commands.warm.waves}`,
          target === undefined ? '' : verdict(warm, rtt, target),
        ]);
        adapterCommands.push(`- ${kind}, cold (${r.commands.cold.count}): ${r.commands.cold.names}`, `- ${kind}, warm (${r.commands.warm.count}): ${r.commands.warm.names}`);
        if (process.env.FAR_TRACE) adapterCommands.push(r.trace);
      }
      console.log(`\n## RTT ${rtt} ms: our adapter, \`stopped\` -> variables of the top frame, ms (RTTs)\n`);
      console.log(table(['placement', 'first stop', 'warm stop, median', 'warm, hit -> shown', 'serial round trips, first / last stop', 'target (warm)'], adapterRows));
      console.log('\nCommands over the far link:');
      console.log(adapterCommands.join('\n'));
    }
  } finally {
    await Promise.all([jvm.kill(), warmUpJvm.kill()]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
