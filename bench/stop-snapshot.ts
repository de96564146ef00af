// Stop snapshots (issue 12): the adapter at a stop through the virtual VM, with and without Fabric.StopSnapshot,
// side by side in one session (the modes alternate stop by stop):
//   - `stopped` -> stackTrace + scopes + variables of the top frame answered (ms), on loopback and with every node
//     reply held back DELAY ms in the proxy (so the time over DELAY counts the proxy->node round trips);
//   - the commands the adapter sent to the proxy and the proxy to the node per stop (from the previous continue:
//     the resume, the event, holding the node and the reads of the stop; the delay applies from the continue on);
// then a raw client's Fabric.StopSnapshot alone: its node commands and round trips; then the trace CLI through the
// same proxy over a worker JVM: the time each hit holds its thread (a full capture), with and without snapshots.
// Run: npx tsc -p . && node out/bench/stop-snapshot.js [stops per mode=8] [delayMs=20]
import * as os from 'node:os';
import * as path from 'node:path';
import type { JdwpConnection } from '../jdwp/client/connection';
import type { ThreadID } from '../jdwp/protocol/wire-types';
import { JDWP } from '../jdwp/registry';
import type { VirtualVm } from '../jdwp/vm/server';
import type { Jvm } from '../jdwp/launch/java';
import { killAll, lineOf, ROOT, startFixture } from '../test/support/fixtures';
import { lineLocation } from '../test/support/locations';
import { attachAndConfigure, nextStop, startAdapter, type RecordingClient } from '../test/adapter/harness';
import { nextEvent } from '../test/vm/chain-support';
import { attachAfterDebugger, startProxy } from '../test/vm/support';
import { StopSnapshots } from '../jdwp/client/stop-snapshots';
import { parseTraceArgs } from '../cli/trace/options';
import { runSession } from '../cli/trace/session';
import { startWorker, workerTraceLine } from '../test/support/worker-cluster';
import { fmt, quantile, table } from './support/stats';

const STOPS = Number(process.argv[2] ?? 8);
const DELAY_MS = Number(process.argv[3] ?? 20);
const FIXTURES = path.join(ROOT, 'test/fixtures/java');
/** Where the adapter stops: a frame with 14 locals among which five collections and an array, and a method of an object whose fields hold another. */
const STOPS_AT = [
  { file: 'dapfix/DapMain.java', marker: 'VARS_LINE', what: 'DapMain.work at VARS_LINE (14 locals: collections, an array, an object)' },
  { file: 'dapfix/Child.java', marker: 'CHILD_TOTAL', what: 'Child.total (this with 4 fields, one an object)' },
];

/** Counts the commands a connection sends and, while `delayMs` > 0, holds each reply back that long (a far link). */
class LinkTap {
  commands = 0;
  delayMs = 0;

  constructor(connection: JdwpConnection) {
    const request = connection.request.bind(connection);
    const requestWith = connection.requestWith.bind(connection);
    connection.request = (...args) => {
      this.commands++;
      return request(...args).then((r) => (this.delayMs ? new Promise((resolve) => setTimeout(() => resolve(r), this.delayMs)) : r));
    };
    connection.requestWith = (set, command, data, timeoutMs, done) => {
      this.commands++;
      requestWith(set, command, data, timeoutMs, (err, reply) => (this.delayMs ? setTimeout(() => done(err, reply), this.delayMs) : done(err, reply)));
    };
  }
}

/** What a client shows first at a stop: the stack, the top frame's scopes and its locals. */
async function showStop(dc: RecordingClient, threadId: number): Promise<void> {
  const st = await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 20 });
  const scopes = await dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
  const vars = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
  if (vars.body.variables.length === 0) throw new Error('no locals');
}

type Sample = { ms: number; debuggerCommands: number; nodeCommands: number };

async function adapterRows(proxy: VirtualVm, node: LinkTap, stopAt: { file: string; marker: string }): Promise<(string | number)[][]> {
  const a = await startAdapter();
  try {
    await attachAndConfigure(a.dc, { hostName: '127.0.0.1', port: proxy.address.port }, () =>
      a.dc.setBreakpointsRequest({ source: { path: path.join(FIXTURES, stopAt.file) }, breakpoints: [{ line: lineOf(stopAt.file, stopAt.marker) }] }),
    );
    const ctx = a.session().ctx;
    const debuggerSide = new LinkTap(ctx.vm!.connection);
    const modes = [
      { label: 'without snapshot', snapshot: false, delay: 0 },
      { label: 'with snapshot', snapshot: true, delay: 0 },
      { label: `without snapshot, node ${DELAY_MS} ms away`, snapshot: false, delay: DELAY_MS },
      { label: `with snapshot, node ${DELAY_MS} ms away`, snapshot: true, delay: DELAY_MS },
    ];
    const samples = modes.map(() => [] as Sample[]);
    // A stop's mode is set before the thread runs into it: the adapter takes the snapshot as it decides to stop.
    const enter = (i: number) => {
      const m = i < 0 ? modes[0] : modes[i % modes.length];
      ctx.snapshots!.enabled = m.snapshot;
      node.delayMs = m.delay;
      debuggerSide.commands = 0;
      node.commands = 0;
    };
    // The first stop loads the types the session caches, in neither mode's figures; it may have come already.
    enter(-1);
    ctx.snapshots!.clear();
    for (let i = -1; i < STOPS * modes.length; i++) {
      const stop = await nextStop(a.dc, 60_000);
      const t0 = performance.now();
      await showStop(a.dc, stop.body.threadId!);
      const ms = performance.now() - t0;
      if (i >= 0) samples[i % modes.length].push({ ms, debuggerCommands: debuggerSide.commands, nodeCommands: node.commands });
      enter(i + 1);
      await a.dc.continueRequest({ threadId: stop.body.threadId! });
    }
    node.delayMs = 0;
    await a.dc.setBreakpointsRequest({ source: { path: path.join(FIXTURES, stopAt.file) }, breakpoints: [] });
    await a.dc.disconnectRequest({});
    const base = quantile(samples[0].map((s) => s.ms), 0.5);
    const far = quantile(samples[2].map((s) => s.ms), 0.5);
    return modes.map((m, k) => {
      const p50 = quantile(samples[k].map((s) => s.ms), 0.5);
      return [
        m.label,
        samples[k].length,
        fmt(p50, 1),
        fmt(p50 / (m.delay ? far : base), 2),
        m.delay ? fmt(p50 / m.delay, 1) : '',
        quantile(samples[k].map((s) => s.debuggerCommands), 0.5),
        quantile(samples[k].map((s) => s.nodeCommands), 0.5),
      ];
    });
  } finally {
    await a.close();
  }
}

