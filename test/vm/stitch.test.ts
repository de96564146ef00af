import * as assert from 'node:assert/strict';
import { lineLocation } from '../support/locations';
import type { JdwpClient } from '../../jdwp/client/client';
import type { Location, ThreadID } from '../../jdwp/protocol/wire-types';
import type { Jvm } from '../../jdwp/launch/java';
import { JDWP } from '../../jdwp/registry';
import { killAll } from '../support/fixtures';
import { callWork, hopLine, nextEvent, startChain, stepRequest, type Chain } from './chain-support';
import { assertNothingSuspended, attachAfterDebugger, startProxy, type ProxyUnderTest } from './support';

const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;

async function methodNames(vm: JdwpClient, frames: Array<{ location: Location }>): Promise<string[]> {
  return Promise.all(
    frames.map(async (f) => {
      const [{ signature }, { declared }] = await Promise.all([vm.ReferenceType.Signature(f.location.classID), vm.ReferenceType.Methods(f.location.classID)]);
      return `${signature.slice(1, -1).split('/').pop()}.${declared.find((m) => m.methodID === f.location.methodID)?.name}`;
    }),
  );
}


async function threadName(vm: JdwpClient, thread: ThreadID): Promise<string> {
  return (await vm.ThreadReference.Name(thread)).threadName;
}

async function lineOfLocation(vm: JdwpClient, loc: Location): Promise<number | undefined> {
  const { lines } = await vm.Method.LineTable(loc.classID, loc.methodID);
  let best: number | undefined;
  for (const l of lines) if (l.lineCodeIndex <= loc.index) best = l.lineNumber;
  return best;
}

