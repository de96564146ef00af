// Scenarios of the object command sets: ObjectReference, StringReference, ArrayReference and StackFrame (route),
// on the objects and frames of each node's main thread stopped at BREAK_LINE and on the probe instances.
import * as assert from 'node:assert/strict';
import type { ArrayID, ClassID, FrameID, ObjectID } from '../../../jdwp/protocol/wire-types';
import { JDWP } from '../../../jdwp/registry';
import { FIXTURE_PAUSE_MS } from '../support';
import {
  collectGarbage,
  eventually,
  expectError,
  fieldOf,
  focusOn,
  int,
  locals,
  MADE_UP_ID,
  methodOf,
  node,
  objectOf,
  rawOf,
  SINGLE,
  slotOf,
  staticOn,
  T,
  text,
  threadOf,
  topFrame,
  typeId,
  type Scenario,
  type World,
} from './world';

const FIXTURE_LOCALS = ['round', 'z', 'b', 'c', 's', 'i', 'l', 'f', 'd', 'str', 'arr', 'obj'];

/** The `obj` local of a node (a Fixture made in this round) and the round. */
async function roundObject(w: World, n: number): Promise<{ round: number; obj: ObjectID; arr: ArrayID; str: ObjectID }> {
  const v = await locals(w, n, ['round', 'obj', 'arr', 'str']);
  return { round: v.round.value as number, obj: objectOf(v.obj), arr: objectOf(v.arr) as ArrayID, str: objectOf(v.str) };
}

/** Fixture's instance fields id, name and next of an object, through the proxy. */
async function fixtureFields(w: World, object: ObjectID) {
  const { values } = await w.vm.ObjectReference.GetValues(object, ['id', 'name', 'next'].map((f) => ({ fieldID: fieldOf(w.fixture, f) })));
  return values;
}

/** The same fields read by the node itself. */
async function fixtureFieldsOnNode(w: World, n: number, object: ObjectID) {
  const client = node(w, n).link.client;
  const raw = rawOf(w, n, object) as ObjectID;
  const { typeID } = await client.ObjectReference.ReferenceType(raw);
  const { declared } = await client.ReferenceType.Fields(typeID);
  const { values } = await client.ObjectReference.GetValues(raw, ['id', 'name', 'next'].map((f) => ({ fieldID: declared.find((d) => d.name === f)!.fieldID })));
  return values;
}

/** main()'s String[] args on a node (frame 1 of its main thread). */
async function mainArgs(w: World, n: number): Promise<ArrayID> {
  const { slots } = await w.vm.Method.VariableTable(w.fixture.id, methodOf(w.fixture, 'main'));
  const { frames } = await w.vm.ThreadReference.Frames(node(w, n).main, 1, 1);
  const { values } = await w.vm.StackFrame.GetValues(node(w, n).main, frames[0].frameID, [{ slot: slots.find((s) => s.name === 'args')!.slot, sigbyte: T.ARRAY }]);
  return objectOf(values[0]) as ArrayID;
}

/** An int array made on a node (unreachable from the program). */
async function newArray(w: World, n: number, length: number): Promise<ObjectID> {
  await focusOn(w, n);
  return (await w.vm.ArrayType.NewInstance((await typeId(w.vm, '[I')) as never, length)).newArray.objectID;
}

