// Scenarios of ThreadReference and ThreadGroupReference (route; the proxy's own groups answer in the proxy),
// on each node's main thread, its fixture-sleeper, and the probe's conform-holder and conform-blocked threads.
import * as assert from 'node:assert/strict';
import type { ThreadGroupID, ThreadID } from '../../../jdwp/protocol/wire-types';
import { JdwpReplyError } from '../../../jdwp/errors';
import { JDWP } from '../../../jdwp/registry';
import {
  BREAK_LINE,
  expectError,
  MADE_UP_ID,
  methodOf,
  node,
  objectOf,
  rawOf,
  slotOf,
  staticOn,
  threadOf,
  virtualOf,
  type Scenario,
  type World,
} from './world';

const TS = JDWP.ThreadStatus;
const SUSPENDED = JDWP.SuspendStatus.SUSPEND_STATUS_SUSPENDED;
const MADE_UP_THREAD = MADE_UP_ID as ThreadID;

/** A thread's suspend count through the proxy and on its node. */
async function suspendCountBoth(w: World, n: number, thread: ThreadID): Promise<[number, number]> {
  const mine = (await w.vm.ThreadReference.SuspendCount(thread)).suspendCount;
  const theirs = (await node(w, n).link.client.ThreadReference.SuspendCount(rawOf(w, n, thread) as ThreadID)).suspendCount;
  return [mine, theirs];
}

/** Runs `body` with a thread suspended through the proxy. */
async function whileSuspended<T>(w: World, thread: ThreadID, body: () => Promise<T>): Promise<T> {
  await w.vm.ThreadReference.Suspend(thread);
  try {
    return await body();
  } finally {
    await w.vm.ThreadReference.Resume(thread);
  }
}

/** The line of a location, from the method's line table through the proxy. */
async function lineOfLocation(w: World, loc: { classID: bigint; methodID: bigint; index: bigint }): Promise<number> {
  const { lines } = await w.vm.Method.LineTable(loc.classID as never, loc.methodID as never);
  const before = lines.filter((l) => l.lineCodeIndex <= loc.index);
  return before.reduce((a, b) => (a.lineCodeIndex >= b.lineCodeIndex ? a : b)).lineNumber;
}

/** A node's thread group by name, walking down from the node group. */
async function nodeGroups(w: World, n: number): Promise<{ nodeGroup: ThreadGroupID; system: ThreadGroupID; main: ThreadGroupID }> {
  const { nodes } = await w.vm.Fabric.Nodes();
  const nodeGroup = nodes.find((x) => x.name === node(w, n).name)!.group;
  const { childGroups } = await w.vm.ThreadGroupReference.Children(nodeGroup);
  assert.equal(childGroups.length, 1, `node-${n}'s own top-level groups`);
  const system = childGroups[0];
  const { group: main } = await w.vm.ThreadReference.ThreadGroup(node(w, n).main);
  return { nodeGroup, system, main };
}

