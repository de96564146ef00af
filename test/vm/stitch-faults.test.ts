// Faults around stitched stacks and steps followed across nodes: a caller's node that dies while its frames are
// shown, a serving node that dies mid-step, and a call that no node serves.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ThreadID } from '../../jdwp/protocol/wire-types';
import { JdwpReplyError } from '../../jdwp/errors';
import type { Jvm } from '../../jdwp/launch/java';
import { JDWP } from '../../jdwp/registry';
import { killAll } from '../support/fixtures';
import { callWork, nextEvent, startChain, startHop, stepRequest, stopAt } from './chain-support';
import { assertNothingSuspended, attachAfterDebugger, sleep, startProxy, type ProxyUnderTest } from './support';

const K = JDWP.EventKind;

describe('stitching and remote steps under faults', function () {
  this.timeout(120_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest | undefined;

  afterEach(async () => {
    await proxy?.close().catch(() => undefined);
    proxy = undefined;
    await killAll(jvms);
  });

  it('the caller\'s node dies while its frames are shown: its frames answer INVALID_FRAMEID, the stack shrinks back, nothing stays suspended', async () => {
    const chain = await startChain(jvms, ['front', 'leaf']);
    await callWork(chain.urls[0]);
    proxy = await startProxy(chain.jvms, { nodes: [`front=127.0.0.1:${chain.jvms[0].port}`, `leaf=127.0.0.1:${chain.jvms[1].port}`] });
    const vm = await attachAfterDebugger(proxy.vm);
    try {
      const { thread } = await stopAt(vm, 'LEAF_LINE', chain.urls[0]);
      const { frames } = await vm.ThreadReference.Frames(thread, 0, -1);
      const { frameCount: own } = await proxy.vm.cluster.link(2)!.client.ThreadReference.FrameCount(proxy.vm.cluster.link(2)!.ids.toRaw(thread) as ThreadID);
      assert.equal((await vm.Fabric.CallerChain(thread)).hops.length, 1, 'stitched');
      const callerFrame = frames[frames.length - 1];
      await chain.jvms[0].kill();
      for (let i = 0; i < 100 && proxy.vm.cluster.live().length > 1; i++) await sleep(50);
      await assert.rejects(vm.StackFrame.ThisObject(thread, callerFrame.frameID), (e: unknown) => e instanceof JdwpReplyError && e.errorName === 'INVALID_FRAMEID');
      const after = await vm.ThreadReference.Frames(thread, 0, -1);
      assert.equal(after.frames.length, own, 'the stack ends where the thread\'s own does');
      assert.ok(proxy.log.some((l) => /node front left/.test(l)), proxy.log.join('\n'));
      await vm.ThreadReference.Resume(thread);
    } finally {
      await vm.dispose();
    }
    await assertNothingSuspended(proxy.vm, 1);
  });

  it('the serving node dies mid-step: the caller runs on, the session goes on, nothing stays suspended', async () => {
    const chain = await startChain(jvms, ['front', 'leaf']);
    await callWork(chain.urls[0]);
    proxy = await startProxy(chain.jvms, { nodes: [`front=127.0.0.1:${chain.jvms[0].port}`, `leaf=127.0.0.1:${chain.jvms[1].port}`] });
    const vm = await attachAfterDebugger(proxy.vm);
    try {
      const { thread, pending } = await stopAt(vm, 'CALL_LINE', chain.urls[0]);
      const into = await stepRequest(vm, thread, JDWP.StepDepth.INTO);
      const landed = nextEvent(vm, K.SINGLE_STEP, into);
      await vm.ThreadReference.Resume(thread);
      const stop = await landed;
      await vm.EventRequest.Clear(K.SINGLE_STEP, into);
      await vm.ThreadReference.Frames(stop.thread, 0, -1);
      const over = await stepRequest(vm, stop.thread, JDWP.StepDepth.OVER);
      await chain.jvms[1].kill();
      await vm.ThreadReference.Resume(stop.thread).catch(() => undefined);
      const answer = await pending;
      assert.notEqual(answer.status, 200, 'the call failed with its server');
      await vm.EventRequest.Clear(K.SINGLE_STEP, over);
      assert.ok((await vm.VirtualMachine.AllThreads()).threads.length > 0, 'the session goes on');
      assert.equal(proxy.vm.cluster.own.count(), 0);
    } finally {
      await vm.dispose();
    }
    await assertNothingSuspended(proxy.vm, 1);
  });

  it('a call no node serves: Step Into completes as a plain step on the caller, and the proxy\'s requests are gone', async () => {
    const outside = http.createServer((_req, res) => setTimeout(() => res.end('outside'), 200));
    await new Promise<void>((resolve) => outside.listen(0, '127.0.0.1', resolve));
    try {
      const { jvm: front, url } = await startHop(jvms, 'front', `http://127.0.0.1:${(outside.address() as AddressInfo).port}`);
      await callWork(url);
      proxy = await startProxy([front], { nodes: [`front=127.0.0.1:${front.port}`], followTimeoutMs: 2_000 });
      const vm = await attachAfterDebugger(proxy.vm);
      try {
        const { thread, pending } = await stopAt(vm, 'CALL_LINE', url);
        const into = await stepRequest(vm, thread, JDWP.StepDepth.INTO);
        const done = nextEvent(vm, K.SINGLE_STEP, into);
        await vm.ThreadReference.Resume(thread);
        const stop = await done;
        assert.equal(stop.thread, thread, 'the step ends on the caller');
        await vm.EventRequest.Clear(K.SINGLE_STEP, into);
        assert.equal(proxy.vm.cluster.own.count(), 0);
        await vm.ThreadReference.Resume(thread);
        assert.match((await pending).body, /front@0 <- outside/);
      } finally {
        await vm.dispose();
      }
      await assertNothingSuspended(proxy.vm, 1);
    } finally {
      outside.close();
    }
  });
});
