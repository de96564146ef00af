// The shared stage of the rule-conformance test: two fixture nodes behind a virtual VM, each node's main thread
// stopped at BREAK_LINE, the conform.* probe classes loaded through the debugger (instances, threads, and a class
// only node-2 runs), and a direct view of every node through the proxy's own connection to it, which serves as
// the oracle: what the node alone says.
import * as assert from 'node:assert/strict';
import type { JdwpClient } from '../../../jdwp/client/client';
import type {
  ClassID,
  ClassLoaderID,
  FieldID,
  FrameID,
  InterfaceID,
  Location,
  MethodID,
  ObjectID,
  ReferenceTypeID,
  ThreadID,
  Value,
} from '../../../jdwp/protocol/wire-types';
import { JdwpReplyError } from '../../../jdwp/errors';
import type { Jvm } from '../../../jdwp/launch/java';
import { commandByName, JDWP } from '../../../jdwp/registry';
import type { Event_Composite_Event, Event_Composite_Events } from '../../../jdwp/protocol/spec-types';
import { NODE_STRIDE, slotOf } from '../../../jdwp/vm/ids';
import type { NodeLink } from '../../../jdwp/vm/node-link';
import { lineOf } from '../../support/fixtures';
import { attachAfterDebugger, sleep, startNodes, startProxy, type ProxyUnderTest } from '../support';

export const BREAK_LINE = lineOf('fixture/Fixture.java', 'BREAK_LINE');
export const K = JDWP.EventKind;
export const P = JDWP.SuspendPolicy;
export const T = JDWP.Tag;
/**
 * Invoke options of every invoke here: only the invoking thread runs. (Without it HotSpot resumes every thread for
 * the invoke and suspends them all afterwards, leaving threads that were running suspended.)
 */
export const SINGLE = JDWP.InvokeOptions.INVOKE_SINGLE_THREADED;
/** EventRequest modifier kinds used here. */
export const MOD = { ThreadOnly: 3, ClassOnly: 4, LocationOnly: 7 } as const;

/** An object ID of slot 9, which no node ever gets in this test: a made-up ID. */
export const MADE_UP_ID = 9n * NODE_STRIDE + 4242n;

export { slotOf };

/** One node as the test sees it: its virtual IDs through the proxy, and the node itself through `link`. */
export interface NodeView {
  /** 1 for node-1. */
  n: number;
  name: string;
  slot: number;
  jvm: Jvm;
  /** The proxy's connection to the node: the oracle of what the node alone answers (raw IDs). */
  link: NodeLink;
  /** The main thread, stopped at BREAK_LINE (virtual ID). */
  main: ThreadID;
  /** The app class loader (virtual ID). */
  loader: ClassLoaderID;
}

/** A type with its methods and fields by name, as the debugger sees it through the proxy. */
export interface TypeView {
  id: ReferenceTypeID;
  signature: string;
  methods: Map<string, MethodID>;
  fields: Map<string, FieldID>;
}

/** Everything the scenarios share. */
export interface World {
  proxy: ProxyUnderTest;
  /** The debugger: a typed client attached to the proxy. */
  vm: JdwpClient;
  nodes: NodeView[];
  fixture: TypeView;
  probe: TypeView;
  shape: TypeView;
  /** conform.Probe$Holder, whose run() holds its own monitor on the conform-holder threads. */
  holder: TypeView;
  lonely: TypeView;
  /** Probe instances made through the debugger, pinned, per node index (1-based). */
  probes: Map<number, ObjectID[]>;
  /** The one conform.Lonely instance (node-2), pinned. */
  lonelyInstance: ObjectID;
}

/** The node with the given 1-based index. */
export function node(w: World, n: number): NodeView {
  return w.nodes[n - 1];
}

/** The node's own client (raw IDs). */
export function direct(w: World, n: number): JdwpClient {
  return node(w, n).link.client;
}

/** A node's raw ID seen through the proxy: the virtual ID the debugger gets for it. */
export function virtualOf(w: World, n: number, raw: bigint): bigint {
  return node(w, n).link.ids.toVirtual(raw);
}

/** The raw ID on its node behind a virtual object ID. */
export function rawOf(w: World, n: number, virtual: bigint): bigint {
  const raw = node(w, n).link.ids.toRaw(virtual);
  assert.ok(raw !== undefined, `${virtual} is not an ID of node-${n}`);
  return raw;
}

