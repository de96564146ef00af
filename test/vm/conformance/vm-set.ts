// Scenarios of the VirtualMachine command set (answer, merge, fanout, intersect, focus, route, refuse).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JdwpClient } from '../../../jdwp/client/client';
import type { ObjectID, ThreadID } from '../../../jdwp/protocol/wire-types';
import { JDWP } from '../../../jdwp/registry';
import { fixtureClasses } from '../../support/fixtures';
import {
  direct,
  eventsOf,
  expectError,
  focusOn,
  int,
  invokeStatic,
  methodOf,
  nodeOfThread,
  obj,
  P,
  K,
  MOD,
  rawTypeOn,
  slotOf,
  T,
  text,
  typeId,
  typeView,
  type Scenario,
  type World,
} from './world';

const CS = JDWP.ClassStatus;

/** A class's file as compiled into the fixture class directory. */
export function classFile(binaryName: string): Buffer {
  return fs.readFileSync(path.join(fixtureClasses(), `${binaryName.replace(/\./g, '/')}.class`));
}

/** conform.Probe's class file with version()'s constant 41 changed to `value` (bipush 41; ireturn). */
export function probeWithVersion(value: number): Buffer {
  const bytes = Buffer.from(classFile('conform.Probe'));
  const pattern = Buffer.from([0x10, 41, 0xac]);
  const at = bytes.indexOf(pattern);
  assert.ok(at >= 0 && bytes.indexOf(pattern, at + 1) < 0, 'Probe.version() is not compiled as one "bipush 41; ireturn"');
  bytes[at + 1] = value;
  return bytes;
}

/** Signatures of the app classes (the fixture's and the probe's), hidden classes aside. */
function isAppClass(signature: string): boolean {
  return /^L(fixture|conform)\//.test(signature) && !signature.includes('$$Lambda');
}

/** Per node, the signatures of its loaded classes, asked of the node itself. */
async function directSignatures(w: World): Promise<Array<Set<string>>> {
  return Promise.all(w.nodes.map(async (nv) => new Set((await nv.link.client.VirtualMachine.AllClasses()).classes.map((c) => c.signature))));
}

/** A merged class list: the union of the nodes' classes (loaded before and after), one entry per app class. */
async function assertMergedClasses(w: World, rows: Array<{ typeID: bigint; signature: string }>, before: Array<Set<string>>): Promise<void> {
  const after = await directSignatures(w);
  const mine = new Set(rows.map((r) => r.signature));
  for (const sig of new Set(before.flatMap((s) => [...s]))) assert.ok(mine.has(sig), `${sig}, loaded on a node, is missing`);
  for (const sig of mine) assert.ok(after.some((s) => s.has(sig)), `${sig} is loaded on no node`);
  assert.equal(new Set(rows.map((r) => r.typeID)).size, rows.length, 'a type ID appears twice');
  const app = rows.filter((r) => isAppClass(r.signature)).map((r) => r.signature);
  assert.deepEqual(app, [...new Set(app)], 'an app class of identical nodes appears more than once');
  assert.ok(mine.has('Lconform/Lonely;'), 'the class only node-2 runs is missing');
  const sum = before.reduce((a, s) => a + s.size, 0);
  assert.ok(rows.length < sum, `${rows.length} entries: identical classes of the nodes were not merged (nodes have ${sum} in all)`);
}

/** Every thread's suspend count, through the proxy. */
async function suspendCounts(vm: JdwpClient): Promise<Map<ThreadID, number>> {
  const { threads } = await vm.VirtualMachine.AllThreads();
  const counts = await Promise.all(threads.map((t) => vm.ThreadReference.SuspendCount(t).then((r) => r.suspendCount)));
  return new Map(threads.map((t, i) => [t, counts[i]]));
}