/** The scenarios of the thread sets, by command. */
export const THREAD_SCENARIOS: Record<string, Scenario> = {
  'ThreadReference.Name': async (w) => {
    for (const nv of w.nodes) {
      for (const t of [nv.main, await threadOf(w, nv.n, 'fixture-sleeper')]) {
        const { threadName } = await w.vm.ThreadReference.Name(t);
        const own = (await nv.link.client.ThreadReference.Name(rawOf(w, nv.n, t) as ThreadID)).threadName;
        assert.equal(threadName, `[${nv.name}] ${own}`);
      }
      assert.equal((await w.vm.ThreadReference.Name(nv.main)).threadName, `[${nv.name}] main`);
    }
    await expectError(w.vm.ThreadReference.Name(MADE_UP_THREAD), 'INVALID_THREAD', 'ThreadReference.Name');
  },

  'ThreadReference.Suspend': async (w) => {
    const one = await threadOf(w, 1, 'fixture-sleeper');
    const two = await threadOf(w, 2, 'fixture-sleeper');
    await whileSuspended(w, one, async () => {
      assert.deepEqual(await suspendCountBoth(w, 1, one), [1, 1], 'node-1 suspended its sleeper');
      assert.deepEqual(await suspendCountBoth(w, 2, two), [0, 0], 'node-2 is untouched');
      assert.equal((await w.vm.ThreadReference.Status(one)).suspendStatus, SUSPENDED);
    });
    await expectError(w.vm.ThreadReference.Suspend(MADE_UP_THREAD), 'INVALID_THREAD', 'ThreadReference.Suspend');
  },

  'ThreadReference.Resume': async (w) => {
    const two = await threadOf(w, 2, 'fixture-sleeper');
    await w.vm.ThreadReference.Suspend(two);
    await w.vm.ThreadReference.Suspend(two);
    assert.deepEqual(await suspendCountBoth(w, 2, two), [2, 2]);
    await w.vm.ThreadReference.Resume(two);
    assert.deepEqual(await suspendCountBoth(w, 2, two), [1, 1]);
    await w.vm.ThreadReference.Resume(two);
    assert.deepEqual(await suspendCountBoth(w, 2, two), [0, 0]);
    await expectError(w.vm.ThreadReference.Resume(MADE_UP_THREAD), 'INVALID_THREAD', 'ThreadReference.Resume');
  },

  'ThreadReference.Status': async (w) => {
    for (const nv of w.nodes) {
      const expected: Array<[string, number, number]> = [
        ['main', TS.RUNNING, SUSPENDED],
        ['fixture-sleeper', TS.SLEEPING, 0],
        ['conform-blocked', TS.MONITOR, 0],
      ];
      for (const [name, status, suspended] of expected) {
        const t = name === 'main' ? nv.main : await threadOf(w, nv.n, name);
        const mine = await w.vm.ThreadReference.Status(t);
        assert.deepEqual(mine, { threadStatus: status, suspendStatus: suspended }, `${nv.name} ${name}`);
        assert.deepEqual(mine, await nv.link.client.ThreadReference.Status(rawOf(w, nv.n, t) as ThreadID));
      }
    }
    await expectError(w.vm.ThreadReference.Status(MADE_UP_THREAD), 'INVALID_THREAD', 'ThreadReference.Status');
  },

  'ThreadReference.ThreadGroup': async (w) => {
    for (const nv of w.nodes) {
      const { group } = await w.vm.ThreadReference.ThreadGroup(nv.main);
      assert.equal(slotOf(group), nv.slot);
      assert.equal((await w.vm.ThreadGroupReference.Name(group)).groupName, 'main');
      assert.equal(group, virtualOf(w, nv.n, (await nv.link.client.ThreadReference.ThreadGroup(rawOf(w, nv.n, nv.main) as ThreadID)).group));
    }
    await expectError(w.vm.ThreadReference.ThreadGroup(MADE_UP_THREAD), 'INVALID_THREAD', 'ThreadReference.ThreadGroup');
  },

  'ThreadReference.Frames': async (w) => {
    for (const nv of w.nodes) {
      const { frames } = await w.vm.ThreadReference.Frames(nv.main, 0, -1);
      assert.deepEqual(
        frames.map((f) => f.location.methodID),
        [methodOf(w.fixture, 'work'), methodOf(w.fixture, 'main')],
        `${nv.name}: work() called from main()`,
      );
      assert.equal(await lineOfLocation(w, frames[0].location), BREAK_LINE);
      assert.ok(frames.every((f) => slotOf(f.frameID) === nv.slot), `${nv.name}: frame IDs of ${nv.name}`);
      assert.deepEqual((await w.vm.ThreadReference.Frames(nv.main, 1, 1)).frames.map((f) => f.location), [frames[1].location]);
    }
    await expectError(w.vm.ThreadReference.Frames(MADE_UP_THREAD, 0, -1), 'INVALID_THREAD', 'ThreadReference.Frames');
  },

  'ThreadReference.FrameCount': async (w) => {
    for (const nv of w.nodes) {
      const { frameCount } = await w.vm.ThreadReference.FrameCount(nv.main);
      assert.equal(frameCount, 2);
      assert.equal(frameCount, (await nv.link.client.ThreadReference.FrameCount(rawOf(w, nv.n, nv.main) as ThreadID)).frameCount);
    }
    await expectError(w.vm.ThreadReference.FrameCount(MADE_UP_THREAD), 'INVALID_THREAD', 'ThreadReference.FrameCount');
  },

  'ThreadReference.OwnedMonitors': async (w) => {
    for (const nv of w.nodes) {
      const lock = objectOf(await staticOn(w, nv.n, w.probe, 'holder'));
      const holder = await threadOf(w, nv.n, 'conform-holder');
      const { owned } = await whileSuspended(w, holder, () => w.vm.ThreadReference.OwnedMonitors(holder));
      assert.deepEqual(owned.map((o) => o.objectID), [lock], `${nv.name}: the holder owns its own lock`);
      assert.deepEqual((await whileSuspended(w, nv.main, () => w.vm.ThreadReference.OwnedMonitors(nv.main))).owned, []);
    }
    await expectError(w.vm.ThreadReference.OwnedMonitors(MADE_UP_THREAD), 'INVALID_THREAD', 'ThreadReference.OwnedMonitors');
  },

  'ThreadReference.CurrentContendedMonitor': async (w) => {
    for (const nv of w.nodes) {
      const lock = objectOf(await staticOn(w, nv.n, w.probe, 'holder'));
      const blocked = await threadOf(w, nv.n, 'conform-blocked');
      const { monitor } = await whileSuspended(w, blocked, () => w.vm.ThreadReference.CurrentContendedMonitor(blocked));
      assert.equal(monitor.objectID, lock, `${nv.name}: the blocked thread waits for its node's lock`);
    }
    await expectError(w.vm.ThreadReference.CurrentContendedMonitor(MADE_UP_THREAD), 'INVALID_THREAD', 'ThreadReference.CurrentContendedMonitor');
  },

  'ThreadReference.SuspendCount': async (w) => {
    for (const nv of w.nodes) {
      assert.deepEqual(await suspendCountBoth(w, nv.n, nv.main), [1, 1], `${nv.name}: main is stopped at its breakpoint`);
      assert.deepEqual(await suspendCountBoth(w, nv.n, await threadOf(w, nv.n, 'fixture-sleeper')), [0, 0]);
    }
    await expectError(w.vm.ThreadReference.SuspendCount(MADE_UP_THREAD), 'INVALID_THREAD', 'ThreadReference.SuspendCount');
  },

  'ThreadReference.OwnedMonitorsStackDepthInfo': async (w) => {
    for (const nv of w.nodes) {
      const lock = objectOf(await staticOn(w, nv.n, w.probe, 'holder'));
      const holder = await threadOf(w, nv.n, 'conform-holder');
      await whileSuspended(w, holder, async () => {
        const { owned } = await w.vm.ThreadReference.OwnedMonitorsStackDepthInfo(holder);
        const { frames } = await w.vm.ThreadReference.Frames(holder, 0, -1);
        const depth = frames.findIndex((f) => f.location.methodID === methodOf(w.holder, 'run'));
        assert.deepEqual(owned.map((o) => [o.monitor.objectID, o.stack_depth]), [[lock, depth]], `${nv.name}: locked in Holder.run() at depth ${depth}`);
      });
    }
    await expectError(w.vm.ThreadReference.OwnedMonitorsStackDepthInfo(MADE_UP_THREAD), 'INVALID_THREAD', 'ThreadReference.OwnedMonitorsStackDepthInfo');
  },

  'ThreadReference.IsVirtual': async (w) => {
    for (const nv of w.nodes) {
      const answer = (p: Promise<{ isVirtual: boolean }>) => p.then((r) => r.isVirtual, (e) => (e instanceof JdwpReplyError ? e.errorName : String(e)));
      const theirs = await answer(nv.link.client.ThreadReference.IsVirtual(rawOf(w, nv.n, nv.main) as ThreadID));
      assert.ok(theirs === false || theirs === 'NOT_IMPLEMENTED', `${nv.name} answered ${theirs}`);
      assert.equal(await answer(w.vm.ThreadReference.IsVirtual(nv.main)), theirs, `${nv.name}: the node's own answer (JDK 17 has no IsVirtual)`);
    }
    await expectError(w.vm.ThreadReference.IsVirtual(MADE_UP_THREAD), 'INVALID_THREAD', 'ThreadReference.IsVirtual');
  },

  'ThreadGroupReference.Name': async (w) => {
    const { groups } = await w.vm.VirtualMachine.TopLevelThreadGroups();
    assert.equal((await w.vm.ThreadGroupReference.Name(groups[0])).groupName, 'cluster');
    for (const nv of w.nodes) {
      const g = await nodeGroups(w, nv.n);
      assert.deepEqual(
        await Promise.all([g.nodeGroup, g.system, g.main].map((x) => w.vm.ThreadGroupReference.Name(x).then((r) => r.groupName))),
        [nv.name, 'system', 'main'],
      );
    }
    await expectError(w.vm.ThreadGroupReference.Name(MADE_UP_ID as ThreadGroupID), 'INVALID_THREAD_GROUP', 'ThreadGroupReference.Name');
  },

  'ThreadGroupReference.Parent': async (w) => {
    const root = (await w.vm.VirtualMachine.TopLevelThreadGroups()).groups[0];
    assert.equal((await w.vm.ThreadGroupReference.Parent(root)).parentGroup, 0n);
    for (const nv of w.nodes) {
      const g = await nodeGroups(w, nv.n);
      assert.equal((await w.vm.ThreadGroupReference.Parent(g.nodeGroup)).parentGroup, root);
      assert.equal((await w.vm.ThreadGroupReference.Parent(g.system)).parentGroup, g.nodeGroup, `${nv.name}: system's parent is the node group`);
      assert.equal((await w.vm.ThreadGroupReference.Parent(g.main)).parentGroup, g.system);
      assert.equal(slotOf(g.system), nv.slot);
    }
    await expectError(w.vm.ThreadGroupReference.Parent(MADE_UP_ID as ThreadGroupID), 'INVALID_THREAD_GROUP', 'ThreadGroupReference.Parent');
  },

  'ThreadGroupReference.Children': async (w) => {
    const root = (await w.vm.VirtualMachine.TopLevelThreadGroups()).groups[0];
    const { nodes } = await w.vm.Fabric.Nodes();
    assert.deepEqual(await w.vm.ThreadGroupReference.Children(root), { childThreads: [], childGroups: nodes.map((x) => x.group) });
    for (const nv of w.nodes) {
      const g = await nodeGroups(w, nv.n);
      const raw = nv.link.client;
      assert.deepEqual(await w.vm.ThreadGroupReference.Children(g.nodeGroup), {
        childThreads: [],
        childGroups: (await raw.VirtualMachine.TopLevelThreadGroups()).groups.map((x) => virtualOf(w, nv.n, x)),
      });
      const mine = await w.vm.ThreadGroupReference.Children(g.main);
      const theirs = await raw.ThreadGroupReference.Children(rawOf(w, nv.n, g.main) as ThreadGroupID);
      assert.deepEqual(mine.childThreads, theirs.childThreads.map((t) => virtualOf(w, nv.n, t)));
      assert.ok(mine.childThreads.includes(nv.main), `${nv.name}: main is in its main group`);
      assert.ok((await w.vm.ThreadGroupReference.Children(g.system)).childGroups.includes(g.main));
    }
    await expectError(w.vm.ThreadGroupReference.Children(MADE_UP_ID as ThreadGroupID), 'INVALID_THREAD_GROUP', 'ThreadGroupReference.Children');
  },
};
