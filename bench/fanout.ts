// Fan-out cost of the virtual VM: attach to first AllThreads, AllThreads, ClassesBySignature, setting one line
// breakpoint (cold: symbols computed on every node; warm), the proxy's CPU per fan-out and its memory. wide.ts and
// standin-record.ts run the same operations.
// Run: npx tsc -p . && node out/bench/fanout.js [sizes=1,10,50] [iterations=30]
import * as fs from 'node:fs';
import type { JdwpClient } from '../jdwp/client/client';
import type { Jvm } from '../jdwp/launch/java';
import type { ThreadID } from '../jdwp/protocol/wire-types';
import { JDWP } from '../jdwp/registry';
import { attachRetrying, benchLine, lineLocation, rssMiB, startBenchJvm, startProxyProcess } from './proxy-support';
import { fmt, quantile } from './support/stats';

const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;
/** The class every measured lookup asks for. */
export const BENCH_SIGNATURE = 'Lbenchfix/BenchLoop;';

/** Wall time of one call, in ms. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Sets a line breakpoint as a debugger does (ClassesBySignature, Methods, LineTable, Set), timed; then clears it. */
export async function setAndClear(vm: JdwpClient): Promise<number> {
  let id = 0;
  const ms = await timeMs(async () => {
    const { classes } = await vm.VirtualMachine.ClassesBySignature(BENCH_SIGNATURE);
    const loc = await lineLocation(vm, classes[0].typeID, 'hot', benchLine('HOT_LINE'));
    id = (await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc }])).requestID;
  });
  await vm.EventRequest.Clear(K.BREAKPOINT, id);
  return ms;
}

/** What a debugger reads of every thread when it lists them (jdb's `threads`, an IDE's thread view). */
export async function describeThreads(vm: JdwpClient): Promise<void> {
  const { threads } = await vm.VirtualMachine.AllThreads();
  await Promise.all(threads.map((t: ThreadID) => Promise.all([vm.ThreadReference.Name(t), vm.ThreadReference.Status(t), vm.ThreadReference.ThreadGroup(t)])));
}

