// Scenarios that change the nodes for good, run last and in this order: ThreadReference.Stop and Interrupt end
// threads started for them, PopFrames and ForceEarlyReturn move the main threads off BREAK_LINE, Event.Composite
// is refused, and Dispose ends the session.
import * as assert from 'node:assert/strict';
import type { ThreadID } from '../../../jdwp/protocol/wire-types';
import { COMPOSITE, JDWP } from '../../../jdwp/registry';
import type { Event_Composite_Event } from '../../../jdwp/protocol/spec-types';
import { assertNothingSuspended, sleep } from '../support';
import {
  BREAK_LINE,
  eventsOf,
  eventually,
  expectError,
  K,
  MADE_UP_ID,
  methodOf,
  MOD,
  node,
  objectOf,
  P,
  rawOf,
  staticOn,
  T,
  threadsByName,
  topFrame,
  type Scenario,
  type World,
} from './world';

const TS = JDWP.ThreadStatus;

/** Waits until a node's thread has ended (gone from AllThreads, or a zombie). */
async function ended(w: World, thread: ThreadID, what: string): Promise<void> {
  await eventually(`${what} ending`, async () => {
    const { threads } = await w.vm.VirtualMachine.AllThreads();
    if (!threads.includes(thread)) return true;
    return (await w.vm.ThreadReference.Status(thread).then((s) => s.threadStatus, () => TS.ZOMBIE)) === TS.ZOMBIE;
  });
}

/** A node's thread by name, or undefined. */
async function maybeThread(w: World, n: number, name: string): Promise<ThreadID | undefined> {
  return (await threadsByName(w.vm)).get(`[${node(w, n).name}] ${name}`);
}

