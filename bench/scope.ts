// The cost of a request scope on the requests it leaves alone, side by side in one run: the demo flow (gateway
// -> orders -> inventory, one JVM each, behind one virtual VM) under a steady load, 1 request in 50 marked, in
// three phases: no debugger; a debugger scoped to header:X-Debug-Session=alice with a breakpoint in the orders
// handler; the same breakpoint unscoped, every hit resumed at once (what a tracepoint costs). Per phase: the
// unmarked requests' latency (p50, p99), each JVM's CPU (from /proc, share of one core), and what the proxy
// measured (threads held by entry checks, share of the time).
// Run: npx tsc -p . && node out/bench/scope.js [seconds=8] [rate=50]
import * as fs from 'node:fs';
import { lineLocation } from '../test/support/locations';
import { demoMarker, startFlowCluster } from '../cli/demo-cluster';
import { LoadGenerator, quantile, type LoadResult } from '../cli/load';
import { JdwpClient } from '../jdwp/client/client';
import type { ThreadID } from '../jdwp/protocol/wire-types';
import { JDWP } from '../jdwp/registry';
import type { Event_Composite_Event } from '../jdwp/protocol/spec-types';
import { parseAddress } from '../jdwp/transport/tcp';
import { fmt, table } from './support/stats';

const SECONDS = Number(process.argv[2] ?? 8);
const RATE = Number(process.argv[3] ?? 50);
const K = JDWP.EventKind;
const TICKS = 100;

function cpuTicks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function main(): Promise<void> {
  const flow = await startFlowCluster({ perService: 1, proxy: { scopeBudget: 10 } });
  try {
    const pids = flow.nodes.map((n) => n.jvm.process.pid!);
    const phase = async (label: string): Promise<Array<string | number>> => {
      const results: LoadResult[] = [];
      const before = pids.map(cpuTicks);
      const load = LoadGenerator.start({ targets: flow.gatewayUrls, rate: RATE, concurrency: 64, markEvery: 50, onResult: (r) => results.push(r) });
      await new Promise((r) => setTimeout(r, SECONDS * 1000));
      load.stop();
      const after = pids.map(cpuTicks);
      await new Promise((r) => setTimeout(r, 2000));
      const plain = results.filter((r) => !r.marked && r.ok).map((r) => r.latencyMs);
      const cpu = flow.nodes.map((n, i) => `${n.name} ${fmt(((after[i] - before[i]) / TICKS / SECONDS) * 100, 1)}%`).join(', ');
      return [label, plain.length, fmt(quantile(plain, 0.5), 1), fmt(quantile(plain, 0.99), 1), cpu];
    };
    for (let i = 0; i < 3; i++) await phase('warm-up');
    const rows = [await phase('no debugger')];
    const vm = await JdwpClient.attach(parseAddress(flow.proxyAddress!));
    await vm.Fabric.SetRequestScope('header:X-Debug-Session=alice');
    await vm.EventRequest.Set(K.BREAKPOINT, JDWP.SuspendPolicy.EVENT_THREAD, [{ modKind: 7, loc: await lineLocation(vm, 'demo.Orders', demoMarker('DEMO_BREAKPOINT').line) }]);
    vm.on('event', (e: Event_Composite_Event) => {
      for (const ev of e.events) if (ev.eventKind === K.BREAKPOINT) vm.ThreadReference.Resume((ev as { thread: ThreadID }).thread).catch(() => undefined);
    });
    rows.push(await phase('scope header:X-Debug-Session=alice'));
    const info = await vm.Fabric.RequestScopeInfo();
    await vm.Fabric.SetRequestScope('');
    rows.push(await phase('no scope: every request stops and is resumed at once'));
    await vm.dispose();
    console.log(`\nThe demo flow at ${RATE} requests/s for ${SECONDS} s per phase, 1 in 50 marked (ms; CPU as a share of one core, from /proc)`);
    console.log(table(['phase', 'unmarked requests', 'p50', 'p99', 'JVM CPU'], rows));
    console.log(`\nThe proxy's view of the scope: ${info.nodes.map((n) => `${n.node}: ${n.checks} checks, ${n.matched} marked, threads held ${(n.costPermille / 10).toFixed(1)}% of the last second`).join('; ')}`);
  } finally {
    await flow.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