async function rawRows(proxy: VirtualVm, node: LinkTap): Promise<(string | number)[][]> {
  const vm = await attachAfterDebugger(proxy);
  const rows: (string | number)[][] = [];
  try {
    const hit = nextEvent(vm, JDWP.EventKind.BREAKPOINT);
    const loc = await lineLocation(vm, 'dapfix.DapMain', lineOf('dapfix/DapMain.java', 'VARS_LINE'));
    await vm.EventRequest.Set(JDWP.EventKind.BREAKPOINT, JDWP.SuspendPolicy.EVENT_THREAD, [{ modKind: 7, loc }, { modKind: 1, count: 1 }]);
    const thread = (await hit).thread as ThreadID;
    for (const delay of [0, DELAY_MS]) {
      node.delayMs = delay;
      const ms: number[] = [];
      let commands = 0;
      for (let i = 0; i < STOPS; i++) {
        node.commands = 0;
        const t0 = performance.now();
        await vm.Fabric.StopSnapshot(thread, 50, 100);
        ms.push(performance.now() - t0);
        commands = node.commands;
      }
      const p50 = quantile(ms, 0.5);
      rows.push([`Fabric.StopSnapshot, node ${delay} ms away`, STOPS, fmt(p50, 1), delay ? fmt(p50 / delay, 1) : '', commands]);
    }
    node.delayMs = 0;
    await vm.ThreadReference.Resume(thread);
  } finally {
    await vm.dispose();
  }
  return rows;
}

/** Hits of the trace CLI through the proxy: how long each held its thread, with and without snapshots (their `take` made a no-op). */
async function cliRows(proxy: VirtualVm, node: LinkTap): Promise<(string | number)[][]> {
  const hits = STOPS * 3;
  const take = StopSnapshots.prototype.take;
  const rows: (string | number)[][] = [];
  for (const delay of [0, DELAY_MS]) {
    for (const snapshot of [false, true]) {
      node.delayMs = delay;
      if (!snapshot) StopSnapshots.prototype.take = () => undefined;
      const out: string[] = [];
      try {
        const args = ['--connect', `127.0.0.1:${proxy.address.port}`, '--at', `worker.OrderService:${workerTraceLine()}`, '--capture', 'order', '--stack', '5', '--max-pause', '100000', '--max-hits', String(hits + 3)];
        await runSession(parseTraceArgs(args)!, { io: { out: (l) => out.push(l), err: () => undefined } });
      } finally {
        StopSnapshots.prototype.take = take;
        node.delayMs = 0;
      }
      const pauses = out.map((l) => (JSON.parse(l) as { pauseMs: number }).pauseMs).slice(3);
      const p50 = quantile(pauses, 0.5);
      rows.push([`${snapshot ? 'with' : 'without'} snapshot${delay ? `, node ${delay} ms away` : ''}`, pauses.length, fmt(p50, 2), fmt(quantile(pauses, 0.9), 2), delay ? fmt(p50 / delay, 1) : '']);
    }
  }
  return rows;
}

async function main(): Promise<void> {
  console.log(`# stop snapshots: ${os.cpus().length} cpus, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const jvms: Jvm[] = [];
  try {
    await startFixture(jvms, 'dapfix.DapMain', { args: ['0', '1'] });
    const proxy = await startProxy(jvms);
    try {
      const node = new LinkTap(proxy.vm.cluster.live()[0].client.connection);
      for (const at of STOPS_AT) {
        console.log(`\nadapter: stopped -> stackTrace + scopes + variables of the top frame, ${at.what}`);
        console.log(table(['mode', 'stops', 'p50 ms', 'ratio', 'p50 / node RTT', 'debugger->proxy commands', 'proxy->node commands'], await adapterRows(proxy.vm, node, at)));
      }
      console.log('\nraw client at one stop: the command alone');
      console.log(table(['command', 'runs', 'p50 ms', 'p50 / node RTT', 'proxy->node commands'], await rawRows(proxy.vm, node)));
    } finally {
      await proxy.close();
    }
    const worker = await startWorker('worker', 20, { workers: 1 });
    jvms.push(worker);
    const workerProxy = await startProxy([worker]);
    try {
      const node = new LinkTap(workerProxy.vm.cluster.live()[0].client.connection);
      console.log('\ntrace CLI through the virtual VM: the time a hit holds its thread (--capture order --stack 5, locals)');
      console.log(table(['mode', 'hits', 'pause p50 ms', 'p90', 'p50 / node RTT'], await cliRows(workerProxy.vm, node)));
    } finally {
      await workerProxy.close();
    }
  } finally {
    await killAll(jvms);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