/** Every thread's suspend count on every node, asked of the nodes themselves. */
async function directSuspendCounts(w: World): Promise<number[]> {
  const all = await Promise.all(
    w.nodes.map(async (nv) => {
      const { threads } = await nv.link.client.VirtualMachine.AllThreads();
      return Promise.all(threads.map((t) => nv.link.client.ThreadReference.SuspendCount(t).then((r) => r.suspendCount)));
    }),
  );
  return all.flat();
}

/** Invokes Fixture.add(1, 2) on both nodes while events are held, and returns what the debugger saw meanwhile and after release. */
async function heldRound(w: World): Promise<{ whileHeld: number; afterRelease: number[] }> {
  const add = methodOf(w.fixture, 'add');
  const { lines, start } = await w.vm.Method.LineTable(w.fixture.id, add);
  assert.ok(lines.length > 0);
  const { requestID } = await w.vm.EventRequest.Set(K.BREAKPOINT, P.NONE, [
    { modKind: MOD.LocationOnly, loc: { typeTag: JDWP.TypeTag.CLASS, classID: w.fixture.id as never, methodID: add, index: start } },
  ]);
  try {
    let calls: Promise<unknown>[] = [];
    let whileHeld = -1;
    const events = await eventsOf(
      w.vm,
      requestID,
      async () => {
        await w.vm.VirtualMachine.HoldEvents();
        let released = false;
        try {
          const before = await eventsOf(w.vm, requestID, async () => {
            calls = w.nodes.map((nv) => invokeStatic(w, nv.n, w.fixture.id, add, [int(1), int(2)]));
            await Promise.race([Promise.all(calls), new Promise((r) => setTimeout(r, 500))]);
          });
          whileHeld = before.length;
          await w.vm.VirtualMachine.ReleaseEvents();
          released = true;
          const results = await Promise.all(calls);
          assert.deepEqual(results.map((r: any) => r.value), [3, 3]);
        } finally {
          if (!released) await w.vm.VirtualMachine.ReleaseEvents();
        }
      },
      500,
    );
    const afterRelease = await Promise.all(events.map((e) => nodeOfThread(w, (e as { thread: bigint }).thread)));
    return { whileHeld, afterRelease: afterRelease.sort() };
  } finally {
    await w.vm.EventRequest.Clear(K.BREAKPOINT, requestID);
  }
}

/** Capabilities (or CapabilitiesNew) through the proxy are what every node can do. */
async function assertIntersected(w: World, command: 'Capabilities' | 'CapabilitiesNew'): Promise<void> {
  const mine = (await w.vm.VirtualMachine[command]()) as unknown as Record<string, boolean>;
  const theirs = (await Promise.all(w.nodes.map((nv) => nv.link.client.VirtualMachine[command]()))) as unknown as Array<Record<string, boolean>>;
  for (const key of Object.keys(theirs[0])) assert.equal(mine[key], theirs.every((t) => t[key] === true), key);
  assert.ok(mine.canGetBytecodes && mine.canWatchFieldModification, 'capabilities every node has are missing');
}

