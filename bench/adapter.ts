// Debug adapter latency over DAP, with the adapter in process and a DebugClient on a loopback socket:
//   1. attach -> first stopped event, then stackTrace + scopes + variables of the top frame,
//      with 1 JVM directly, 1 JVM through the virtual VM, and N nodes through the virtual VM;
//   2. the threads request with M nodes of T threads each, through the virtual VM.
// Run: npx tsc -p . && node out/bench/adapter.js [iterations=5] [nodes=10] [threadNodes=50] [threadsPerNode=20]
import * as os from 'node:os';
import * as path from 'node:path';
import { startJvm, type Jvm } from '../jdwp/launch/java';
import { fixtureClasses, lineOf, ROOT } from '../test/support/fixtures';
import { attachAndConfigure, nextStop, startAdapter } from '../test/adapter/harness';
import { agentPort } from '../test/adapter/suspension';
import { fmt, quantile, table } from './support/stats';

const ITERATIONS = Number(process.argv[2] ?? 5);
const NODES = Number(process.argv[3] ?? 10);
const THREAD_NODES = Number(process.argv[4] ?? 50);
const THREADS_PER_NODE = Number(process.argv[5] ?? 20);

const MAIN = path.join(ROOT, 'test/fixtures/java/dapfix/DapMain.java');
const FLAGS = ['-Xmx32m', '-Xss256k', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:CICompilerCount=1', '-Xshare:auto'];

/** A JVM with the times its agent has served a debugger, to find the port it listens on next. */
interface Node {
  jvm: Jvm;
  sessions: number;
}

async function startNodes(count: number, extraThreads: number, pauseMs: number): Promise<Node[]> {
  const nodes: Node[] = [];
  for (let i = 0; i < count; i += 4) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(4, count - i) }, () =>
        startJvm({ classPath: [fixtureClasses()], mainClass: 'dapfix.DapMain', args: [String(extraThreads), String(pauseMs)], vmArgs: FLAGS, startTimeoutMs: 60_000 }),
      ),
    );
    nodes.push(...batch.map((jvm) => ({ jvm, sessions: 0 })));
  }
  return nodes;
}

async function ports(nodes: Node[]): Promise<number[]> {
  const result = await Promise.all(nodes.map((n) => agentPort(n.jvm, n.sessions, 30_000)));
  for (const n of nodes) n.sessions++;
  return result;
}

/** One session: attach, a breakpoint on a line the loop runs every round, first stop, then the top frame's stack, scopes and locals. */
async function firstStop(attachArgs: Record<string, unknown>): Promise<{ toStop: number; toVariables: number }> {
  const a = await startAdapter();
  try {
    await a.dc.initializeRequest({ adapterID: 'jdwp-fabric', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const t0 = performance.now();
    await attachAndConfigure(a.dc, attachArgs, () => a.dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: lineOf('dapfix/DapMain.java', 'VARS_LINE') }] }));
    const stop = await nextStop(a.dc, 60_000);
    const t1 = performance.now();
    const st = await a.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 20 });
    const scopes = await a.dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
    const vars = await a.dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
    if (vars.body.variables.length < 5) throw new Error('too few locals');
    const t2 = performance.now();
    await a.dc.disconnectRequest({});
    return { toStop: t1 - t0, toVariables: t2 - t1 };
  } finally {
    await a.close();
  }
}

async function firstStopRows(label: string, nodes: Node[], viaProxy: boolean): Promise<(string | number)[]> {
  const stops: number[] = [];
  const vars: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const p = await ports(nodes);
    const args = viaProxy ? { nodes: p.map((port) => `127.0.0.1:${port}`) } : { hostName: '127.0.0.1', port: p[0] };
    const r = await firstStop(args);
    stops.push(r.toStop);
    vars.push(r.toVariables);
  }
  return [label, ITERATIONS, fmt(quantile(stops, 0.5), 1), fmt(Math.max(...stops), 1), fmt(quantile(vars, 0.5), 1), fmt(Math.max(...vars), 1)];
}

async function threadsRows(nodes: Node[]): Promise<(string | number)[][]> {
  const a = await startAdapter();
  try {
    const p = await ports(nodes);
    const tAttach = performance.now();
    await attachAndConfigure(a.dc, { nodes: p.map((port) => `127.0.0.1:${port}`), timeout: 120_000 });
    const attachMs = performance.now() - tAttach;
    // Cold: thread names are asked for (each threads request 6 s after the last, past the name cache's TTL).
    // Warm: back-to-back requests, as after each step, answered with one AllThreads and cached names.
    const cold: number[] = [];
    const warm: number[] = [];
    let count = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 6_000));
      let t0 = performance.now();
      count = (await a.dc.threadsRequest()).body.threads.length;
      cold.push(performance.now() - t0);
      t0 = performance.now();
      await a.dc.threadsRequest();
      warm.push(performance.now() - t0);
    }
    await a.dc.disconnectRequest({});
    const label = `${nodes.length} nodes x ${THREADS_PER_NODE} threads (${count} threads)`;
    return [
      [`${label}, names asked`, ITERATIONS, fmt(quantile(cold, 0.5), 1), fmt(Math.max(...cold), 1), fmt(attachMs, 0)],
      [`${label}, names cached`, ITERATIONS, fmt(quantile(warm, 0.5), 1), fmt(Math.max(...warm), 1), ''],
    ];
  } finally {
    await a.close();
  }
}

async function main(): Promise<void> {
  console.log(`# adapter benchmark: ${os.cpus().length} cpus (${os.cpus()[0]?.model}), node ${process.version}, ${ITERATIONS} iterations`);
  const all: Jvm[] = [];
  try {
    const one = await startNodes(1, 0, 1);
    all.push(...one.map((n) => n.jvm));
    const rows = [await firstStopRows('1 JVM, direct', one, false), await firstStopRows('1 JVM, virtual VM', one, true)];
    if (NODES > 1) {
      const more = [...one, ...(await startNodes(NODES - 1, 0, 1))];
      all.push(...more.slice(1).map((n) => n.jvm));
      rows.push(await firstStopRows(`${NODES} JVMs, virtual VM`, more, true));
    }
    console.log('\nattach -> first stopped, then stackTrace + scopes + variables of the top frame (ms)');
    console.log(table(['target', 'runs', 'attach->stopped p50', 'max', 'stack+scopes+vars p50', 'max'], rows));
    await Promise.all(all.splice(0).map((j) => j.kill()));
    if (THREAD_NODES > 0) {
      const threadNodes = await startNodes(THREAD_NODES, Math.max(0, THREADS_PER_NODE - 6), 1000);
      all.push(...threadNodes.map((n) => n.jvm));
      console.log('\nthreads request through the virtual VM (ms; attach = attach request incl. dialling every node)');
      console.log(table(['case', 'runs', 'threads p50', 'max', 'attach'], await threadsRows(threadNodes)));
    }
  } finally {
    await Promise.all(all.map((j) => j.kill()));
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
