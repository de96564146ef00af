import * as assert from 'node:assert/strict';
import type { JdwpClient } from '../../jdwp/client/client';
import type { Location, ThreadID } from '../../jdwp/codec/types';
import type { Jvm } from '../../jdwp/launch/java';
import { JDWP } from '../../jdwp/protocol/registry';
import type { Event_Composite_Event } from '../../jdwp/protocol/spec-types';
import { killAll } from '../support/fixtures';
import { callWork, hopLine, startChain, type Chain } from './chain-support';
import { assertNothingSuspended, attachAfterDebugger, startProxy, type ProxyUnderTest } from './support';

const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;

async function hopLocation(vm: JdwpClient, marker: 'LEAF_LINE' | 'CALL_LINE'): Promise<Location> {
  const { classes } = await vm.VirtualMachine.ClassesBySignature('Lhopfix/Hop;');
  const type = classes[0].typeID;
  const work = (await vm.ReferenceType.Methods(type)).declared.find((m) => m.name === 'work')!;
  const { lines } = await vm.Method.LineTable(type, work.methodID);
  const index = lines.find((l) => l.lineNumber === hopLine(marker))!.lineCodeIndex;
  return { typeTag: JDWP.TypeTag.CLASS, classID: type as never, methodID: work.methodID, index };
}

function nextBreakpoint(vm: JdwpClient): Promise<ThreadID> {
  return new Promise((resolve) => {
    const on = (e: Event_Composite_Event) => {
      const bp = e.events.find((x) => x.eventKind === K.BREAKPOINT) as { thread: ThreadID } | undefined;
      if (bp) {
        vm.off('event', on);
        resolve(bp.thread);
      }
    };
    vm.on('event', on);
  });
}

async function methodNames(vm: JdwpClient, frames: Array<{ location: Location }>): Promise<string[]> {
  return Promise.all(
    frames.map(async (f) => {
      const [{ signature }, { declared }] = await Promise.all([vm.ReferenceType.Signature(f.location.classID), vm.ReferenceType.Methods(f.location.classID)]);
      return `${signature.slice(1, -1).split('/').pop()}.${declared.find((m) => m.methodID === f.location.methodID)?.name}`;
    }),
  );
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
      const hit = nextBreakpoint(vm);
      const { requestID } = await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: await hopLocation(vm, 'LEAF_LINE') }]);
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
});