/** Makes node n the focus node: the debugger addresses its main thread. */
export async function focusOn(w: World, n: number): Promise<void> {
  await w.vm.ThreadReference.Name(node(w, n).main);
}

/** The one virtual type with this signature. */
export async function typeId(vm: JdwpClient, signature: string): Promise<ReferenceTypeID> {
  const { classes } = await vm.VirtualMachine.ClassesBySignature(signature);
  assert.equal(classes.length, 1, `${signature}: ${classes.length} types`);
  return classes[0].typeID;
}

/** A type with its declared methods ("name" or "name(sig)ret") and fields. */
export async function typeView(vm: JdwpClient, signature: string): Promise<TypeView> {
  const id = await typeId(vm, signature);
  const [{ declared: methods }, { declared: fields }] = await Promise.all([vm.ReferenceType.Methods(id), vm.ReferenceType.Fields(id)]);
  const m = new Map<string, MethodID>();
  for (const x of methods) {
    m.set(x.name + x.signature, x.methodID);
    if (!m.has(x.name)) m.set(x.name, x.methodID);
  }
  return { id, signature, methods: m, fields: new Map(fields.map((f) => [f.name, f.fieldID])) };
}

/** A method of a type view, by name or name+signature. */
export function methodOf(t: TypeView, key: string): MethodID {
  const id = t.methods.get(key);
  assert.ok(id !== undefined, `${t.signature} has no method ${key}`);
  return id;
}

/** A field of a type view. */
export function fieldOf(t: TypeView, name: string): FieldID {
  const id = t.fields.get(name);
  assert.ok(id !== undefined, `${t.signature} has no field ${name}`);
  return id;
}

/** The raw type ID of a signature on one node, asked of the node itself. */
export async function rawTypeOn(w: World, n: number, signature: string): Promise<ReferenceTypeID> {
  const { classes } = await direct(w, n).VirtualMachine.ClassesBySignature(signature);
  assert.equal(classes.length, 1, `node-${n} has ${classes.length} types ${signature}`);
  return classes[0].typeID;
}

/** The raw method ID of a method on one node, asked of the node itself. */
export async function rawMethodOn(w: World, n: number, signature: string, name: string): Promise<{ type: ReferenceTypeID; method: MethodID }> {
  const type = await rawTypeOn(w, n, signature);
  const { declared } = await direct(w, n).ReferenceType.Methods(type);
  const m = declared.find((x) => x.name === name);
  assert.ok(m, `node-${n}: ${signature} has no method ${name}`);
  return { type, method: m.methodID };
}

/** The raw field ID of a field on one node, asked of the node itself. */
export async function rawFieldOn(w: World, n: number, signature: string, name: string): Promise<{ type: ReferenceTypeID; field: FieldID }> {
  const type = await rawTypeOn(w, n, signature);
  const { declared } = await direct(w, n).ReferenceType.Fields(type);
  const f = declared.find((x) => x.name === name);
  assert.ok(f, `node-${n}: ${signature} has no field ${name}`);
  return { type, field: f.fieldID };
}

/**
 * Rejects unless the promise fails with this JDWP error. An INVALID_* error must also be one the spec lists for
 * the command (the lists leave out the errors any command may answer, such as NOT_IMPLEMENTED).
 */
export async function expectError(promise: Promise<unknown>, errorName: string, command?: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof JdwpReplyError, `expected JDWP error ${errorName}, got ${String(e)}`);
    assert.equal(e.errorName, errorName);
    return true;
  });
  if (command && errorName.startsWith('INVALID_')) {
    const listed = commandByName(command).spec.errors;
    assert.ok(listed.includes(errorName), `${errorName} is not among the errors the spec lists for ${command}: ${listed.join(', ')}`);
  }
}

/** The value of a tagged object as an ObjectID. */
export function objectOf(v: Value): ObjectID {
  assert.equal(typeof v.value, 'bigint', `not an object value: ${JSON.stringify(v, big)}`);
  return v.value as ObjectID;
}

/** A JSON replacer that prints bigints. */
export function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}

/** An object argument. */
export function obj(id: bigint): Value {
  return { tag: T.OBJECT, value: id as ObjectID };
}

