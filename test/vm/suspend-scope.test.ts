import * as assert from 'node:assert/strict';
import type { JdwpClient } from '../../jdwp/client/client';
import type { Location, ThreadID } from '../../jdwp/protocol/wire-types';
import type { Jvm } from '../../jdwp/launch/java';
import { JDWP } from '../../jdwp/registry';
import type { Event_Composite_Event } from '../../jdwp/protocol/spec-types';
import { slotOf } from '../../jdwp/vm/ids';
import { killAll, lineOf } from '../support/fixtures';
import { assertNothingSuspended, attachAfterDebugger, nodeOfThread, startNodes, startProxy, suspendedThreads, type ProxyUnderTest } from './support';

const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;

/** The location of the fixture's BREAK_LINE. */
async function breakLocation(vm: JdwpClient): Promise<Location> {
  const { classes } = await vm.VirtualMachine.ClassesBySignature('Lfixture/Fixture;');
  const type = classes[0].typeID;
  const work = (await vm.ReferenceType.Methods(type)).declared.find((m) => m.name === 'work')!;
  const { lines } = await vm.Method.LineTable(type, work.methodID);
  const index = lines.find((l) => l.lineNumber === lineOf('fixture/Fixture.java', 'BREAK_LINE'))!.lineCodeIndex;
  return { typeTag: JDWP.TypeTag.CLASS, classID: type as never, methodID: work.methodID, index };
}

/** Sets a SUSPEND_ALL breakpoint at the fixture's BREAK_LINE that only node-1's main thread can hit, and waits for the hit. */
async function stopNode1(vm: JdwpClient): Promise<{ thread: ThreadID; requestID: number }> {
  const { threads } = await vm.VirtualMachine.AllThreads();
  const names = await Promise.all(threads.map((t) => vm.ThreadReference.Name(t)));
  const main1 = threads[names.findIndex((n) => n.threadName === '[node-1] main')];
  const loc = await breakLocation(vm);
  const hit = new Promise<Event_Composite_Event>((resolve) => vm.on('event', (e: Event_Composite_Event) => e.events.some((x) => x.eventKind === K.BREAKPOINT) && resolve(e)));
  const { requestID } = await vm.EventRequest.Set(K.BREAKPOINT, P.ALL, [
    { modKind: 3, thread: main1 },
    { modKind: 7, loc },
  ]);
  const e = await hit;
  assert.equal(e.suspendPolicy, P.ALL);
  return { thread: main1, requestID };
}

describe('suspend scope of the virtual VM', function () {
  this.timeout(60_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest | undefined;

  before(async () => {
    await startNodes(jvms, 2);
  });

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  after(() => killAll(jvms));

  it('node: a SUSPEND_ALL event suspends only its own node', async () => {
    proxy = await startProxy(jvms, { suspendScope: 'node' });
    const vm = await attachAfterDebugger(proxy.vm);
    try {
      const { requestID } = await stopNode1(vm);
      const suspended = await suspendedThreads(vm);
      assert.ok(suspended.length > 0);
      assert.deepEqual([...new Set(suspended.map((s) => nodeOfThread(s)))], ['node-1'], suspended.join(', '));
      await vm.EventRequest.Clear(K.BREAKPOINT, requestID);
      await vm.VirtualMachine.Resume();
      assert.deepEqual(await suspendedThreads(vm), []);
    } finally {
      await vm.dispose();
    }
    await assertNothingSuspended(proxy.vm, 2);
  });

  it('node: event sets of policy ALL reach the debugger one at a time, each with its node suspended until it is resumed', async () => {
    proxy = await startProxy(jvms, { suspendScope: 'node' });
    const vm = await attachAfterDebugger(proxy.vm);
    try {
      const sets: Event_Composite_Event[] = [];
      vm.on('event', (e: Event_Composite_Event) => e.events.some((x) => x.eventKind === K.BREAKPOINT) && sets.push(e));
      const loc = await breakLocation(vm);
      const { requestID } = await vm.EventRequest.Set(K.BREAKPOINT, P.ALL, [{ modKind: 7, loc }]);
      const seen = new Set<number>();
      for (let n = 0; n < 6 && seen.size < 2; n++) {
        for (let i = 0; i < 200 && sets.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
        assert.equal(sets.length, 1, `set ${n + 1}: exactly one event set is held`);
        const thread = (sets[0].events[0] as { thread: ThreadID }).thread;
        seen.add(slotOf(thread));
        // Both nodes run into the breakpoint within this wait; only the held set's node may have been delivered.
        await new Promise((r) => setTimeout(r, 400));
        assert.equal(sets.length, 1, `set ${n + 1}: no other set arrives while one is held`);
        assert.ok((await vm.ThreadReference.SuspendCount(thread)).suspendCount >= 1, `set ${n + 1}: its thread is suspended`);
        assert.equal((await vm.ThreadReference.Frames(thread, 0, 1)).frames.length, 1);
        sets.shift();
        await vm.VirtualMachine.Resume();
      }
      assert.equal(seen.size, 2, 'both nodes stopped, one after the other');
      await vm.EventRequest.Clear(K.BREAKPOINT, requestID);
      for (let i = 0; i < 20 && sets.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      for (const _ of sets.splice(0)) await vm.VirtualMachine.Resume();
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await suspendedThreads(vm), []);
    } finally {
      await vm.dispose();
    }
    await assertNothingSuspended(proxy.vm, 2);
  });

  it('cluster: a SUSPEND_ALL event suspends every node, and one resume resumes them all', async () => {
    proxy = await startProxy(jvms, { suspendScope: 'cluster' });
    const vm = await attachAfterDebugger(proxy.vm);
    try {
      const { requestID } = await stopNode1(vm);
      let nodes = new Set<string | undefined>();
      for (let i = 0; i < 50 && nodes.size < 2; i++) {
        nodes = new Set((await suspendedThreads(vm)).map((s) => nodeOfThread(s)));
        if (nodes.size < 2) await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual([...nodes].sort(), ['node-1', 'node-2']);
      await vm.EventRequest.Clear(K.BREAKPOINT, requestID);
      await vm.VirtualMachine.Resume();
      assert.deepEqual(await suspendedThreads(vm), []);
    } finally {
      await vm.dispose();
    }
    await assertNothingSuspended(proxy.vm, 2);
  });
});