describe('stitched stacks across RPC edges (virtual VM)', function () {
  this.timeout(120_000);
  const jvms: Jvm[] = [];
  let chain: Chain;
  let proxy: ProxyUnderTest | undefined;

  before(async () => {
    chain = await startChain(jvms, ['front', 'mid', 'leaf']);
    // Warm the chain so every node has loaded the HTTP classes the edges bind to.
    assert.match((await callWork(chain.urls[0])).body, /front@0 <- mid@1 <- leaf@2/);
  });

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  after(() => killAll(jvms));

  it('a stop in the leaf shows the frames of mid and front after its own, with their values, two hops deep', async () => {
    proxy = await startProxy(chain.jvms, { nodes: chain.jvms.map((j, i) => `${['front', 'mid', 'leaf'][i]}=127.0.0.1:${j.port}`) });
    const vm = await attachAfterDebugger(proxy.vm);
    let pending: Promise<{ status: number; body: string }> | undefined;
    try {
      const hit = nextEvent(vm, K.BREAKPOINT).then((e) => e.thread);
      const { requestID } = await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: await lineLocation(vm, 'hopfix.Hop', hopLine('LEAF_LINE')) }]);
      pending = callWork(chain.urls[0]);
      const thread = await hit;
      const { frames } = await vm.ThreadReference.Frames(thread, 0, -1);
      const { frameCount } = await vm.ThreadReference.FrameCount(thread);
      assert.equal(frameCount, frames.length);
      const names = await methodNames(vm, frames);
      const works = names.map((n, i) => [n, i] as const).filter(([n]) => n === 'Hop.work');
      assert.equal(works.length, 3, names.join('\n'));
      assert.ok(names.includes('HttpClientImpl.send'), names.join('\n'));
      // Each Hop.work frame answers with its own node's depth local.
      const depths = [];
      for (const [, i] of works) {
        const { classes } = await vm.VirtualMachine.ClassesBySignature('Lhopfix/Hop;');
        const { slots } = await vm.Method.VariableTable(classes[0].typeID, frames[i].location.methodID);
        const depthSlot = slots.find((s) => s.name === 'depth')!;
        const { values } = await vm.StackFrame.GetValues(thread, frames[i].frameID, [{ slot: depthSlot.slot, sigbyte: 'I'.charCodeAt(0) }]);
        depths.push(values[0].value);
      }
      assert.deepEqual(depths, [2, 1, 0]);
      // A slice of the stitched stack agrees with the whole.
      const tail = await vm.ThreadReference.Frames(thread, works[1][1], frames.length - works[1][1]);
      assert.deepEqual(tail.frames.map((f) => f.frameID), frames.slice(works[1][1]).map((f) => f.frameID));
      await vm.EventRequest.Clear(K.BREAKPOINT, requestID);
      await vm.ThreadReference.Resume(thread);
      const answer = await pending;
      assert.equal(answer.status, 200);
      assert.match(answer.body, /front@0 <- mid@1 <- leaf@2/);
    } finally {
      await vm.dispose();
      await pending?.catch(() => undefined);
    }
    await assertNothingSuspended(proxy.vm, 3);
  });
  it('Step Into on a line that calls another node lands in the handler there, and Step Out returns to the caller', async () => {
    proxy = await startProxy(chain.jvms, { nodes: chain.jvms.map((j, i) => `${['front', 'mid', 'leaf'][i]}=127.0.0.1:${j.port}`) });
    const vm = await attachAfterDebugger(proxy.vm);
    let pending: Promise<{ status: number; body: string }> | undefined;
    try {
      const hit = nextEvent(vm, K.BREAKPOINT).then((e) => e.thread);
      const { requestID: bp } = await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: await lineLocation(vm, 'hopfix.Hop', hopLine('CALL_LINE')) }]);
      pending = callWork(chain.urls[0]);
      const caller = await hit;
      await vm.EventRequest.Clear(K.BREAKPOINT, bp);
      assert.match(await threadName(vm, caller), /^\[front\] /);
      const into = await stepRequest(vm, caller, JDWP.StepDepth.INTO);
      const landed = nextEvent(vm, K.SINGLE_STEP, into);
      await vm.ThreadReference.Resume(caller);
      const stop = await landed;
      await vm.EventRequest.Clear(K.SINGLE_STEP, into);
      assert.match(await threadName(vm, stop.thread), /^\[mid\] /);
      const { frames } = await vm.ThreadReference.Frames(stop.thread, 0, -1);
      const names = await methodNames(vm, frames);
      assert.equal(names[0], 'Hop.handle', names.join('\n'));
      assert.ok(names.lastIndexOf('Hop.work') > 0, `the caller's frames follow the handler's:\n${names.join('\n')}`);
      // Out of the handler: the step ends in the caller on front, back on its call line, once the answer is back.
      const out = await stepRequest(vm, stop.thread, JDWP.StepDepth.OUT);
      const back = nextEvent(vm, K.SINGLE_STEP, out);
      await vm.ThreadReference.Resume(stop.thread);
      const returned = await back;
      await vm.EventRequest.Clear(K.SINGLE_STEP, out);
      assert.match(await threadName(vm, returned.thread), /^\[front\] /);
      assert.equal(await lineOfLocation(vm, returned.location), hopLine('CALL_LINE'));
      await vm.ThreadReference.Resume(returned.thread);
      const answer = await pending;
      assert.match(answer.body, /front@0 <- mid@1 <- leaf@2/);
    } finally {
      await vm.dispose();
      await pending?.catch(() => undefined);
    }
    await assertNothingSuspended(proxy.vm, 3);
  });

  it('Step Over a line that calls another node stays on the caller', async () => {
    proxy = await startProxy(chain.jvms, { nodes: chain.jvms.map((j, i) => `${['front', 'mid', 'leaf'][i]}=127.0.0.1:${j.port}`) });
    const vm = await attachAfterDebugger(proxy.vm);
    let pending: Promise<{ status: number; body: string }> | undefined;
    try {
      const hit = nextEvent(vm, K.BREAKPOINT).then((e) => e.thread);
      const { requestID: bp } = await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: await lineLocation(vm, 'hopfix.Hop', hopLine('CALL_LINE')) }]);
      pending = callWork(chain.urls[0]);
      const caller = await hit;
      await vm.EventRequest.Clear(K.BREAKPOINT, bp);
      const over = await stepRequest(vm, caller, JDWP.StepDepth.OVER);
      const done = nextEvent(vm, K.SINGLE_STEP, over);
      await vm.ThreadReference.Resume(caller);
      const stop = await done;
      await vm.EventRequest.Clear(K.SINGLE_STEP, over);
      assert.equal(stop.thread, caller, 'the same thread');
      assert.equal(await lineOfLocation(vm, stop.location), hopLine('CALL_LINE') + 1);
      assert.equal(proxy.vm.cluster.own.count(), 0, 'nothing of the proxy\'s own is left on the nodes');
      await vm.ThreadReference.Resume(caller);
      assert.match((await pending).body, /front@0 <- mid@1 <- leaf@2/);
    } finally {
      await vm.dispose();
      await pending?.catch(() => undefined);
    }
    await assertNothingSuspended(proxy.vm, 3);
  });

  it('50 concurrent requests run on while one is followed into the next node; only the followed one stops', async () => {
    proxy = await startProxy(chain.jvms, { nodes: chain.jvms.map((j, i) => `${['front', 'mid', 'leaf'][i]}=127.0.0.1:${j.port}`) });
    const vm = await attachAfterDebugger(proxy.vm);
    let followed: Promise<{ status: number; body: string }> | undefined;
    const timed = async () => {
      const started = Date.now();
      const r = await callWork(chain.urls[0], 20_000);
      return { ...r, ms: Date.now() - started };
    };
    try {
      const baseline = await Promise.all(Array.from({ length: 50 }, timed));
      const hit = nextEvent(vm, K.BREAKPOINT).then((e) => e.thread);
      const { requestID: bp } = await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: await lineLocation(vm, 'hopfix.Hop', hopLine('CALL_LINE')) }, { modKind: 1, count: 1 }]);
      followed = callWork(chain.urls[0]);
      const caller = await hit;
      await vm.EventRequest.Clear(K.BREAKPOINT, bp);
      const into = await stepRequest(vm, caller, JDWP.StepDepth.INTO);
      const landed = nextEvent(vm, K.SINGLE_STEP, into);
      const others = Promise.all(Array.from({ length: 50 }, timed));
      await vm.ThreadReference.Resume(caller);
      const stop = await landed;
      assert.match(await threadName(vm, stop.thread), /^\[mid\] /);
      const during = await others;
      for (const r of during) assert.match(r.body, /front@0 <- mid@1 <- leaf@2/);
      const { threads } = await vm.VirtualMachine.AllThreads();
      const counts = await Promise.all(threads.map((t) => vm.ThreadReference.SuspendCount(t).then((c) => c.suspendCount)));
      const suspended = threads.filter((_, i) => counts[i] > 0);
      assert.deepEqual(suspended, [stop.thread], 'only the followed request\'s thread is stopped');
      const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
      console.log(`      50 concurrent requests: p50 ${pct(baseline.map((r) => r.ms), 50)} ms / p99 ${pct(baseline.map((r) => r.ms), 99)} ms alone; p50 ${pct(during.map((r) => r.ms), 50)} ms / p99 ${pct(during.map((r) => r.ms), 99)} ms while one is followed (key reads ${proxy.vm.cluster.remoteSteps.stats.keyReads})`);
      await vm.EventRequest.Clear(K.SINGLE_STEP, into);
      assert.equal(proxy.vm.cluster.own.count(), 0);
      await vm.ThreadReference.Resume(stop.thread);
      assert.match((await followed).body, /front@0 <- mid@1 <- leaf@2/);
    } finally {
      await vm.dispose();
      await followed?.catch(() => undefined);
    }
    await assertNothingSuspended(proxy.vm, 3);
  });
});
