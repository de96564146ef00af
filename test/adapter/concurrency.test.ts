import * as assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Jvm } from '../../jdwp/launch/java';
import { killAll } from '../support/fixtures';
import { readStopped, requestId, serviceLine, SERVICE, startBusyNode, within } from './busy';
import { attachAndConfigure, errorNumber, nextStop, startAdapter, type AdapterUnderTest } from './harness';
import { agentPort, suspendedThreads } from './suspension';

// Busy nodes: 3 workers each, handling a request every 20 ms through Service.handle, where the breakpoints go.
describe('debug adapter on busy nodes (concurrent stops and evaluation)', function () {
  const jvms: Jvm[] = [];
  let a: AdapterUnderTest | undefined;
  /** Debugger sessions so far per node; an agent listens on a new port after each. */
  const sessions: number[] = [];

  before(async () => {
    await Promise.all([0, 1, 2].map(() => startBusyNode(jvms)));
    sessions.push(0, 0, 0);
  });
  afterEach(async function () {
    if (a && this.currentTest?.state === 'failed') console.log(JSON.stringify(a.dc.transcript.slice(-16)).slice(0, 6000));
    if (a) {
      await a.dc.disconnectRequest({}).catch(() => undefined);
      await a.close();
      a = undefined;
    }
    // Every node runs freely after each test, whatever it did.
    const ports = await Promise.all(jvms.map((j, i) => agentPort(j, sessions[i]++)));
    for (const port of ports) assert.deepEqual(await suspendedThreads(port), []);
  });
  after(async () => {
    await killAll(jvms);
  });

  async function attach(target: 'direct' | 'nodes', configure: (a: AdapterUnderTest) => Promise<unknown>, extra: Record<string, unknown> = {}): Promise<AdapterUnderTest> {
    const used = target === 'direct' ? jvms.slice(0, 1) : jvms;
    const ports = await Promise.all(used.map((j, i) => agentPort(j, sessions[i]++)));
    a = await startAdapter();
    const session = a;
    const where = target === 'direct' ? { hostName: '127.0.0.1', port: ports[0] } : { nodes: ports.map((p) => `127.0.0.1:${p}`) };
    await attachAndConfigure(a.dc, { ...where, ...extra }, () => configure(session));
    return a;
  }

  /** Stops, evaluates a method call in the watch context at once, continues; `rounds` times. Each evaluation answers within 5 s. */
  async function evaluateWhileOthersHit(target: 'direct' | 'nodes'): Promise<void> {
    const s = await attach(target, (x) => x.dc.setBreakpointsRequest({ source: { path: SERVICE }, breakpoints: [{ line: serviceLine('HANDLE_LINE') }] }));
    for (let round = 0; round < 40; round++) {
      const stop = await nextStop(s.dc);
      const threadId = stop.body.threadId!;
      const st = await within(5_000, 'stackTrace', s.dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 }));
      const ev = await within(5_000, `evaluate in round ${round}`, s.dc.evaluateRequest({ expression: 'label.length()', frameId: st.body.stackFrames[0].id, context: 'watch' }));
      assert.ok(Number(ev.body.result) >= 'req-1000000'.length, ev.body.result);
      await within(5_000, 'continue', s.dc.continueRequest({ threadId }));
    }
  }

  it('evaluates a method call at a stop while other workers hit the breakpoint (one JVM, direct)', async () => {
    await evaluateWhileOthersHit('direct');
  });

  it('evaluates a method call at a stop while other workers hit the breakpoint (virtual VM over 3 nodes)', async () => {
    await evaluateWhileOthersHit('nodes');
  });

  it('keeps every stopped thread stopped, with its frames and variables, when a conditional breakpoint replaces a plain one (3 nodes)', async () => {
    const line = serviceLine('HANDLE_LINE');
    const s = await attach('nodes', (x) => x.dc.setBreakpointsRequest({ source: { path: SERVICE }, breakpoints: [{ line }] }));
    const outputs: string[] = [];
    s.dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e.body.output));
    const first = await nextStop(s.dc);
    const replaced = await s.dc.setBreakpointsRequest({ source: { path: SERVICE }, breakpoints: [{ line, condition: 'r.id % 2 == 0' }] });
    const conditional = replaced.body.breakpoints[0].id!;
    await within(5_000, 'continue', s.dc.continueRequest({ threadId: first.body.threadId! }));
    // Every stop, of the plain breakpoint still coming in or of the conditional one, is looked at as a client
    // does and continued: its thread answers stackTrace and variables, and a conditional stop holds its condition.
    for (let i = 0; i < 50; i++) {
      const stop = await nextStop(s.dc);
      const view = await readStopped(s.dc, stop.body.threadId!);
      assert.equal(view.frames[0].line, line);
      if (stop.body.hitBreakpointIds?.includes(conditional)) {
        const id = await requestId(s.dc, view);
        assert.equal(id % 2, 0, `stop ${i} at a request whose id ${id} fails the condition`);
      }
      await within(5_000, 'continue', s.dc.continueRequest({ threadId: stop.body.threadId! }));
    }
    assert.deepEqual(outputs.filter((o) => /condition .* failed/.test(o)), []);
  });

  it('holds exactly what it says: a stop suspends its whole node once, nodes without a stop run, and continues release them (3 nodes)', async () => {
    const line = serviceLine('HANDLE_LINE');
    const s = await attach('nodes', (x) => x.dc.setBreakpointsRequest({ source: { path: SERVICE }, breakpoints: [{ line }] }));
    const stop = await nextStop(s.dc);
    await s.dc.setBreakpointsRequest({ source: { path: SERVICE }, breakpoints: [] });
    await s.session().ctx.events.idle();
    const ctx = s.session().ctx;
    const vm = ctx.requireVm();
    const { threads } = await vm.VirtualMachine.AllThreads();
    const counts = new Map(await Promise.all(threads.map(async (t) => [t, (await vm.ThreadReference.SuspendCount(t)).suspendCount] as const)));
    const stoppedNodes = new Set(threads.filter((t) => ctx.model.isStopped(t)).map((t) => ctx.model.nodeOf(t)));
    assert.ok(stoppedNodes.has(ctx.model.nodeOf(ctx.thread(stop.body.threadId))));
    for (const t of threads) {
      const held = stoppedNodes.has(ctx.model.nodeOf(t));
      assert.equal(ctx.model.isSuspended(t), held, `thread ${t}: the model says ${ctx.model.get(t)?.state}`);
      assert.equal(counts.get(t), held ? 1 : 0, `thread ${t} (${ctx.model.get(t)?.state}) is suspended ${counts.get(t)} times`);
    }
    // Continuing each stopped thread releases its node: then nothing is suspended anywhere.
    for (const t of ctx.model.stoppedThreads()) if (ctx.model.isStopped(t)) await s.dc.continueRequest({ threadId: ctx.threadIds.number(t) });
    const after = await Promise.all(threads.map(async (t) => (await vm.ThreadReference.SuspendCount(t)).suspendCount));
    assert.deepEqual(after.filter((c) => c !== 0), []);
  });

  for (const scope of ['thread', 'cluster'] as const) {
    it(`under suspendScope "${scope}" suspends exactly ${scope === 'thread' ? 'the stopped threads' : 'every thread of every node'}, once, and says so (3 nodes)`, async () => {
      const s = await attach('nodes', (x) => x.dc.setBreakpointsRequest({ source: { path: SERVICE }, breakpoints: [{ line: serviceLine('HANDLE_LINE') }] }), { suspendScope: scope });
      const stop = await nextStop(s.dc);
      assert.equal(stop.body.allThreadsStopped, scope === 'cluster');
      await s.dc.setBreakpointsRequest({ source: { path: SERVICE }, breakpoints: [] });
      const ctx = s.session().ctx;
      await ctx.events.idle();
      const vm = ctx.requireVm();
      const { threads } = await vm.VirtualMachine.AllThreads();
      for (const t of threads) {
        const count = (await vm.ThreadReference.SuspendCount(t)).suspendCount;
        assert.equal(count, scope === 'cluster' || ctx.model.isStopped(t) ? 1 : 0, `thread ${t} (${ctx.model.get(t)?.state})`);
      }
      let all = false;
      for (const t of ctx.model.stoppedThreads()) if (ctx.model.isStopped(t)) all = (await s.dc.continueRequest({ threadId: ctx.threadIds.number(t) })).body.allThreadsContinued ?? true;
      assert.equal(all, true);
      const after = await Promise.all(threads.map(async (t) => (await vm.ThreadReference.SuspendCount(t)).suspendCount));
      assert.deepEqual(after.filter((c) => c !== 0), []);
    });
  }

  it('pauses one node under suspendScope "node": only its threads are suspended, once, and allThreadsStopped is false', async () => {
    const s = await attach('nodes', async () => undefined);
    const threads = (await s.dc.threadsRequest()).body.threads;
    const worker = threads.find((t) => /worker-1$/.test(t.name))!;
    const paused = s.dc.waitForEvent('stopped');
    await s.dc.pauseRequest({ threadId: worker.id });
    const e = (await paused) as DebugProtocol.StoppedEvent;
    assert.deepEqual([e.body.reason, e.body.threadId, e.body.allThreadsStopped], ['pause', worker.id, false]);
    const node = /^\[([^\]]+)\]/.exec(worker.name)![1];
    const ctx = s.session().ctx;
    const vm = ctx.requireVm();
    for (const t of threads) {
      const count = (await vm.ThreadReference.SuspendCount(ctx.thread(t.id))).suspendCount;
      assert.equal(count, t.name.startsWith(`[${node}]`) ? 1 : 0, t.name);
    }
    const view = await readStopped(s.dc, worker.id);
    // Paused, not stopped by an event: JDWP would refuse the call (INVALID_THREAD); the adapter says why.
    const call = s.dc.evaluateRequest({ expression: 'Thread.currentThread().getName()', frameId: view.frames[0].id, context: 'repl' });
    await assert.rejects(call, /not on a paused one \(jdwp-fabric error 2008\)/);
    const cont = await s.dc.continueRequest({ threadId: worker.id });
    assert.equal(cont.body.allThreadsContinued, true);
  });

  // Run last: the thread of the evaluation stays inside Service.forever() for the rest of the JVM's life.
  it('fails an evaluation whose method does not return within the timeout with 2013, and keeps the thread and its node usable', async () => {
    const s = await attach('direct', (x) => x.dc.setBreakpointsRequest({ source: { path: SERVICE }, breakpoints: [{ line: serviceLine('HANDLE_LINE') }] }), { timeout: 2_000 });
    const stop = await nextStop(s.dc);
    const threadId = stop.body.threadId!;
    const st = await s.dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 });
    const frameId = st.body.stackFrames[0].id;
    const started = Date.now();
    assert.equal(await errorNumber(within(5_000, 'evaluate Service.forever()', s.dc.evaluateRequest({ expression: 'Service.forever()', frameId, context: 'repl' }))), 2013);
    assert.ok(Date.now() - started < 4_000, `the evaluation failed only after ${Date.now() - started} ms`);
    // The thread is still inside the method: another call on it is refused at once, and its stack says why.
    assert.equal(await errorNumber(within(1_000, 'a second evaluate', s.dc.evaluateRequest({ expression: 'label.length()', frameId, context: 'watch' }))), 2014);
    assert.equal(await errorNumber(within(1_000, 'stackTrace', s.dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 }))), 2014);
    // Continuing it answers at once; the node runs on, and the other workers stop and evaluate as before.
    await within(1_000, 'continue', s.dc.continueRequest({ threadId }));
    for (let round = 0; round < 3; round++) {
      const next = await nextStop(s.dc);
      assert.notEqual(next.body.threadId, threadId);
      const frames = await within(5_000, 'stackTrace', s.dc.stackTraceRequest({ threadId: next.body.threadId!, startFrame: 0, levels: 1 }));
      const ev = await within(5_000, 'evaluate', s.dc.evaluateRequest({ expression: 'label.length()', frameId: frames.body.stackFrames[0].id, context: 'watch' }));
      assert.ok(Number(ev.body.result) > 4);
      await within(5_000, 'continue', s.dc.continueRequest({ threadId: next.body.threadId! }));
    }
  });
});
