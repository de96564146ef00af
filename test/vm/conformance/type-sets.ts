// Scenarios of the type command sets: ReferenceType, ClassType, ArrayType, InterfaceType, Method,
// ClassObjectReference, ModuleReference and ClassLoaderReference (route-cached, focus, route, answer, merge).
import * as assert from 'node:assert/strict';
import type { ClassID, ReferenceTypeID } from '../../../jdwp/protocol/wire-types';
import { JDWP } from '../../../jdwp/registry';
import {
  BREAK_LINE,
  direct,
  expectError,
  fieldOf,
  focusOn,
  int,
  invokeInterface,
  invokeStatic,
  locals,
  MADE_UP_ID,
  methodOf,
  node,
  obj,
  objectOf,
  rawFieldOn,
  rawMethodOn,
  rawOf,
  SINGLE,
  rawTypeOn,
  sameTwice,
  slotOf,
  staticOn,
  T,
  text,
  typeId,
  typeView,
  virtualOf,
  type Scenario,
  type World,
} from './world';

const CS = JDWP.ClassStatus;
const ACC_PUBLIC = 0x1;

/** A made-up reference type ID the proxy never handed out. */
const MADE_UP_TYPE = 987_654_321n as ReferenceTypeID;

/** Signatures of raw types on a node. */
async function signaturesOn(w: World, n: number, types: Array<{ typeID: bigint }>): Promise<string[]> {
  return Promise.all(types.map((t) => direct(w, n).ReferenceType.Signature(t.typeID as ReferenceTypeID).then((r) => r.signature)));
}

/** Signatures of virtual types. */
async function signatures(w: World, types: Array<{ typeID: bigint }>): Promise<string[]> {
  return Promise.all(types.map((t) => w.vm.ReferenceType.Signature(t.typeID as ReferenceTypeID).then((r) => r.signature)));
}

/**
 * The route-cached rule for a type command: the same bytes twice, and the reply (projected without node IDs)
 * equal to what each node itself answers for the same symbol.
 */
async function assertCachedTypeReply(w: World, command: string, signature: string, project: (reply: any) => unknown, method?: string): Promise<any> {
  const type = await typeView(w.vm, signature);
  const out: Record<string, unknown> = { refType: type.id };
  if (method) out.methodID = methodOf(type, method);
  const mine = await sameTwice(w, command, out);
  for (const nv of w.nodes) {
    const raw: Record<string, unknown> = { refType: await rawTypeOn(w, nv.n, signature) };
    if (method) raw.methodID = (await rawMethodOn(w, nv.n, signature, method)).method;
    let theirs: unknown;
    try {
      theirs = await nv.link.client.call(command, raw as never);
    } catch (err) {
      theirs = { errorCode: (err as { errorCode?: number }).errorCode };
    }
    assert.deepEqual(project(mine), project(theirs), `${command} of ${signature}: the proxy and ${nv.name} differ`);
  }
  return mine;
}

/** Projects a field or method list to what does not depend on a node's IDs. */
function members(reply: { declared?: Array<Record<string, unknown>>; errorCode?: number }): unknown {
  if (!reply.declared) return reply;
  return reply.declared.map(({ name, signature, genericSignature, modBits }) => ({ name, signature, genericSignature, modBits }));
}

const same = (r: unknown) => r;

/** For each focus node, the focus rule: the proxy's answer (mapped by `mine`) equals the focus node's own (mapped by `theirs`). */
async function assertFromFocus<T>(w: World, mine: () => Promise<T>, theirs: (n: number) => Promise<T>, order = [2, 1]): Promise<void> {
  for (const n of order) {
    await focusOn(w, n);
    assert.deepEqual(await mine(), await theirs(n), `focus on node-${n}`);
  }
}

