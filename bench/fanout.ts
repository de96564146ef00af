// Fan-out cost of the virtual VM at 1, 10 and 50 nodes: attach to first AllThreads, AllThreads, setting one line
// breakpoint (cold: symbols computed on every node; warm), and the proxy's memory.
// Run: npx tsc -p . && node out/bench/fanout.js [sizes=1,10,50] [iterations=30]
import type { JdwpClient } from '../jdwp/client/client';
import type { Jvm } from '../jdwp/launch/java';
import { JDWP } from '../jdwp/registry';
import { attachRetrying, benchLine, cpuMs, lineLocation, rssMiB, startBenchJvm, startProxyProcess } from './proxy-support';
import { fmt, quantile } from './support/stats';

const sizes = (process.argv[2] ?? '1,10,50').split(',').map(Number);
const iterations = Number(process.argv[3] ?? 30);
const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function setAndClear(vm: JdwpClient): Promise<number> {
  let id = 0;
  const ms = await timeMs(async () => {
    const { classes } = await vm.VirtualMachine.ClassesBySignature('Lbenchfix/BenchLoop;');
    const loc = await lineLocation(vm, classes[0].typeID, 'hot', benchLine('HOT_LINE'));
    id = (await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc }])).requestID;
  });
  await vm.EventRequest.Clear(K.BREAKPOINT, id);
  return ms;
}

async function measure(n: number): Promise<Record<string, number>> {
  const jvms: Jvm[] = [];
  for (let i = 0; i < n; i += 5) jvms.push(...(await Promise.all(Array.from({ length: Math.min(5, n - i) }, () => startBenchJvm('idle')))));
  const proxy = await startProxyProcess(jvms);
  try {
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
    const cold = await setAndClear(vm);
    const warm: number[] = [];
    for (let i = 0; i < iterations; i++) warm.push(await setAndClear(vm));
    const threads: number[] = [];
    for (let i = 0; i < iterations; i++) threads.push(await timeMs(() => vm.VirtualMachine.AllThreads()));
    const cpuRounds = 1000;
    for (let i = 0; i < cpuRounds; i++) await vm.VirtualMachine.AllThreads();
    const cpu0 = cpuMs(proxy.pid);
    for (let i = 0; i < cpuRounds; i++) await vm.VirtualMachine.AllThreads();
    const cpuPerAllThreads = ((cpuMs(proxy.pid) - cpu0) * 1000) / cpuRounds;
    const rss = rssMiB(proxy.pid);
    await vm.dispose();
    return {
      'attach to first AllThreads (ms)': quantile(attach, 0.5),
      'AllThreads (ms)': quantile(threads, 0.5),
      'proxy CPU per AllThreads, JIT-warm (µs)': cpuPerAllThreads,
      'set one line breakpoint, cold (ms)': cold,
      'set one line breakpoint, warm (ms)': quantile(warm, 0.5),
      'proxy RSS (MiB)': rss,
    };
  } finally {
    await proxy.close();
    await Promise.all(jvms.map((j) => j.kill()));
  }
}

async function main(): Promise<void> {
  const results = new Map<number, Record<string, number>>();
  for (const n of sizes) results.set(n, await measure(n));
  const rows = Object.keys(results.get(sizes[0])!);
  const last = sizes[sizes.length - 1];
  console.log(`Medians (cold: one run). Idle bench JVMs; the proxy runs as its own process.`);
  console.log(`| measure | ${sizes.map((n) => `${n} node${n > 1 ? 's' : ''}`).join(' | ')} | ${last} / 1 |`);
  console.log(`|---|${sizes.map(() => '---:').join('|')}|---:|`);
  for (const r of rows) {
    const cells = sizes.map((n) => fmt(results.get(n)![r], 1));
    console.log(`| ${r} | ${cells.join(' | ')} | ${fmt(results.get(last)![r] / results.get(sizes[0])![r], 2)}x |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