/** An int argument. */
export function int(v: number): Value {
  return { tag: T.INT, value: v };
}

/** Invokes a static method of a class on a node's main thread; fails on an exception thrown in the target. */
export async function invokeStatic(w: World, n: number, clazz: ReferenceTypeID, method: MethodID, args: Value[] = []): Promise<Value> {
  const r = await w.vm.ClassType.InvokeMethod(clazz as ClassID, node(w, n).main, method, args, SINGLE);
  assert.equal(r.exception.objectID, 0n, `the invoked method threw on node-${n}`);
  return r.returnValue;
}

/** Invokes a static interface method on a node's main thread. */
export async function invokeInterface(w: World, n: number, iface: ReferenceTypeID, method: MethodID, args: Value[] = []): Promise<Value> {
  const r = await w.vm.InterfaceType.InvokeMethod(iface as InterfaceID, node(w, n).main, method, args, SINGLE);
  assert.equal(r.exception.objectID, 0n, `the invoked method threw on node-${n}`);
  return r.returnValue;
}

/** Runs System.gc() on a node. */
export async function collectGarbage(w: World, n: number): Promise<void> {
  const system = await typeView(w.vm, 'Ljava/lang/System;');
  await invokeStatic(w, n, system.id, methodOf(system, 'gc()V'));
}

/** The top frame of a node's main thread, fetched fresh (frame IDs do not survive a resume or an invoke). */
export async function topFrame(w: World, n: number): Promise<{ frameID: FrameID; location: Location }> {
  const { frames } = await w.vm.ThreadReference.Frames(node(w, n).main, 0, 1);
  assert.equal(frames.length, 1);
  return frames[0];
}

/** The locals of work() at BREAK_LINE on a node's main thread, by name. */
export async function locals(w: World, n: number, names: string[]): Promise<Record<string, Value>> {
  const { slots } = await w.vm.Method.VariableTable(w.fixture.id, methodOf(w.fixture, 'work'));
  const wanted = names.map((name) => {
    const s = slots.find((x) => x.name === name);
    assert.ok(s, `work() has no local ${name}`);
    return s;
  });
  const frame = await topFrame(w, n);
  const { values } = await w.vm.StackFrame.GetValues(
    node(w, n).main,
    frame.frameID,
    wanted.map((s) => ({ slot: s.slot, sigbyte: s.signature.charCodeAt(0) === 0x5b ? T.ARRAY : s.signature.charCodeAt(0) })),
  );
  return Object.fromEntries(names.map((name, i) => [name, values[i]]));
}

/** The text of a string object. */
export async function text(vm: JdwpClient, id: bigint): Promise<string> {
  return (await vm.StringReference.Value(id as ObjectID)).stringValue;
}

/** Every thread of the virtual VM by its proxied name ("[node-1] main"). */
export async function threadsByName(vm: JdwpClient): Promise<Map<string, ThreadID>> {
  const { threads } = await vm.VirtualMachine.AllThreads();
  const names = await Promise.all(threads.map((t) => vm.ThreadReference.Name(t).then((r) => r.threadName)));
  return new Map(names.map((name, i) => [name, threads[i]]));
}

/** A node's thread by its own name. */
export async function threadOf(w: World, n: number, name: string): Promise<ThreadID> {
  const t = (await threadsByName(w.vm)).get(`[${node(w, n).name}] ${name}`);
  assert.ok(t !== undefined, `node-${n} has no thread ${name}`);
  return t;
}

/** A static field's value on one node, read through the proxy with that node in focus. */
export async function staticOn(w: World, n: number, type: TypeView, field: string): Promise<Value> {
  await focusOn(w, n);
  const { values } = await w.vm.ReferenceType.GetValues(type.id, [{ fieldID: fieldOf(type, field) }]);
  return values[0];
}

/** Collects the debugger's events of one request while `during` runs, and for `settleMs` after. */
export async function eventsOf(vm: JdwpClient, requestID: number, during: () => Promise<unknown>, settleMs = 300): Promise<Event_Composite_Events[]> {
  const seen: Event_Composite_Events[] = [];
  const on = (e: Event_Composite_Event) => seen.push(...e.events.filter((ev) => ev.requestID === requestID));
  vm.on('event', on);
  try {
    await during();
    await sleep(settleMs);
  } finally {
    vm.removeListener('event', on);
  }
  return seen;
}