/** The scenarios of the type sets, by command. */
export const TYPE_SCENARIOS: Record<string, Scenario> = {
  'ReferenceType.Signature': async (w) => {
    assert.equal((await w.vm.ReferenceType.Signature(w.fixture.id)).signature, 'Lfixture/Fixture;');
    assert.equal((await w.vm.ReferenceType.Signature(w.lonely.id)).signature, 'Lconform/Lonely;');
    await expectError(w.vm.ReferenceType.Signature(MADE_UP_TYPE), 'INVALID_CLASS', 'ReferenceType.Signature');
  },

  'ReferenceType.ClassLoader': async (w) => {
    for (const n of [2, 1]) {
      await focusOn(w, n);
      const { classLoader } = await w.vm.ReferenceType.ClassLoader(w.fixture.id);
      assert.equal(slotOf(classLoader), node(w, n).slot, `focus on node-${n}: the loader of node-${n}`);
      const raw = await direct(w, n).ReferenceType.ClassLoader(await rawTypeOn(w, n, 'Lfixture/Fixture;'));
      assert.equal(classLoader, virtualOf(w, n, raw.classLoader));
    }
    assert.equal(slotOf((await w.vm.ReferenceType.ClassLoader(w.lonely.id)).classLoader), node(w, 2).slot, 'a type only node-2 runs: node-2 answers');
    assert.equal((await w.vm.ReferenceType.ClassLoader(await typeId(w.vm, 'Ljava/lang/String;'))).classLoader, 0n, 'the boot loader');
  },

  'ReferenceType.Modifiers': async (w) => {
    const { modBits } = await assertCachedTypeReply(w, 'ReferenceType.Modifiers', 'Lfixture/Fixture;', same);
    assert.equal(modBits & ACC_PUBLIC, ACC_PUBLIC);
  },

  'ReferenceType.Fields': async (w) => {
    const r = await assertCachedTypeReply(w, 'ReferenceType.Fields', 'Lfixture/Fixture;', members);
    assert.deepEqual(r.declared.map((f: { name: string }) => f.name).sort(), ['counter', 'greeting', 'id', 'name', 'next']);
    assert.deepEqual(r.declared.map((f: { fieldID: bigint }) => f.fieldID), [...w.fixture.fields.values()], 'virtual field IDs are stable');
  },

  'ReferenceType.Methods': async (w) => {
    const r = await assertCachedTypeReply(w, 'ReferenceType.Methods', 'Lfixture/Fixture;', members);
    for (const name of ['<init>', 'twice', 'add', 'work', 'main']) assert.ok(r.declared.some((m: { name: string }) => m.name === name), name);
  },

  'ReferenceType.GetValues': async (w) => {
    // Give each node its own counter (directly), so the answer shows which node spoke.
    for (const nv of w.nodes) {
      const { type, field } = await rawFieldOn(w, nv.n, 'Lfixture/Fixture;', 'counter');
      await nv.link.client.ClassType.SetValues(type as ClassID, [{ fieldID: field, value: int(1000 * nv.n) }]);
    }
    for (const n of [2, 1, 2]) assert.deepEqual(await staticOn(w, n, w.fixture, 'counter'), int(1000 * n), `focus on node-${n}`);
  },

  'ReferenceType.SourceFile': async (w) => {
    assert.equal((await assertCachedTypeReply(w, 'ReferenceType.SourceFile', 'Lfixture/Fixture;', same)).sourceFile, 'Fixture.java');
  },

  'ReferenceType.NestedTypes': async (w) => {
    await assertFromFocus(
      w,
      async () => (await signatures(w, (await w.vm.ReferenceType.NestedTypes(w.probe.id)).classes)).sort(),
      async (n) => (await signaturesOn(w, n, (await direct(w, n).ReferenceType.NestedTypes(await rawTypeOn(w, n, 'Lconform/Probe;'))).classes)).sort(),
    );
    assert.deepEqual((await signatures(w, (await w.vm.ReferenceType.NestedTypes(w.probe.id)).classes)).sort(), ['Lconform/Probe$Holder;', 'Lconform/Probe$Shape;']);
  },

  'ReferenceType.Status': async (w) => {
    await assertFromFocus(
      w,
      async () => (await w.vm.ReferenceType.Status(w.fixture.id)).status,
      async (n) => (await direct(w, n).ReferenceType.Status(await rawTypeOn(w, n, 'Lfixture/Fixture;'))).status,
    );
    assert.equal((await w.vm.ReferenceType.Status(w.fixture.id)).status & CS.INITIALIZED, CS.INITIALIZED);
    await focusOn(w, 1);
    assert.equal((await w.vm.ReferenceType.Status(w.lonely.id)).status, (await direct(w, 2).ReferenceType.Status(await rawTypeOn(w, 2, 'Lconform/Lonely;'))).status);
  },

  'ReferenceType.Interfaces': async (w) => {
    await assertFromFocus(
      w,
      async () => signatures(w, (await w.vm.ReferenceType.Interfaces(w.probe.id)).interfaces.map((typeID) => ({ typeID }))),
      async (n) => signaturesOn(w, n, (await direct(w, n).ReferenceType.Interfaces(await rawTypeOn(w, n, 'Lconform/Probe;'))).interfaces.map((typeID) => ({ typeID }))),
    );
    assert.deepEqual(await signatures(w, (await w.vm.ReferenceType.Interfaces(w.probe.id)).interfaces.map((typeID) => ({ typeID }))), ['Ljava/lang/Runnable;']);
  },

  'ReferenceType.ClassObject': async (w) => {
    for (const n of [2, 1]) {
      await focusOn(w, n);
      const { classObject } = await w.vm.ReferenceType.ClassObject(w.fixture.id);
      assert.equal(slotOf(classObject), node(w, n).slot, `focus on node-${n}: the class object of node-${n}`);
      const raw = await direct(w, n).ReferenceType.ClassObject(await rawTypeOn(w, n, 'Lfixture/Fixture;'));
      assert.equal(classObject, virtualOf(w, n, raw.classObject));
    }
  },

  'ReferenceType.SourceDebugExtension': async (w) => {
    const r = await assertCachedTypeReply(w, 'ReferenceType.SourceDebugExtension', 'Lfixture/Fixture;', same);
    assert.equal(r.errorCode, JDWP.Error.ABSENT_INFORMATION, 'javac writes no SourceDebugExtension');
  },

  'ReferenceType.SignatureWithGeneric': async (w) => {
    const r = await assertCachedTypeReply(w, 'ReferenceType.SignatureWithGeneric', 'Ljava/util/ArrayList;', same);
    assert.equal(r.signature, 'Ljava/util/ArrayList;');
    assert.match(r.genericSignature, /^<E:Ljava\/lang\/Object;>/);
  },

  'ReferenceType.FieldsWithGeneric': async (w) => {
    const r = await assertCachedTypeReply(w, 'ReferenceType.FieldsWithGeneric', 'Lconform/Probe;', members);
    assert.equal(r.declared.find((f: { name: string }) => f.name === 'names')?.genericSignature, 'Ljava/util/List<Ljava/lang/String;>;');
  },

  'ReferenceType.MethodsWithGeneric': async (w) => {
    const r = await assertCachedTypeReply(w, 'ReferenceType.MethodsWithGeneric', 'Lconform/Probe;', members);
    assert.equal(r.declared.find((m: { name: string }) => m.name === 'first')?.genericSignature, '<T:Ljava/lang/Object;>(Ljava/util/List<TT;>;)TT;');
  },

  'ReferenceType.Instances': async (w) => {
    const { instances } = await w.vm.ReferenceType.Instances(w.probe.id, 0);
    const made = [...w.probes.values()].flat();
    assert.deepEqual(instances.map((i) => i.objectID).sort(), [...made].sort(), 'the instances of both nodes');
    assert.deepEqual(instances.map((i) => slotOf(i.objectID)).sort(), made.map(slotOf).sort());
    assert.equal((await w.vm.ReferenceType.Instances(w.probe.id, 2)).instances.length, 2, 'maxInstances counts across the cluster');
    assert.deepEqual((await w.vm.ReferenceType.Instances(w.lonely.id, 0)).instances.map((i) => i.objectID), [w.lonelyInstance]);
  },

  'ReferenceType.ClassFileVersion': async (w) => {
    const r = await assertCachedTypeReply(w, 'ReferenceType.ClassFileVersion', 'Lfixture/Fixture;', same);
    assert.ok(r.majorVersion >= 61, `major ${r.majorVersion}`);
  },

  'ReferenceType.ConstantPool': async (w) => {
    const r = await assertCachedTypeReply(w, 'ReferenceType.ConstantPool', 'Lfixture/Fixture;', same);
    assert.ok(r.count > 10 && r.bytes.length > 100, `${r.count} entries, ${r.bytes.length} bytes`);
  },

  'ReferenceType.Module': async (w) => {
    const string = await typeId(w.vm, 'Ljava/lang/String;');
    for (const n of [2, 1]) {
      await focusOn(w, n);
      const { module } = await w.vm.ReferenceType.Module(w.fixture.id);
      assert.equal(slotOf(module), node(w, n).slot, `focus on node-${n}: the module of node-${n}`);
      assert.equal(module, virtualOf(w, n, (await direct(w, n).ReferenceType.Module(await rawTypeOn(w, n, 'Lfixture/Fixture;'))).module));
      assert.equal(slotOf((await w.vm.ReferenceType.Module(string)).module), node(w, n).slot);
    }
  },

  'ClassType.Superclass': async (w) => {
    await assertFromFocus(
      w,
      async () => (await w.vm.ReferenceType.Signature((await w.vm.ClassType.Superclass(w.fixture.id as ClassID)).superclass)).signature,
      async (n) => (await direct(w, n).ReferenceType.Signature((await direct(w, n).ClassType.Superclass((await rawTypeOn(w, n, 'Lfixture/Fixture;')) as ClassID)).superclass)).signature,
    );
    const object = await w.vm.ClassType.Superclass(w.fixture.id as ClassID);
    assert.equal((await w.vm.ReferenceType.Signature(object.superclass)).signature, 'Ljava/lang/Object;');
    assert.equal((await w.vm.ClassType.Superclass(object.superclass)).superclass, 0n);
  },

  'ClassType.SetValues': async (w) => {
    const greeting = fieldOf(w.fixture, 'greeting');
    for (const nv of w.nodes) {
      await focusOn(w, nv.n);
      const { stringObject } = await w.vm.VirtualMachine.CreateString(`greeting of ${nv.name}`);
      await w.vm.ClassType.SetValues(w.fixture.id as ClassID, [{ fieldID: greeting, value: { tag: T.STRING, value: stringObject } }]);
    }
    for (const nv of w.nodes) {
      const { type, field } = await rawFieldOn(w, nv.n, 'Lfixture/Fixture;', 'greeting');
      const { values } = await nv.link.client.ReferenceType.GetValues(type, [{ fieldID: field }]);
      assert.equal(await text(nv.link.client, objectOf(values[0])), `greeting of ${nv.name}`, `${nv.name} holds its own value`);
    }
    // A value of node 2 set while node 1 is the focus goes to no node: the static lives on the focus node.
    const { str } = await locals(w, 2, ['str']);
    await focusOn(w, 1);
    await expectError(w.vm.ClassType.SetValues(w.fixture.id as ClassID, [{ fieldID: greeting, value: str }]), 'INVALID_OBJECT', 'ClassType.SetValues');
    const { type, field } = await rawFieldOn(w, 2, 'Lfixture/Fixture;', 'greeting');
    const { values } = await node(w, 2).link.client.ReferenceType.GetValues(type, [{ fieldID: field }]);
    assert.equal(await text(node(w, 2).link.client, objectOf(values[0])), `greeting of ${node(w, 2).name}`, 'node-2 unchanged');
  },

  'ClassType.InvokeMethod': async (w) => {
    const thread = await typeView(w.vm, 'Ljava/lang/Thread;');
    const current = methodOf(thread, 'currentThread()Ljava/lang/Thread;');
    for (const nv of w.nodes) {
      const v = await invokeStatic(w, nv.n, thread.id, current);
      assert.equal(v.value, nv.main, `Thread.currentThread() ran on ${nv.name}'s main thread`);
      assert.deepEqual(await invokeStatic(w, nv.n, w.fixture.id, methodOf(w.fixture, 'add'), [int(20), int(22)]), int(42));
    }
    const string = await typeView(w.vm, 'Ljava/lang/String;');
    const valueOf = methodOf(string, 'valueOf(Ljava/lang/Object;)Ljava/lang/String;');
    await expectError(
      w.vm.ClassType.InvokeMethod(string.id as ClassID, node(w, 1).main, valueOf, [obj(w.probes.get(2)![0])], SINGLE),
      'INVALID_OBJECT',
      'ClassType.InvokeMethod',
    );
    await expectError(w.vm.ClassType.InvokeMethod(string.id as ClassID, MADE_UP_ID as never, valueOf, [obj(0n)], SINGLE), 'INVALID_THREAD', 'ClassType.InvokeMethod');
  },

  'ClassType.NewInstance': async (w) => {
    const counts = () => Promise.all(w.nodes.map(async (nv) => (await nv.link.client.VirtualMachine.InstanceCounts([await rawTypeOn(w, nv.n, 'Lconform/Probe;')])).counts[0]));
    const before = await counts();
    const r = await w.vm.ClassType.NewInstance(w.probe.id as ClassID, node(w, 1).main, methodOf(w.probe, '<init>()V'), [], SINGLE);
    assert.equal(r.exception.objectID, 0n);
    const made = r.newObject.objectID;
    await w.vm.ObjectReference.DisableCollection(made);
    w.probes.get(1)!.push(made);
    assert.equal(slotOf(made), node(w, 1).slot, 'made on the node of the thread');
    assert.equal((await w.vm.ObjectReference.ReferenceType(made)).typeID, w.probe.id);
    assert.deepEqual(await counts(), [before[0] + 1n, before[1]]);
    await expectError(
      w.vm.ClassType.NewInstance(w.lonely.id as ClassID, node(w, 1).main, methodOf(w.lonely, '<init>()V'), [], SINGLE),
      'INVALID_CLASS',
      'ClassType.NewInstance',
    );
  },

  'ArrayType.NewInstance': async (w) => {
    const intArray = await typeId(w.vm, '[I');
    for (const n of [2, 1]) {
      await focusOn(w, n);
      const { newArray } = await w.vm.ArrayType.NewInstance(intArray as never, 4);
      assert.equal(slotOf(newArray.objectID), node(w, n).slot, `focus on node-${n}: made on node-${n}`);
      assert.equal((await w.vm.ArrayReference.Length(newArray.objectID as never)).arrayLength, 4);
      assert.deepEqual((await direct(w, n).ArrayReference.GetValues(rawOf(w, n, newArray.objectID) as never, 0, 4)).values.values.map((v) => v.value), [0, 0, 0, 0]);
    }
  },

  'InterfaceType.InvokeMethod': async (w) => {
    const pid = methodOf(w.shape, 'pid');
    for (const nv of w.nodes) {
      const v = await invokeInterface(w, nv.n, w.shape.id, pid);
      assert.deepEqual(v, { tag: T.LONG, value: BigInt(nv.jvm.process.pid!) }, `ran in ${nv.name}'s process`);
    }
  },

  'Method.LineTable': async (w) => {
    const r = await assertCachedTypeReply(w, 'Method.LineTable', 'Lfixture/Fixture;', same, 'work');
    assert.ok(r.lines.some((l: { lineNumber: number }) => l.lineNumber === BREAK_LINE), `work() has code at BREAK_LINE (${BREAK_LINE})`);
  },

  'Method.VariableTable': async (w) => {
    const r = await assertCachedTypeReply(w, 'Method.VariableTable', 'Lfixture/Fixture;', same, 'work');
    const names = r.slots.map((s: { name: string }) => s.name);
    for (const name of ['round', 'z', 'b', 'c', 's', 'i', 'l', 'f', 'd', 'str', 'arr', 'obj', 'list', 'map']) assert.ok(names.includes(name), name);
  },

  'Method.Bytecodes': async (w) => {
    const r = await assertCachedTypeReply(w, 'Method.Bytecodes', 'Lfixture/Fixture;', same, 'work');
    assert.ok(r.bytes.length > 50);
  },

  'Method.IsObsolete': async (w) => {
    const work = methodOf(w.fixture, 'work');
    await assertFromFocus(
      w,
      async () => (await w.vm.Method.IsObsolete(w.fixture.id, work)).isObsolete,
      async (n) => {
        const raw = await rawMethodOn(w, n, 'Lfixture/Fixture;', 'work');
        return (await direct(w, n).Method.IsObsolete(raw.type, raw.method)).isObsolete;
      },
    );
    assert.equal((await w.vm.Method.IsObsolete(w.fixture.id, work)).isObsolete, false);
    await expectError(w.vm.Method.IsObsolete(w.fixture.id, 987_654_321n as never), 'INVALID_METHODID', 'Method.IsObsolete');
  },

  'Method.VariableTableWithGeneric': async (w) => {
    const r = await assertCachedTypeReply(w, 'Method.VariableTableWithGeneric', 'Lfixture/Fixture;', same, 'work');
    const generic = (name: string) => r.slots.find((s: { name: string }) => s.name === name)?.genericSignature;
    assert.equal(generic('list'), 'Ljava/util/List<Ljava/lang/String;>;');
    assert.equal(generic('map'), 'Ljava/util/Map<Ljava/lang/String;Ljava/lang/Integer;>;');
  },

  'ClassObjectReference.ReflectedType': async (w) => {
    for (const nv of w.nodes) {
      await focusOn(w, nv.n);
      for (const t of [w.fixture, w.probe]) {
        const { classObject } = await w.vm.ReferenceType.ClassObject(t.id);
        assert.deepEqual(await w.vm.ClassObjectReference.ReflectedType(classObject), { refTypeTag: JDWP.TypeTag.CLASS, typeID: t.id });
      }
    }
    await expectError(w.vm.ClassObjectReference.ReflectedType(MADE_UP_ID as never), 'INVALID_OBJECT', 'ClassObjectReference.ReflectedType');
  },

  'ModuleReference.Name': async (w) => {
    const string = await typeId(w.vm, 'Ljava/lang/String;');
    for (const nv of w.nodes) {
      await focusOn(w, nv.n);
      assert.equal((await w.vm.ModuleReference.Name((await w.vm.ReferenceType.Module(string)).module)).name, 'java.base');
      assert.equal((await w.vm.ModuleReference.Name((await w.vm.ReferenceType.Module(w.fixture.id)).module)).name, '', 'the unnamed module');
    }
    await expectError(w.vm.ModuleReference.Name(MADE_UP_ID as never), 'INVALID_MODULE', 'ModuleReference.Name');
  },

  'ModuleReference.ClassLoader': async (w) => {
    const string = await typeId(w.vm, 'Ljava/lang/String;');
    for (const nv of w.nodes) {
      await focusOn(w, nv.n);
      const unnamed = (await w.vm.ReferenceType.Module(w.fixture.id)).module;
      assert.equal((await w.vm.ModuleReference.ClassLoader(unnamed)).classLoader, nv.loader, `${nv.name}: the app loader of ${nv.name}`);
      assert.equal((await w.vm.ModuleReference.ClassLoader((await w.vm.ReferenceType.Module(string)).module)).classLoader, 0n, 'java.base: the boot loader');
    }
    await expectError(w.vm.ModuleReference.ClassLoader(MADE_UP_ID as never), 'INVALID_MODULE', 'ModuleReference.ClassLoader');
  },

  'ClassLoaderReference.VisibleClasses': async (w) => {
    for (const nv of w.nodes) {
      const { classes } = await w.vm.ClassLoaderReference.VisibleClasses(nv.loader);
      const ids = new Set(classes.map((c) => c.typeID));
      assert.ok(ids.has(w.fixture.id) && ids.has(w.probe.id), `${nv.name}: its loader sees the fixture and the probe`);
      assert.equal(ids.has(w.lonely.id), nv.n === 2, `${nv.name}: only node-2's loader has loaded Lonely`);
      const theirs = await nv.link.client.ClassLoaderReference.VisibleClasses(rawOf(w, nv.n, nv.loader) as never);
      assert.equal(classes.length, theirs.classes.length, `${nv.name}: as many as the node itself lists`);
    }
    await expectError(w.vm.ClassLoaderReference.VisibleClasses(MADE_UP_ID as never), 'INVALID_CLASS_LOADER', 'ClassLoaderReference.VisibleClasses');
  },
};

