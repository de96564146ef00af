// The cost of a request scope on the requests it leaves alone, side by side in one run: the demo flow (gateway
// -> orders -> inventory, one JVM each, behind one virtual VM with the demo's edges, demo/edges.json) under a
// steady load, 1 request in 50 marked, in phases:
//   no debugger;
//   scoped with the mark field: header:X-Debug-Session=alice, which the demo's DebugMark filter writes to
//     demo.DebugMark.session for marked requests only (a breakpoint at that write; unmarked requests are not checked);
//   scoped with the entry check: baggage:user=alice, which no mark field carries, so every request is held at the
//     JDK server side's entry for a read of its baggage header along the server's fixed field path (header-path.ts);
//   the same entry check by the general reader (the edge's key written "(arg0)", which the fixed path does not
//     take: what every check cost before it);
//   no scope: a breakpoint every request passes, each hit resumed at once (what a tracepoint costs).
// Each scoped phase has a breakpoint in the orders handler. Per phase: the unmarked requests' latency (p50, p99),
// the debugger's breakpoint stops, the JVMs' CPU (from /proc, share of one core, summed), and for the checks: how many, the commands the proxy sent
// the nodes per check (its resume included), the time a check held its thread, and the JVMs' CPU per check over
// the no-debugger phase.
// Run: npx tsc -p . && node out/bench/scope.js [seconds=8] [rate=50]
import * as fs from 'node:fs';
import { lineLocation } from '../test/support/locations';
import { demoEdges, demoMarker, startFlowCluster } from '../cli/demo-cluster';
import { LoadGenerator, quantile, type LoadResult } from '../cli/load';
import { JdwpClient } from '../jdwp/client/client';
import type { RpcEdge } from '../jdwp/flow/edges';
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
  const edges = demoEdges();
  // The same edge, its key in a form the fixed field path does not take: the general reader runs.
  const generalEdges: RpcEdge[] = edges.map((e) => ({ ...e, server: { ...e.server, key: '(arg0)' } }));
  const flow = await startFlowCluster({ perService: 1, proxy: { scopeBudget: 10, edges } });
  const cluster = flow.proxy!.cluster;
  try {
    const pids = flow.nodes.map((n) => n.jvm.process.pid!);
    let commands = 0;
    let stops = 0;
    for (const link of cluster.live()) {
      const connection = link.client.connection;
      const request = connection.request.bind(connection);
      const requestWith = connection.requestWith.bind(connection);
      connection.request = (...args) => (commands++, request(...args));
      connection.requestWith = (...args) => (commands++, requestWith(...args));
    }
    let baseCpuPerRequest = 0;
    const phase = async (label: string): Promise<Array<string | number>> => {
      const results: LoadResult[] = [];
      const scope = () => flow.proxy!.session?.requests.scope?.report() ?? [];
      const before = { cpu: pids.map(cpuTicks), commands, stops, checks: scope().reduce((a, n) => a + n.checks, 0), held: scope().reduce((a, n) => a + n.heldMs, 0) };
      const load = LoadGenerator.start({ targets: flow.gatewayUrls, rate: RATE, concurrency: 64, markEvery: 50, onResult: (r) => results.push(r) });
      await new Promise((r) => setTimeout(r, SECONDS * 1000));
      load.stop();
      const cpu = pids.map(cpuTicks).reduce((a, t, i) => a + t - before.cpu[i], 0) / TICKS;
      for (let i = 0; i < 200 && results.length < load.stats().sent; i++) await new Promise((r) => setTimeout(r, 50));
      const checks = scope().reduce((a, n) => a + n.checks, 0) - before.checks;
      const held = scope().reduce((a, n) => a + n.heldMs, 0) - before.held;
      const plain = results.filter((r) => !r.marked && r.ok).map((r) => r.latencyMs);
      const cpuPerRequest = (cpu * 1000) / Math.max(1, results.length);
      if (label === 'no debugger') baseCpuPerRequest = cpuPerRequest;
      const perCheck = (v: number, digits: number) => (checks ? fmt(v / checks, digits) : '-');
      return [
        label,
        plain.length,
        fmt(quantile(plain, 0.5), 1),
        fmt(quantile(plain, 0.99), 1),
        `${fmt((cpu / SECONDS) * 100, 1)}%`,
        stops - before.stops,
        checks,
        perCheck(commands - before.commands, 1),
        perCheck(held, 2),
        checks ? fmt(((cpuPerRequest - baseCpuPerRequest) * results.length) / checks, 2) : '-',
      ];
    };
    for (let i = 0; i < 3; i++) await phase('warm-up');
    const rows = [await phase('no debugger')];
    const vm = await JdwpClient.attach(parseAddress(flow.proxyAddress!));
    vm.on('event', (e: Event_Composite_Event) => {
      for (const ev of e.events) {
        if (ev.eventKind !== K.BREAKPOINT) continue;
        stops++;
        vm.ThreadReference.Resume((ev as { thread: ThreadID }).thread).catch(() => undefined);
      }
    });
    await vm.EventRequest.Set(K.BREAKPOINT, JDWP.SuspendPolicy.EVENT_THREAD, [{ modKind: 7, loc: await lineLocation(vm, 'demo.Orders', demoMarker('DEMO_BREAKPOINT').line) }]);
    const scoped = async (label: string, scope: string) => {
      await vm.Fabric.SetRequestScope(scope);
      rows.push(await phase(label));
      await vm.Fabric.SetRequestScope('');
    };
    await scoped('scoped, mark field (header:X-Debug-Session=alice)', 'header:X-Debug-Session=alice');
    await scoped('scoped, entry check, fixed path (baggage:user=alice)', 'baggage:user=alice');
    cluster.options.edges = generalEdges;
    await scoped('scoped, entry check, general reader (baggage:user=alice)', 'baggage:user=alice');
    cluster.options.edges = edges;
    rows.push(await phase('no scope: every request stops and is resumed at once'));
    await vm.dispose();
    console.log(`\nThe demo flow at ${RATE} requests/s for ${SECONDS} s per phase, 1 in 50 marked (ms; JVM CPU summed over the 3 JVMs, share of one core, from /proc)`);
    console.log(
      table(['phase', 'unmarked requests', 'p50', 'p99', 'JVM CPU', 'stops', 'checks', 'commands/check', 'held ms/check', 'JVM CPU ms/check'], rows),
    );
  } finally {
    await flow.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