/** Collects the breakpoint events each node itself sends the proxy in a method, while `during` runs. */
export async function rawBreakpointsIn(w: World, signature: string, method: string, during: () => Promise<unknown>, settleMs = 300): Promise<Map<number, number>> {
  const targets = await Promise.all(w.nodes.map((nv) => rawMethodOn(w, nv.n, signature, method)));
  const hits = new Map<number, number>(w.nodes.map((nv) => [nv.n, 0]));
  const listeners = w.nodes.map((nv, i) => {
    const on = (e: Event_Composite_Event) => {
      for (const ev of e.events) {
        if (ev.eventKind === K.BREAKPOINT && ev.location.methodID === targets[i].method) hits.set(nv.n, hits.get(nv.n)! + 1);
      }
    };
    nv.link.client.on('event', on);
    return () => nv.link.client.removeListener('event', on);
  });
  try {
    await during();
    await sleep(settleMs);
  } finally {
    listeners.forEach((off) => off());
  }
  return hits;
}

/** The node index of a proxied thread name ("[node-2] main" gives 2). */
export async function nodeOfThread(w: World, thread: bigint): Promise<number> {
  const { threadName } = await w.vm.ThreadReference.Name(thread as ThreadID);
  const nv = w.nodes.find((x) => threadName.startsWith(`[${x.name}] `));
  assert.ok(nv, `thread ${threadName} names no node`);
  return nv.n;
}

/** Waits until `check` holds, polling; fails with `what` after timeoutMs. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Starts 2 fixture nodes and the proxy, stops both main threads at BREAK_LINE and loads the probe classes. */
export async function startWorld(jvms: Jvm[]): Promise<World> {
  await startNodes(jvms, 2);
  const proxy = await startProxy(jvms);
  try {
    const vm = await attachAfterDebugger(proxy.vm);
    const fixture = await typeView(vm, 'Lfixture/Fixture;');
    const mains = await stopAtBreakLine(vm, fixture);
    const { nodes: entries } = await vm.Fabric.Nodes();
    const nodes: NodeView[] = [];
    for (const [i, jvm] of jvms.entries()) {
      const name = `node-${i + 1}`;
      const entry = entries.find((e) => e.name === name);
      const link = proxy.vm.cluster.live().find((l) => l.name === name);
      assert.ok(entry && link, `${name} is not up`);
      const main = mains.get(name);
      assert.ok(main !== undefined, `${name} did not stop at BREAK_LINE`);
      // The app loader as the node itself names it, so the stage does not lean on the focus rule it tests.
      const { classes } = await link.client.VirtualMachine.ClassesBySignature(fixture.signature);
      const { classLoader } = await link.client.ReferenceType.ClassLoader(classes[0].typeID);
      nodes.push({ n: i + 1, name, slot: entry.slot, jvm, link, main, loader: link.ids.toVirtual(classLoader) as ClassLoaderID });
    }
    const partial = { proxy, vm, nodes, fixture } as World;
    await loadProbeClasses(partial);
    const w: World = {
      ...partial,
      probe: await typeView(vm, 'Lconform/Probe;'),
      shape: await typeView(vm, 'Lconform/Probe$Shape;'),
      holder: undefined as unknown as TypeView,
      lonely: await typeView(vm, 'Lconform/Lonely;'),
      probes: new Map(),
      lonelyInstance: 0n as ObjectID,
    };
    for (const n of [1, 2]) await invokeStatic(w, n, w.probe.id, methodOf(w.probe, 'startThreads'));
    w.holder = await typeView(vm, 'Lconform/Probe$Holder;');
    for (const [n, count] of [[1, 1], [2, 2]]) {
      w.probes.set(n, []);
      for (let i = 0; i < count; i++) w.probes.get(n)!.push(await newPinned(w, n, w.probe));
    }
    w.lonelyInstance = await newPinned(w, 2, w.lonely);
    return w;
  } catch (err) {
    await proxy.close();
    throw err;
  }
}