/** The scenarios that must run last, by command, in order. */
export const FINAL_SCENARIOS: Record<string, Scenario> = {
  'ThreadReference.Stop': async (w) => {
    const [one, two] = [await maybeThread(w, 1, 'conform-victim'), await maybeThread(w, 2, 'conform-victim')];
    assert.ok(one && two, 'both nodes run a conform-victim thread');
    const [stop1, stop2] = [objectOf(await staticOn(w, 1, w.probe, 'STOP')), objectOf(await staticOn(w, 2, w.probe, 'STOP'))];
    await expectError(w.vm.ThreadReference.Stop(one, stop2), 'INVALID_OBJECT', 'ThreadReference.Stop');
    const outputBefore = w.nodes.map((nv) => nv.jvm.output.length);
    await w.vm.ThreadReference.Stop(one, stop1);
    await ended(w, one, 'node-1\'s conform-victim');
    await eventually('node-1 reporting the uncaught exception', async () => node(w, 1).jvm.output.slice(outputBefore[0]).some((l) => l.includes('stopped by the debugger')));
    assert.deepEqual(await w.vm.ThreadReference.Status(two), { threadStatus: TS.SLEEPING, suspendStatus: 0 }, 'node-2\'s victim lives on');
    assert.ok(!node(w, 2).jvm.output.slice(outputBefore[1]).some((l) => l.includes('stopped by the debugger')));
    await expectError(w.vm.ThreadReference.Stop(MADE_UP_ID as ThreadID, stop1), 'INVALID_THREAD', 'ThreadReference.Stop');
  },

  'ThreadReference.Interrupt': async (w) => {
    const [one, two] = [await maybeThread(w, 1, 'fixture-sleeper'), await maybeThread(w, 2, 'fixture-sleeper')];
    assert.ok(one && two, 'both nodes run their fixture-sleeper');
    await w.vm.ThreadReference.Interrupt(one);
    await ended(w, one, 'node-1\'s fixture-sleeper');
    assert.deepEqual(await w.vm.ThreadReference.Status(two), { threadStatus: TS.SLEEPING, suspendStatus: 0 }, 'node-2\'s sleeper sleeps on');
    await expectError(w.vm.ThreadReference.Interrupt(MADE_UP_ID as ThreadID), 'INVALID_THREAD', 'ThreadReference.Interrupt');
  },

  'StackFrame.PopFrames': async (w) => {
    const main = node(w, 1).main;
    const frame = await topFrame(w, 1);
    await expectError(w.vm.StackFrame.PopFrames(main, (await topFrame(w, 2)).frameID), 'INVALID_FRAMEID', 'StackFrame.PopFrames');
    await w.vm.StackFrame.PopFrames(main, frame.frameID);
    const { frames } = await w.vm.ThreadReference.Frames(main, 0, -1);
    assert.deepEqual(frames.map((f) => f.location.methodID), [methodOf(w.fixture, 'main')], 'work() was popped; main() is on top');
    const raw = node(w, 1).link.client;
    assert.equal((await raw.ThreadReference.FrameCount(rawOf(w, 1, main) as ThreadID)).frameCount, 1, 'popped on node-1 itself');
    assert.equal((await w.vm.ThreadReference.FrameCount(node(w, 2).main)).frameCount, 2, 'node-2 is untouched');
  },

  'ThreadReference.ForceEarlyReturn': async (w) => {
    const main = node(w, 2).main;
    const { location } = await topFrame(w, 2);
    assert.equal(location.methodID, methodOf(w.fixture, 'work'));
    await w.vm.ThreadReference.ForceEarlyReturn(main, { tag: T.LONG, value: 4242n });
    const { requestID } = await w.vm.EventRequest.Set(K.METHOD_EXIT_WITH_RETURN_VALUE, P.EVENT_THREAD, [
      { modKind: MOD.ThreadOnly, thread: main },
      { modKind: MOD.ClassOnly, clazz: w.fixture.id },
    ]);
    try {
      let exit: { value: { tag: number; value: unknown }; location: { methodID: bigint } } | undefined;
      await eventsOf(w.vm, requestID, async () => {
        const got = new Promise<void>((resolve) => {
          const on = (e: Event_Composite_Event) => {
            const ev = e.events.find((x) => x.requestID === requestID);
            if (!ev) return;
            exit = ev as never;
            w.vm.removeListener('event', on);
            resolve();
          };
          w.vm.on('event', on);
        });
        await w.vm.ThreadReference.Resume(main);
        await Promise.race([got, sleep(5_000)]);
      }, 0);
      assert.ok(exit, 'work() returned on node-2');
      assert.equal(exit.location.methodID, methodOf(w.fixture, 'work'));
      assert.deepEqual(exit.value, { tag: T.LONG, value: 4242n }, 'with the forced value');
    } finally {
      await w.vm.EventRequest.Clear(K.METHOD_EXIT_WITH_RETURN_VALUE, requestID);
    }
    await expectError(w.vm.ThreadReference.ForceEarlyReturn(MADE_UP_ID as ThreadID, { tag: T.LONG, value: 0n }), 'INVALID_THREAD', 'ThreadReference.ForceEarlyReturn');
  },

  'Event.Composite': async (w) => {
    const data = COMPOSITE.out.encode(w.vm.sizes, { suspendPolicy: P.NONE, events: [{ eventKind: K.VM_START, requestID: 0, thread: node(w, 1).main }] } as never);
    const reply = await w.vm.raw(COMPOSITE.set.id, COMPOSITE.spec.id, data);
    assert.equal(reply.errorCode, JDWP.Error.NOT_IMPLEMENTED);
    assert.match((await w.vm.VirtualMachine.Version()).vmName, /jdwp-fabric/, 'the session goes on');
  },

  'VirtualMachine.Dispose': async (w) => {
    // Leave work for the cleanup: everything suspended once more (the main threads twice), and a breakpoint at
    // BREAK_LINE that would suspend every thread of a node each round if it were left on the node.
    await w.vm.VirtualMachine.Suspend();
    const work = methodOf(w.fixture, 'work');
    const { lines } = await w.vm.Method.LineTable(w.fixture.id, work);
    const index = lines.filter((l) => l.lineNumber === BREAK_LINE).reduce((a, b) => (a.lineCodeIndex <= b.lineCodeIndex ? a : b)).lineCodeIndex;
    await w.vm.EventRequest.Set(K.BREAKPOINT, P.ALL, [{ modKind: MOD.LocationOnly, loc: { typeTag: JDWP.TypeTag.CLASS, classID: w.fixture.id as never, methodID: work, index } }]);
    const closed = new Promise((resolve) => w.vm.once('close', resolve));
    await w.vm.VirtualMachine.Dispose();
    await closed;
    assert.equal(w.proxy.vm.cluster.live().length, 2, 'the nodes stay connected');
    const perNode = await assertNothingSuspended(w.proxy.vm, 2);
    assert.deepEqual([...perNode.keys()].sort(), ['node-1', 'node-2']);
    const rawHits = await Promise.all(
      w.nodes.map(
        (nv) =>
          new Promise<number>((resolve) => {
            let count = 0;
            const on = (e: Event_Composite_Event) => (count += e.events.filter((ev) => ev.eventKind === K.BREAKPOINT).length);
            nv.link.client.on('event', on);
            setTimeout(() => {
              nv.link.client.removeListener('event', on);
              resolve(count);
            }, 600);
          }),
      ),
    );
    assert.deepEqual(rawHits, [0, 0], 'the breakpoint was cleared on every node (their loops pass BREAK_LINE every 100 ms)');
  },
};