/** The scenarios of the VirtualMachine set, by command. */
export const VM_SCENARIOS: Record<string, Scenario> = {
  'VirtualMachine.Version': async (w) => {
    const v = await w.vm.VirtualMachine.Version();
    const theirs = await Promise.all(w.nodes.map((nv) => nv.link.client.VirtualMachine.Version()));
    assert.match(v.vmName, /\[jdwp-fabric: 2 node\(s\)\]$/);
    assert.match(v.description, /virtual VM over 2 node\(s\)/);
    for (const [i, nv] of w.nodes.entries()) assert.ok(v.description.includes(`${nv.name}: ${theirs[i].vmName} ${theirs[i].vmVersion}`), v.description);
    assert.equal(v.jdwpMajor, Math.min(...theirs.map((t) => t.jdwpMajor)));
    assert.equal(v.vmVersion, theirs[0].vmVersion);
  },

  'VirtualMachine.ClassesBySignature': async (w) => {
    for (const sig of ['Lfixture/Fixture;', 'Ljava/lang/String;', 'Lconform/Probe;']) {
      const { classes } = await w.vm.VirtualMachine.ClassesBySignature(sig);
      assert.equal(classes.length, 1, `${sig}: identical code on both nodes is one type`);
      assert.equal(classes[0].refTypeTag, JDWP.TypeTag.CLASS);
      assert.ok(classes[0].status & CS.PREPARED, `${sig} status ${classes[0].status}`);
      assert.deepEqual((await w.vm.Fabric.SymbolInfo(classes[0].typeID)).versions.map((v) => v.nodes), [['node-1', 'node-2']]);
    }
    const lonely = await w.vm.VirtualMachine.ClassesBySignature('Lconform/Lonely;');
    assert.equal(lonely.classes.length, 1);
    assert.deepEqual((await w.vm.Fabric.SymbolInfo(lonely.classes[0].typeID)).versions.map((v) => v.nodes), [['node-2']]);
    assert.deepEqual((await w.vm.VirtualMachine.ClassesBySignature('Lconform/Nowhere;')).classes, []);
  },

  'VirtualMachine.AllClasses': async (w) => {
    const before = await directSignatures(w);
    const { classes } = await w.vm.VirtualMachine.AllClasses();
    await assertMergedClasses(w, classes, before);
    const fixture = classes.find((c) => c.signature === 'Lfixture/Fixture;');
    assert.equal(fixture?.typeID, w.fixture.id);
  },

  'VirtualMachine.AllThreads': async (w) => {
    const { threads } = await w.vm.VirtualMachine.AllThreads();
    const names = await Promise.all(threads.map((t) => w.vm.ThreadReference.Name(t).then((r) => r.threadName)));
    for (const nv of w.nodes) {
      const own = (await nv.link.client.VirtualMachine.AllThreads()).threads;
      const ownNames = await Promise.all(own.map((t) => nv.link.client.ThreadReference.Name(t).then((r) => r.threadName)));
      const prefix = `[${nv.name}] `;
      const mine = threads.filter((_t, i) => names[i].startsWith(prefix));
      assert.deepEqual(names.filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length)).sort(), ownNames.sort(), nv.name);
      assert.ok(mine.every((t) => slotOf(t) === nv.slot), `${nv.name}: a thread ID of another slot`);
    }
    assert.ok(names.every((n) => /^\[node-[12]\] /.test(n)), names.join(', '));
  },

  'VirtualMachine.TopLevelThreadGroups': async (w) => {
    const { groups } = await w.vm.VirtualMachine.TopLevelThreadGroups();
    assert.equal(groups.length, 1);
    assert.equal((await w.vm.ThreadGroupReference.Name(groups[0])).groupName, 'cluster');
    const { childGroups, childThreads } = await w.vm.ThreadGroupReference.Children(groups[0]);
    assert.deepEqual(childThreads, []);
    const { nodes } = await w.vm.Fabric.Nodes();
    assert.deepEqual(childGroups, nodes.map((n) => n.group));
    assert.deepEqual(await Promise.all(childGroups.map((g) => w.vm.ThreadGroupReference.Name(g).then((r) => r.groupName))), ['node-1', 'node-2']);
  },

  'VirtualMachine.IDSizes': async (w) => {
    assert.deepEqual(await w.vm.VirtualMachine.IDSizes(), { fieldIDSize: 8, methodIDSize: 8, objectIDSize: 8, referenceTypeIDSize: 8, frameIDSize: 8 });
  },

  'VirtualMachine.Suspend': async (w) => {
    const before = await suspendCounts(w.vm);
    await w.vm.VirtualMachine.Suspend();
    try {
      const during = await suspendCounts(w.vm);
      for (const [t, c] of before) assert.equal(during.get(t), c + 1, `thread ${t}`);
      const raw = await directSuspendCounts(w);
      assert.ok(raw.length === before.size && raw.every((c) => c >= 1), `every thread of every node is suspended: ${raw.join(',')}`);
    } finally {
      await w.vm.VirtualMachine.Resume();
    }
  },

  'VirtualMachine.Resume': async (w) => {
    const before = await suspendCounts(w.vm);
    const rawBefore = await directSuspendCounts(w);
    await w.vm.VirtualMachine.Suspend();
    await w.vm.VirtualMachine.Suspend();
    await w.vm.VirtualMachine.Resume();
    const once = await suspendCounts(w.vm);
    for (const [t, c] of before) assert.equal(once.get(t), c + 1, `thread ${t} after one Resume`);
    await w.vm.VirtualMachine.Resume();
    assert.deepEqual(await suspendCounts(w.vm), before);
    assert.deepEqual(await directSuspendCounts(w), rawBefore);
  },

  'VirtualMachine.CreateString': async (w) => {
    const { stringObject } = await w.vm.VirtualMachine.CreateString('42');
    assert.equal(slotOf(stringObject), 0, 'a created string belongs to no node until it is used');
    assert.equal(await text(w.vm, stringObject), '42');
    const integer = await typeView(w.vm, 'Ljava/lang/Integer;');
    const parseInt = methodOf(integer, 'parseInt(Ljava/lang/String;)I');
    for (const nv of w.nodes) assert.deepEqual(await invokeStatic(w, nv.n, integer.id, parseInt, [obj(stringObject)]), { tag: T.INT, value: 42 }, nv.name);
  },

  'VirtualMachine.Capabilities': (w) => assertIntersected(w, 'Capabilities'),
  'VirtualMachine.CapabilitiesNew': (w) => assertIntersected(w, 'CapabilitiesNew'),

  'VirtualMachine.ClassPaths': async (w) => {
    for (const n of [2, 1]) {
      await focusOn(w, n);
      const mine = await w.vm.VirtualMachine.ClassPaths();
      assert.deepEqual(mine, await direct(w, n).VirtualMachine.ClassPaths());
      assert.ok(mine.classpaths.includes(fixtureClasses()), mine.classpaths.join(':'));
    }
  },

  'VirtualMachine.DisposeObjects': async (w) => {
    // Fresh arrays, each handed to the debugger exactly once: disposing that one reference frees the ID on its
    // own node. (A refCnt above what the node handed out makes HotSpot's agent abort the JVM, so stay exact.)
    const intArray = await typeId(w.vm, '[I');
    const ids: ObjectID[] = [];
    for (const nv of w.nodes) {
      await focusOn(w, nv.n);
      ids.push((await w.vm.ArrayType.NewInstance(intArray as never, 2)).newArray.objectID);
    }
    assert.deepEqual(ids.map(slotOf), w.nodes.map((nv) => nv.slot));
    for (const id of ids) assert.equal((await w.vm.ArrayReference.Length(id as never)).arrayLength, 2);
    await w.vm.VirtualMachine.DisposeObjects(ids.map((object) => ({ object, refCnt: 1 })));
    for (const id of ids) await expectError(w.vm.ArrayReference.Length(id as never), 'INVALID_OBJECT', 'ArrayReference.Length');
  },

  'VirtualMachine.HoldEvents': async (w) => {
    const { whileHeld, afterRelease } = await heldRound(w);
    assert.equal(whileHeld, 0, 'no node may send events while they are held');
    assert.deepEqual(afterRelease, [1, 2]);
  },

  'VirtualMachine.ReleaseEvents': async (w) => {
    const { afterRelease } = await heldRound(w);
    assert.deepEqual(afterRelease, [1, 2], 'both nodes deliver their held events once released');
  },

  'VirtualMachine.RedefineClasses': async (w) => {
    const version = methodOf(w.probe, 'version');
    const versions = () => Promise.all(w.nodes.map((nv) => invokeStatic(w, nv.n, w.probe.id, version).then((v) => v.value)));
    assert.deepEqual(await versions(), [41, 41]);
    await w.vm.VirtualMachine.RedefineClasses([{ refType: w.probe.id, classfile: [...probeWithVersion(42)] }]);
    try {
      assert.deepEqual(await versions(), [42, 42], 'the hot swap reached every node that runs the class');
      const { bytes } = await w.vm.Method.Bytecodes(w.probe.id, version);
      assert.deepEqual(bytes.slice(0, 3), [0x10, 42, 0xac], 'Method.Bytecodes answers from the redefined class, not a stale cache');
    } finally {
      await w.vm.VirtualMachine.RedefineClasses([{ refType: w.probe.id, classfile: [...classFile('conform.Probe')] }]);
    }
    assert.deepEqual(await versions(), [41, 41]);
    await w.vm.VirtualMachine.RedefineClasses([{ refType: w.fixture.id, classfile: [...classFile('fixture.Fixture')] }]);
    const work = methodOf(w.fixture, 'work');
    assert.equal((await w.vm.Method.IsObsolete(w.fixture.id, work)).isObsolete, false);
    assert.deepEqual(await invokeStatic(w, 2, w.fixture.id, methodOf(w.fixture, 'add'), [int(2), int(3)]), { tag: T.INT, value: 5 });
  },

  'VirtualMachine.SetDefaultStratum': async (w) => {
    await w.vm.VirtualMachine.SetDefaultStratum('Java');
    await w.vm.VirtualMachine.SetDefaultStratum('');
    assert.equal((await w.vm.ReferenceType.SourceFile(w.fixture.id)).sourceFile, 'Fixture.java');
  },

  'VirtualMachine.AllClassesWithGeneric': async (w) => {
    const before = await directSignatures(w);
    const { classes } = await w.vm.VirtualMachine.AllClassesWithGeneric();
    await assertMergedClasses(w, classes, before);
    assert.match(classes.find((c) => c.signature === 'Ljava/util/ArrayList;')?.genericSignature ?? '', /^<E:Ljava\/lang\/Object;>/);
    assert.equal(classes.find((c) => c.signature === 'Lfixture/Fixture;')?.genericSignature, '');
  },

  'VirtualMachine.InstanceCounts': async (w) => {
    const { counts } = await w.vm.VirtualMachine.InstanceCounts([w.probe.id, w.lonely.id]);
    const perNode = await Promise.all(
      w.nodes.map(async (nv) => {
        const probe = await rawTypeOn(w, nv.n, 'Lconform/Probe;');
        return (await nv.link.client.VirtualMachine.InstanceCounts([probe])).counts[0];
      }),
    );
    const made = [...w.probes.values()].reduce((a, l) => a + l.length, 0);
    assert.deepEqual(counts, [BigInt(made), 1n], 'Probe instances of both nodes summed; Lonely only on node-2');
    assert.equal(perNode[0] + perNode[1], counts[0]);
  },

  'VirtualMachine.AllModules': async (w) => {
    const { modules } = await w.vm.VirtualMachine.AllModules();
    const names = await Promise.all(modules.map((m) => w.vm.ModuleReference.Name(m).then((r) => r.name)));
    for (const nv of w.nodes) {
      const own = (await nv.link.client.VirtualMachine.AllModules()).modules;
      const ownNames = await Promise.all(own.map((m) => nv.link.client.ModuleReference.Name(m).then((r) => r.name)));
      const mine = names.filter((_n, i) => slotOf(modules[i]) === nv.slot);
      assert.deepEqual(mine.sort(), ownNames.sort(), `${nv.name}'s modules`);
    }
    assert.ok(modules.every((m) => w.nodes.some((nv) => nv.slot === slotOf(m))));
  },

  'VirtualMachine.Exit': async (w) => {
    await expectError(w.vm.VirtualMachine.Exit(3), 'NOT_IMPLEMENTED', 'VirtualMachine.Exit');
    await new Promise((r) => setTimeout(r, 200));
    for (const nv of w.nodes) assert.equal(nv.jvm.process.exitCode, null, `${nv.name} exited`);
    assert.deepEqual((await w.vm.Fabric.Nodes()).nodes.map((n) => n.state), ['up', 'up']);
  },
};
