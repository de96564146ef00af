// The trace CLI's costs, with the trace session in process and the proxy as its own process (as deployed):
//   1. one hit-capture-resume cycle (the time the hit holds its thread), one JVM of the self-driving worker with one
//      worker, directly and through the virtual VM; a full capture (order, locals, 5 frames) and a light one;
//   2. the most hits per second a session sustains with 3 nodes of the worker running flat out
//      (no pause between orders, 2 workers each), rate limits lifted, through the virtual VM (and 1 JVM directly).
// Run: npx tsc -p . && node out/bench/cli-trace.js [hits=300] [seconds=10]
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { relistened, type Jvm } from '../jdwp/launch/java';
import { parseTraceArgs } from '../cli/trace/options';
import { runSession } from '../cli/trace/session';
import { ROOT } from '../test/support/fixtures';
import { startWorker, workerTraceLine } from '../test/support/worker-cluster';
import { quantile } from './support/stats';

const HITS = Number(process.argv[2] ?? 300);
const SECONDS = Number(process.argv[3] ?? 10);
const WARM_UP = 30;
const UNLIMITED = ['--rate', '1000000/s', '--node-rate', '1000000/s', '--max-pause', '100000'];
const FULL = ['--capture', 'order', '--stack', '5'];
const LIGHT = ['--capture', 'order.id', '--stack', '0', '--no-locals'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** A proxy process over JVMs, and its debugger address once every node joined. */
async function startProxy(jvms: Jvm[]): Promise<{ child: ChildProcess; address: string }> {
  const args = ['proxy', '--listen', '127.0.0.1:0', ...jvms.flatMap((j, i) => ['--node', `node-${i + 1}=127.0.0.1:${j.port}`])];
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'jdwp-fabric.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (text += c));
  while ((text.match(/ joined /g) ?? []).length < jvms.length) await sleep(50);
  return { child, address: /listening on (\S+?)(;|\n)/.exec(text)![1] };
}

async function stopProxy(proxy: { child: ChildProcess }, jvms: Jvm[]): Promise<void> {
  const since = jvms.map((j) => j.output.length);
  proxy.child.kill('SIGTERM');
  await new Promise((r) => proxy.child.once('exit', r));
  await Promise.all(jvms.map((j, i) => relistened(j, since[i])));
}

/** Runs a session in process and returns its hit records. */
async function session(args: string[]): Promise<Array<{ pauseMs: number; node: string }>> {
  const out: string[] = [];
  await runSession(parseTraceArgs(args)!, { io: { out: (l) => out.push(l), err: () => undefined } });
  return out.map((l) => JSON.parse(l));
}

async function cycle(address: string, jvm: Jvm | undefined, shape: string[]): Promise<string> {
  const since = jvm?.output.length ?? 0;
  const at = `worker.OrderService:${workerTraceLine()}`;
  const hits = await session(['--connect', address, '--at', at, ...shape, ...UNLIMITED, '--max-hits', String(HITS + WARM_UP)]);
  if (jvm) await relistened(jvm, since);
  const pauses = hits.slice(WARM_UP).map((h) => h.pauseMs);
  const f = (q: number) => quantile(pauses, q).toFixed(2);
  return `median ${f(0.5)} ms, p90 ${f(0.9)} ms, p99 ${f(0.99)} ms (${pauses.length} hits)`;
}

async function sustained(address: string, jvms: Jvm[], shape: string[]): Promise<string> {
  const since = jvms.map((j) => j.output.length);
  const at = `worker.OrderService:${workerTraceLine()}`;
  const hits = await session(['--connect', address, '--at', at, ...shape, ...UNLIMITED, '--duration', String(SECONDS)]);
  await Promise.all(jvms.map((j, i) => (address.endsWith(`:${j.port}`) ? relistened(j, since[i]) : undefined)));
  const perNode = new Map<string, number>();
  for (const h of hits) perNode.set(h.node, (perNode.get(h.node) ?? 0) + 1);
  const nodes = [...perNode.values()].map((n) => (n / SECONDS).toFixed(0)).join(' / ');
  return `${(hits.length / SECONDS).toFixed(0)} hits/s (per node ${nodes}), median hold ${quantile(hits.map((h) => h.pauseMs), 0.5).toFixed(2)} ms`;
}

async function main(): Promise<void> {
  const worker = (pause: number, workers: number, i: number) => startWorker(`node-${i}`, pause, { workers });
  const jvms: Jvm[] = [];
  try {
    console.log(`1. hit-capture-resume cycle: time a hit holds its thread (1 JVM, 1 worker, 20 ms between orders; ${WARM_UP} warm-up hits)`);
    const one = await worker(20, 1, 1);
    jvms.push(one);
    for (const [name, shape] of [['full (order, locals, 5 frames)', FULL], ['light (order.id only)', LIGHT]] as const) {
      console.log(`   ${name}`);
      console.log(`     direct        ${await cycle(`127.0.0.1:${one.port}`, one, shape)}`);
      const proxy = await startProxy([one]);
      console.log(`     virtual VM    ${await cycle(proxy.address, undefined, shape)}`);
      await stopProxy(proxy, [one]);
    }
    await one.kill();
    jvms.length = 0;

    console.log(`2. sustained hits/s over ${SECONDS} s, nodes running flat out (no pause, 2 workers each), limits lifted`);
    jvms.push(...(await Promise.all([1, 2, 3].map((i) => worker(0, 2, i)))));
    for (const [name, shape] of [['light (order.id only)', LIGHT], ['full (order, locals, 5 frames)', FULL]] as const) {
      console.log(`   ${name}`);
      console.log(`     1 JVM direct          ${await sustained(`127.0.0.1:${jvms[0].port}`, jvms, shape)}`);
      const proxy = await startProxy(jvms);
      console.log(`     3 nodes, virtual VM   ${await sustained(proxy.address, jvms, shape)}`);
      await stopProxy(proxy, jvms);
    }
  } finally {
    await Promise.all(jvms.map((j) => j.kill()));
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