/** User and system CPU time of a process, in ms, from /proc (10 ms resolution). */
function cpuSplitMs(pid: number): { user: number; system: number } {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

/** The proxy's CPU time per call of `op`, in µs, over `rounds` calls after as many warm-up calls, and the kernel's share of it. */
export async function proxyCpuPerCall(pid: number, rounds: number, op: () => Promise<unknown>): Promise<{ us: number; systemShare: number }> {
  for (let i = 0; i < rounds; i++) await op();
  const cpu0 = cpuSplitMs(pid);
  for (let i = 0; i < rounds; i++) await op();
  const cpu1 = cpuSplitMs(pid);
  const user = cpu1.user - cpu0.user;
  const system = cpu1.system - cpu0.system;
  return { us: ((user + system) * 1000) / rounds, systemShare: system / (user + system) };
}

/** Fan-outs per CPU figure: enough that /proc's 10 ms ticks stay below 1 % of the total, and the proxy JIT-warm. */
export function cpuRounds(nodes: number): number {
  return Math.max(100, Math.round(30_000 / nodes));
}

/** The measured figures of one cluster size. */
export type ClusterFigures = Record<string, number>;

/**
 * Measures a proxy over `nodes` joined nodes: attach to first AllThreads (median of 5), AllThreads,
 * ClassesBySignature, a line breakpoint cold and warm (medians of `iterations`), the proxy's CPU per node per
 * fan-out (AllThreads and ClassesBySignature, `cpuRounds(nodes)` each) and its RSS.
 */
export async function measureCluster(proxy: { port: number; pid: number }, nodes: number, iterations: number): Promise<ClusterFigures> {
  const attach: number[] = [];
  for (let i = 0; i < 5; i++) {
    let client!: JdwpClient;
    attach.push(
      await timeMs(async () => {
        client = await attachRetrying(proxy.port);
        await client.VirtualMachine.AllThreads();
      }),
    );
    await client.dispose();
  }
  const vm = await attachRetrying(proxy.port);
  try {
    const cold = await setAndClear(vm);
    const warm: number[] = [];
    for (let i = 0; i < iterations; i++) warm.push(await setAndClear(vm));
    const threads: number[] = [];
    for (let i = 0; i < iterations; i++) threads.push(await timeMs(() => vm.VirtualMachine.AllThreads()));
    const classes: number[] = [];
    for (let i = 0; i < iterations; i++) classes.push(await timeMs(() => vm.VirtualMachine.ClassesBySignature(BENCH_SIGNATURE)));
    const cpuThreads = await proxyCpuPerCall(proxy.pid, cpuRounds(nodes), () => vm.VirtualMachine.AllThreads());
    const cpuClasses = await proxyCpuPerCall(proxy.pid, cpuRounds(nodes), () => vm.VirtualMachine.ClassesBySignature(BENCH_SIGNATURE));
    return {
      'attach to first AllThreads (ms)': quantile(attach, 0.5),
      'AllThreads (ms)': quantile(threads, 0.5),
      'ClassesBySignature (ms)': quantile(classes, 0.5),
      'set one line breakpoint, cold (ms)': cold,
      'set one line breakpoint, warm (ms)': quantile(warm, 0.5),
      'proxy CPU per AllThreads per node (µs)': cpuThreads.us / nodes,
      'of which in the kernel (%)': cpuThreads.systemShare * 100,
      'proxy CPU per ClassesBySignature per node (µs)': cpuClasses.us / nodes,
      'proxy RSS (MiB)': rssMiB(proxy.pid),
    };
  } finally {
    await vm.dispose();
  }
}

/** Starts `n` idle bench JVMs, `batch` at a time. */
export async function startBenchJvms(n: number, batch = 5): Promise<Jvm[]> {
  const jvms: Jvm[] = [];
  try {
    for (let i = 0; i < n; i += batch) jvms.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, () => startBenchJvm('idle')))));
  } catch (err) {
    await Promise.all(jvms.map((j) => j.kill()));
    throw err;
  }
  return jvms;
}

/** Prints one table: a column per cluster, and each later column against the first; a row a column lacks stays empty. */
export function printTable(columns: Array<{ name: string; figures: ClusterFigures }>): void {
  const rows = [...new Set(columns.flatMap((c) => Object.keys(c.figures)))];
  const cell = (v: number | undefined, digits: number, suffix = '') => (v === undefined || Number.isNaN(v) ? '' : `${fmt(v, digits)}${suffix}`);
  const first = columns[0];
  const rest = columns.slice(1);
  console.log(`| measure | ${columns.map((c) => c.name).join(' | ')} | ${rest.map((c) => `${c.name} / ${first.name}`).join(' | ')} |`);
  console.log(`|---|${columns.map(() => '---:').join('|')}|${rest.map(() => '---:').join('|')}|`);
  for (const r of rows) {
    const cells = columns.map((c) => cell(c.figures[r], 1));
    const ratios = rest.map((c) => cell(c.figures[r] / first.figures[r], 2, 'x'));
    console.log(`| ${r} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
  }
}

async function main(): Promise<void> {
  const sizes = (process.argv[2] ?? '1,10,50').split(',').map(Number);
  const iterations = Number(process.argv[3] ?? 30);
  const columns = [];
  for (const n of sizes) {
    const jvms = await startBenchJvms(n);
    const proxy = await startProxyProcess(jvms);
    try {
      columns.push({ name: `${n} node${n > 1 ? 's' : ''}`, figures: await measureCluster(proxy, n, iterations) });
    } finally {
      await proxy.close();
      await Promise.all(jvms.map((j) => j.kill()));
    }
  }
  console.log(`Medians (cold: one run). Idle bench JVMs; the proxy runs as its own process.`);
  printTable(columns);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