/** The scenarios of the object sets, by command. */
export const OBJECT_SCENARIOS: Record<string, Scenario> = {
  'ObjectReference.ReferenceType': async (w) => {
    for (const nv of w.nodes) {
      const { obj, arr } = await roundObject(w, nv.n);
      assert.deepEqual(await w.vm.ObjectReference.ReferenceType(obj), { refTypeTag: JDWP.TypeTag.CLASS, typeID: w.fixture.id });
      assert.deepEqual(await w.vm.ObjectReference.ReferenceType(arr), { refTypeTag: JDWP.TypeTag.ARRAY, typeID: await typeId(w.vm, '[I') });
      assert.equal((await w.vm.ObjectReference.ReferenceType(w.probes.get(nv.n)![0])).typeID, w.probe.id);
    }
    const threadGroup = await typeId(w.vm, 'Ljava/lang/ThreadGroup;');
    const { groups } = await w.vm.VirtualMachine.TopLevelThreadGroups();
    const { childGroups } = await w.vm.ThreadGroupReference.Children(groups[0]);
    for (const g of [groups[0], ...childGroups]) assert.equal((await w.vm.ObjectReference.ReferenceType(g)).typeID, threadGroup, 'the proxy\'s groups are thread groups');
    await expectError(w.vm.ObjectReference.ReferenceType(MADE_UP_ID as ObjectID), 'INVALID_OBJECT', 'ObjectReference.ReferenceType');
  },

  'ObjectReference.GetValues': async (w) => {
    for (const nv of w.nodes) {
      const { round, obj } = await roundObject(w, nv.n);
      assert.equal(slotOf(obj), nv.slot);
      const [id, name, next] = await fixtureFields(w, obj);
      assert.deepEqual(id, int(round), `${nv.name}: obj.id is the round of ${nv.name}`);
      assert.equal(await text(w.vm, objectOf(name)), `obj-${round}`);
      assert.equal(next.value, 0n);
    }
    await expectError(w.vm.ObjectReference.GetValues(MADE_UP_ID as ObjectID, [{ fieldID: fieldOf(w.fixture, 'id') }]), 'INVALID_OBJECT', 'ObjectReference.GetValues');
  },

  'ObjectReference.SetValues': async (w) => {
    const [one, two] = await Promise.all([roundObject(w, 1), roundObject(w, 2)]);
    await w.vm.ObjectReference.SetValues(two.obj, [{ fieldID: fieldOf(w.fixture, 'id'), value: int(777) }]);
    try {
      assert.deepEqual((await fixtureFields(w, two.obj))[0], int(777));
      assert.deepEqual((await fixtureFieldsOnNode(w, 2, two.obj))[0], int(777), 'node-2 holds the new value');
      assert.deepEqual((await fixtureFields(w, one.obj))[0], int(one.round), 'node-1 is untouched');
    } finally {
      await w.vm.ObjectReference.SetValues(two.obj, [{ fieldID: fieldOf(w.fixture, 'id'), value: int(two.round) }]);
    }
    await expectError(w.vm.ObjectReference.SetValues(MADE_UP_ID as ObjectID, [{ fieldID: fieldOf(w.fixture, 'id'), value: int(1) }]), 'INVALID_OBJECT', 'ObjectReference.SetValues');
    await expectError(
      w.vm.ObjectReference.SetValues(one.obj, [{ fieldID: fieldOf(w.fixture, 'next'), value: { tag: T.OBJECT, value: two.obj } }]),
      'INVALID_OBJECT',
      'ObjectReference.SetValues',
    );
    assert.equal((await fixtureFields(w, one.obj))[2].value, 0n, 'an object of node-2 is never stored on node-1');
  },

  'ObjectReference.MonitorInfo': async (w) => {
    for (const nv of w.nodes) {
      const lock = objectOf(await staticOn(w, nv.n, w.probe, 'holder'));
      const info = await w.vm.ObjectReference.MonitorInfo(lock);
      assert.equal(info.owner, await threadOf(w, nv.n, 'conform-holder'), `${nv.name}: owned by its own holder thread`);
      assert.equal(info.entryCount, 1);
      assert.deepEqual(info.waiters, [await threadOf(w, nv.n, 'conform-blocked')]);
    }
    await expectError(w.vm.ObjectReference.MonitorInfo(MADE_UP_ID as ObjectID), 'INVALID_OBJECT', 'ObjectReference.MonitorInfo');
  },

  'ObjectReference.InvokeMethod': async (w) => {
    const pid = methodOf(w.probe, 'pid');
    for (const nv of w.nodes) {
      const r = await w.vm.ObjectReference.InvokeMethod(w.probes.get(nv.n)![0], nv.main, w.probe.id as ClassID, pid, [], SINGLE);
      assert.equal(r.exception.objectID, 0n);
      assert.deepEqual(r.returnValue, { tag: T.LONG, value: BigInt(nv.jvm.process.pid!) }, `ran in ${nv.name}'s process`);
    }
    await expectError(
      w.vm.ObjectReference.InvokeMethod(w.probes.get(2)![0], node(w, 1).main, w.probe.id as ClassID, pid, [], SINGLE),
      'INVALID_THREAD',
      'ObjectReference.InvokeMethod',
    );
    // The thread of an invoke makes its node the focus, though it is not the first ID of the command.
    await focusOn(w, 1);
    await w.vm.ObjectReference.InvokeMethod(w.probes.get(2)![0], node(w, 2).main, w.probe.id as ClassID, pid, [], SINGLE);
    assert.equal(slotOf((await w.vm.ReferenceType.ClassObject(w.fixture.id)).classObject), node(w, 2).link.slot, 'the focus moved to node-2');
  },

  'ObjectReference.DisableCollection': async (w) => {
    for (const nv of w.nodes) {
      const array = await newArray(w, nv.n, 8);
      await w.vm.ObjectReference.DisableCollection(array);
      await collectGarbage(w, nv.n);
      assert.deepEqual(await w.vm.ObjectReference.IsCollected(array), { isCollected: false }, `${nv.name}: a pinned object survives a GC`);
      assert.equal((await w.vm.ArrayReference.Length(array as ArrayID)).arrayLength, 8);
      await w.vm.ObjectReference.EnableCollection(array);
    }
    await expectError(w.vm.ObjectReference.DisableCollection(MADE_UP_ID as ObjectID), 'INVALID_OBJECT', 'ObjectReference.DisableCollection');
  },

  'ObjectReference.EnableCollection': async (w) => {
    for (const nv of w.nodes) {
      const array = await newArray(w, nv.n, 8);
      await w.vm.ObjectReference.DisableCollection(array);
      await w.vm.ObjectReference.EnableCollection(array);
      await eventually(`${nv.name}: collecting an unpinned unreachable array`, async () => {
        await collectGarbage(w, nv.n);
        return (await w.vm.ObjectReference.IsCollected(array)).isCollected;
      });
    }
    // The spec lists no INVALID_* error here and a plain HotSpot answers an unknown ID without error: so does the proxy.
    await w.vm.ObjectReference.EnableCollection(MADE_UP_ID as ObjectID);
  },

  'ObjectReference.IsCollected': async (w) => {
    for (const nv of w.nodes) {
      assert.deepEqual(await w.vm.ObjectReference.IsCollected(w.probes.get(nv.n)![0]), { isCollected: false });
      assert.deepEqual(await w.vm.ObjectReference.IsCollected(nv.main), { isCollected: false });
    }
    await expectError(w.vm.ObjectReference.IsCollected(MADE_UP_ID as ObjectID), 'INVALID_OBJECT', 'ObjectReference.IsCollected');
  },

  'ObjectReference.ReferringObjects': async (w) => {
    for (const nv of w.nodes) {
      const probe = w.probes.get(nv.n)![0];
      const { values } = await w.vm.ObjectReference.GetValues(probe, [{ fieldID: fieldOf(w.probe, 'cells') }]);
      const { referringObjects } = await w.vm.ObjectReference.ReferringObjects(objectOf(values[0]), 0);
      assert.deepEqual(referringObjects.map((r) => r.objectID), [probe], `${nv.name}: the probe holds its cells`);
    }
    await expectError(w.vm.ObjectReference.ReferringObjects(MADE_UP_ID as ObjectID, 0), 'INVALID_OBJECT', 'ObjectReference.ReferringObjects');
  },

  'StringReference.Value': async (w) => {
    for (const nv of w.nodes) {
      const { round, str } = await roundObject(w, nv.n);
      assert.equal(await text(w.vm, str), `round-${round}`, nv.name);
    }
    const { stringObject } = await w.vm.VirtualMachine.CreateString('made by the debugger');
    assert.equal(await text(w.vm, stringObject), 'made by the debugger');
    await expectError(w.vm.StringReference.Value(MADE_UP_ID as ObjectID), 'INVALID_OBJECT', 'StringReference.Value');
  },

  'ArrayReference.Length': async (w) => {
    for (const nv of w.nodes) assert.equal((await w.vm.ArrayReference.Length((await roundObject(w, nv.n)).arr)).arrayLength, 3);
    await expectError(w.vm.ArrayReference.Length(MADE_UP_ID as ArrayID), 'INVALID_ARRAY', 'ArrayReference.Length');
  },

  'ArrayReference.GetValues': async (w) => {
    for (const nv of w.nodes) {
      assert.deepEqual((await w.vm.ArrayReference.GetValues((await roundObject(w, nv.n)).arr, 0, 3)).values, { tag: T.INT, values: [int(1), int(2), int(3)] });
    }
    await expectError(w.vm.ArrayReference.GetValues(MADE_UP_ID as ArrayID, 0, 1), 'INVALID_ARRAY', 'ArrayReference.GetValues');
  },

  'ArrayReference.SetValues': async (w) => {
    const [one, two] = await Promise.all([roundObject(w, 1), roundObject(w, 2)]);
    await w.vm.ArrayReference.SetValues(two.arr, 1, [int(99)]);
    try {
      assert.deepEqual((await w.vm.ArrayReference.GetValues(two.arr, 0, 3)).values.values, [int(1), int(99), int(3)]);
      const raw = await node(w, 2).link.client.ArrayReference.GetValues(rawOf(w, 2, two.arr) as ArrayID, 0, 3);
      assert.deepEqual(raw.values.values, [int(1), int(99), int(3)], 'node-2 holds the new element');
      assert.deepEqual((await w.vm.ArrayReference.GetValues(one.arr, 0, 3)).values.values, [int(1), int(2), int(3)], 'node-1 is untouched');
    } finally {
      await w.vm.ArrayReference.SetValues(two.arr, 1, [int(2)]);
    }
    await expectError(w.vm.ArrayReference.SetValues(MADE_UP_ID as ArrayID, 0, [int(1)]), 'INVALID_ARRAY', 'ArrayReference.SetValues');
    // Elements of an object array are untagged on the wire: main()'s String[] args, set to a string the debugger made.
    const args = await mainArgs(w, 2);
    const { stringObject } = await w.vm.VirtualMachine.CreateString(FIXTURE_PAUSE_MS);
    await w.vm.ArrayReference.SetValues(args, 0, [{ tag: T.STRING, value: stringObject }]);
    const [arg] = (await w.vm.ArrayReference.GetValues(args, 0, 1)).values.values;
    // A proxy string keeps one identity: node-2's copy reads back as the string the debugger made.
    assert.equal(objectOf(arg), stringObject, 'the element reads back as the proxy string');
    assert.equal(await text(w.vm, objectOf(arg)), FIXTURE_PAUSE_MS);
    const rawArg = (await node(w, 2).link.client.ArrayReference.GetValues(rawOf(w, 2, args) as ArrayID, 0, 1)).values.values[0];
    assert.equal(w.proxy.vm.cluster.objects.rawOn(stringObject, node(w, 2).link), objectOf(rawArg), 'node-2 holds the copy made for it');
  },

  'StackFrame.GetValues': async (w) => {
    for (const nv of w.nodes) {
      const v = await locals(w, nv.n, FIXTURE_LOCALS);
      const round = v.round.value as number;
      assert.deepEqual(
        [v.z, v.b, v.c, v.s, v.i, v.l, v.f, v.d],
        [
          { tag: T.BOOLEAN, value: round % 2 === 0 },
          { tag: T.BYTE, value: 7 },
          { tag: T.CHAR, value: 'x'.charCodeAt(0) },
          { tag: T.SHORT, value: 300 },
          int(round),
          { tag: T.LONG, value: 1234567890123n },
          { tag: T.FLOAT, value: 1.5 },
          { tag: T.DOUBLE, value: 2.25 },
        ],
        nv.name,
      );
      assert.equal(await text(w.vm, objectOf(v.str)), `round-${round}`);
      assert.deepEqual([v.str.tag, v.arr.tag, v.obj.tag], [T.STRING, T.ARRAY, T.OBJECT]);
      assert.ok([v.str, v.arr, v.obj].every((x) => slotOf(objectOf(x)) === nv.slot), `${nv.name}: objects of ${nv.name}`);
    }
    const [frameOf2, slot] = [(await topFrame(w, 2)).frameID, { slot: 0, sigbyte: T.INT }];
    await expectError(w.vm.StackFrame.GetValues(node(w, 1).main, frameOf2, [slot]), 'INVALID_FRAMEID', 'StackFrame.GetValues');
    await expectError(w.vm.StackFrame.GetValues(MADE_UP_ID as never, frameOf2, [slot]), 'INVALID_THREAD', 'StackFrame.GetValues');
  },

  'StackFrame.SetValues': async (w) => {
    const { slots } = await w.vm.Method.VariableTable(w.fixture.id, methodOf(w.fixture, 'work'));
    const l = slots.find((s) => s.name === 'l')!.slot;
    const frame = await topFrame(w, 2);
    await w.vm.StackFrame.SetValues(node(w, 2).main, frame.frameID, [{ slot: l, slotValue: { tag: T.LONG, value: 42n } }]);
    try {
      assert.deepEqual((await locals(w, 2, ['l'])).l, { tag: T.LONG, value: 42n });
      const raw = node(w, 2).link.client;
      const rawMain = rawOf(w, 2, node(w, 2).main) as never;
      const { frames } = await raw.ThreadReference.Frames(rawMain, 0, 1);
      const { values } = await raw.StackFrame.GetValues(rawMain, frames[0].frameID, [{ slot: l, sigbyte: T.LONG }]);
      assert.deepEqual(values[0], { tag: T.LONG, value: 42n }, 'node-2 holds the new local');
      assert.deepEqual((await locals(w, 1, ['l'])).l, { tag: T.LONG, value: 1234567890123n }, 'node-1 is untouched');
    } finally {
      await w.vm.StackFrame.SetValues(node(w, 2).main, (await topFrame(w, 2)).frameID, [{ slot: l, slotValue: { tag: T.LONG, value: 1234567890123n } }]);
    }
    await expectError(
      w.vm.StackFrame.SetValues(node(w, 1).main, frame.frameID, [{ slot: l, slotValue: { tag: T.LONG, value: 1n } }]),
      'INVALID_FRAMEID',
      'StackFrame.SetValues',
    );
  },

  'StackFrame.ThisObject': async (w) => {
    for (const nv of w.nodes) {
      const frame = await topFrame(w, nv.n);
      assert.deepEqual(await w.vm.StackFrame.ThisObject(nv.main, frame.frameID), { objectThis: { tag: T.OBJECT, objectID: 0n } }, 'work() is static');
      const holder = await threadOf(w, nv.n, 'conform-holder');
      await w.vm.ThreadReference.Suspend(holder);
      try {
        const { frames } = await w.vm.ThreadReference.Frames(holder, 0, -1);
        const run = frames.find((f) => f.location.methodID === methodOf(w.holder, 'run'));
        assert.ok(run, `${nv.name}: Holder.run() is on the holder thread's stack`);
        const { objectThis } = await w.vm.StackFrame.ThisObject(holder, run.frameID);
        assert.equal(objectThis.objectID, objectOf(await staticOn(w, nv.n, w.probe, 'holder')), `${nv.name}: this is ${nv.name}'s holder`);
      } finally {
        await w.vm.ThreadReference.Resume(holder);
      }
    }
    await expectError(w.vm.StackFrame.ThisObject(node(w, 1).main, (await topFrame(w, 2)).frameID as FrameID), 'INVALID_FRAMEID', 'StackFrame.ThisObject');
  },
};