/** A new instance of a class made on a node's main thread with its no-argument constructor, pinned against collection. */
export async function newPinned(w: World, n: number, type: TypeView): Promise<ObjectID> {
  const r = await w.vm.ClassType.NewInstance(type.id as ClassID, node(w, n).main, methodOf(type, '<init>()V'), [], SINGLE);
  assert.equal(r.exception.objectID, 0n, `new ${type.signature} threw on node-${n}`);
  await w.vm.ObjectReference.DisableCollection(r.newObject.objectID);
  return r.newObject.objectID;
}

/** Sets a breakpoint at BREAK_LINE that suspends its thread and waits until both nodes' main threads hit it. */
async function stopAtBreakLine(vm: JdwpClient, fixture: TypeView): Promise<Map<string, ThreadID>> {
  const work = methodOf(fixture, 'work');
  const { lines } = await vm.Method.LineTable(fixture.id, work);
  const at = lines.filter((l) => l.lineNumber === BREAK_LINE);
  assert.ok(at.length > 0, `no code at line ${BREAK_LINE}`);
  const index = at.reduce((a, b) => (a.lineCodeIndex <= b.lineCodeIndex ? a : b)).lineCodeIndex;
  const stopped = new Map<string, ThreadID>();
  let done!: () => void;
  const both = new Promise<void>((resolve) => (done = resolve));
  let requestID = -1;
  const on = (e: Event_Composite_Event) => {
    for (const ev of e.events) {
      if (ev.eventKind !== K.BREAKPOINT || ev.requestID !== requestID) continue;
      void vm.ThreadReference.Name(ev.thread).then(({ threadName }) => {
        const name = /^\[([^\]]+)\] main$/.exec(threadName)?.[1];
        if (name) stopped.set(name, ev.thread);
        if (stopped.size === 2) done();
      });
    }
  };
  vm.on('event', on);
  try {
    ({ requestID } = await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [
      { modKind: MOD.LocationOnly, loc: { typeTag: JDWP.TypeTag.CLASS, classID: fixture.id as ClassID, methodID: work, index } },
    ]));
    await Promise.race([both, sleep(15_000).then(() => assert.fail(`only ${[...stopped.keys()].join(', ')} stopped at BREAK_LINE`))]);
  } finally {
    vm.removeListener('event', on);
    if (requestID >= 0) await vm.EventRequest.Clear(K.BREAKPOINT, requestID);
  }
  return stopped;
}

/** Loads (and initializes) a class on a node with Class.forName, on its main thread. */
export async function loadClass(w: World, n: number, binaryName: string): Promise<void> {
  const klass = await typeView(w.vm, 'Ljava/lang/Class;');
  const forName = methodOf(klass, 'forName(Ljava/lang/String;ZLjava/lang/ClassLoader;)Ljava/lang/Class;');
  const { stringObject } = await w.vm.VirtualMachine.CreateString(binaryName);
  await invokeStatic(w, n, klass.id, forName, [obj(stringObject), { tag: T.BOOLEAN, value: true }, obj(node(w, n).loader)]);
}

/** Loads conform.Probe and conform.Probe$Shape on both nodes and conform.Lonely on node-2 only. */
async function loadProbeClasses(w: World): Promise<void> {
  for (const n of [1, 2]) for (const name of ['conform.Probe', 'conform.Probe$Shape']) await loadClass(w, n, name);
  await loadClass(w, 2, 'conform.Lonely');
}

/** One command's scenario: exercises it through the proxy and asserts what its rule promises. */
export type Scenario = (w: World) => Promise<void>;

/**
 * Sends a command twice through the proxy as raw bytes and checks that both replies are the same bytes (or the
 * same error); returns the decoded reply, or `{ errorCode }` for an error reply.
 */
export async function sameTwice(w: World, command: string, out: Record<string, unknown>): Promise<any> {
  const info = commandByName(command);
  const data = info.out.encode(w.vm.sizes, out as never);
  const first = await w.vm.raw(info.set.id, info.spec.id, data);
  const second = await w.vm.raw(info.set.id, info.spec.id, data);
  assert.equal(second.errorCode, first.errorCode, `${command}: the second call answered another error`);
  assert.ok(second.data.equals(first.data), `${command}: the second call answered other bytes`);
  if (first.errorCode !== 0) return { errorCode: first.errorCode };
  return info.reply!.decode(first.data, 0, first.data.length, w.vm.sizes);
}
