import * as assert from 'node:assert/strict';
import type { JdwpClient } from '../../jdwp/client/client';
import { JdwpReplyError } from '../../jdwp/errors';
import type { Jvm } from '../../jdwp/launch/java';
import { VmMirror } from '../../jdwp/mirror';
import type { Fabric_StopSnapshot_Reply } from '../../jdwp/protocol/fabric-types';
import type { ArrayID, ObjectID, ThreadID, Value } from '../../jdwp/protocol/wire-types';
import { JDWP } from '../../jdwp/registry';
import { killAll, lineOf } from '../support/fixtures';
import { lineLocation } from '../support/locations';
import { nextEvent } from './chain-support';
import { attachAfterDebugger, startNodes, startProxy, type ProxyUnderTest } from './support';

const K = JDWP.EventKind;
const T = JDWP.Tag;
const EXPANDED = new Set<number>([T.OBJECT, T.ARRAY, T.THREAD, T.THREAD_GROUP, T.CLASS_LOADER, T.CLASS_OBJECT]);

/** What the debugger's own commands say about a stop, shaped as Fabric.StopSnapshot answers it. */
async function readOneByOne(vm: JdwpClient, thread: ThreadID, maxChildren: number): Promise<Omit<Fabric_StopSnapshot_Reply, 'hops'>> {
  const mirror = new VmMirror(vm);
  const { frames } = await vm.ThreadReference.Frames(thread, 0, -1);
  const top = frames[0];
  const { objectThis } = await vm.StackFrame.ThisObject(thread, top.frameID);
  const visible = ((await mirror.visibleVariables(top.location)) ?? []).filter((v) => v.name !== 'this').slice(0, maxChildren);
  const { values } = await vm.StackFrame.GetValues(thread, top.frameID, visible.map((v) => ({ slot: v.slot, sigbyte: v.signature.charCodeAt(0) })));
  const strings = new Map<bigint, string>();
  const seen = async (v: Value) => {
    if (v.tag === T.STRING && v.value !== 0n && !strings.has(v.value as bigint)) strings.set(v.value as bigint, (await vm.StringReference.Value(v.value as ObjectID)).stringValue);
  };
  const objects: Fabric_StopSnapshot_Reply['objects'] = [];
  const done = new Set<bigint>();
  for (const v of [{ tag: objectThis.tag, value: objectThis.objectID }, ...values]) {
    await seen(v);
    const object = v.value as ObjectID;
    if (!EXPANDED.has(v.tag) || object === 0n || done.has(object)) continue;
    done.add(object);
    const { typeID: type } = await vm.ObjectReference.ReferenceType(object);
    if (v.tag === T.ARRAY) {
      const { arrayLength } = await vm.ArrayReference.Length(object as ArrayID);
      const n = Math.min(arrayLength, maxChildren);
      const elements = n ? (await vm.ArrayReference.GetValues(object as ArrayID, 0, n)).values.values : [];
      for (const e of elements) await seen(e);
      objects.push({ object, type, arrayLength, fields: [], elements });
      continue;
    }
    const fields = (await mirror.allFields(await mirror.type(type))).filter((f) => !f.isStatic);
    if (fields.length > maxChildren) {
      objects.push({ object, type, arrayLength: -1, fields: [], elements: [] });
      continue;
    }
    const got = await mirror.fieldValues(object, fields);
    for (const g of got) await seen(g);
    objects.push({ object, type, arrayLength: -1, fields: fields.map((f, i) => ({ fieldID: f.id, value: got[i] })), elements: [] });
  }
  return {
    frameCount: frames.length,
    frames,
    hasVariables: true,
    thisObject: objectThis,
    locals: visible.map((v, i) => ({ name: v.name, signature: v.signature, slot: v.slot, value: values[i] })),
    objects,
    strings: [...strings].map(([string, value]) => ({ string: string as never, value })),
  };
}

describe('Fabric.StopSnapshot', function () {
  this.timeout(60_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest;
  let vm: JdwpClient;

  before(async () => {
    await startNodes(jvms, 1);
    proxy = await startProxy(jvms);
    vm = await attachAfterDebugger(proxy.vm);
  });

  after(async () => {
    await vm?.dispose();
    await proxy?.close();
    await killAll(jvms);
  });

  /** Stops the fixture's main thread once at a line of fixture.Fixture. */
  async function stopAtLine(line: number): Promise<ThreadID> {
    const hit = nextEvent(vm, K.BREAKPOINT);
    const loc = await lineLocation(vm, 'fixture.Fixture', line);
    await vm.EventRequest.Set(K.BREAKPOINT, JDWP.SuspendPolicy.EVENT_THREAD, [{ modKind: 7, loc }, { modKind: 1, count: 1 }]);
    return (await hit).thread;
  }

  it('equals Frames, GetValues and ObjectReference.GetValues at a stop in a static method with locals of every kind', async () => {
    const thread = await stopAtLine(lineOf('fixture/Fixture.java', 'BREAK_LINE'));
    try {
      const snap = await vm.Fabric.StopSnapshot(thread, -1, 100);
      const { hops, ...rest } = snap;
      assert.deepEqual(hops, []);
      assert.deepEqual(rest, await readOneByOne(vm, thread, 100));
      assert.equal(snap.thisObject.objectID, 0n, 'work() is static');
      assert.deepEqual(snap.locals.map((l) => l.name), ['round', 'z', 'b', 'c', 's', 'i', 'l', 'f', 'd', 'str', 'arr', 'obj', 'list', 'map']);
      const arr = snap.objects.find((o) => o.object === snap.locals.find((l) => l.name === 'arr')!.value.value)!;
      assert.deepEqual([arr.arrayLength, arr.elements.map((e) => e.value)], [3, [1, 2, 3]]);
      const list = snap.objects.find((o) => o.object === snap.locals.find((l) => l.name === 'list')!.value.value)!;
      assert.ok(list.fields.length >= 3, 'an ArrayList shows its own fields and AbstractList.modCount');
      assert.ok(snap.strings.some((s) => /^round-\d+$/.test(s.value)) && snap.strings.some((s) => /^obj-\d+$/.test(s.value)), snap.strings.map((s) => s.value).join(", "));
    } finally {
      await vm.ThreadReference.Resume(thread);
    }
  });

  it('holds this and its fields at a stop in an instance method, and bounds frames, locals and children', async () => {
    const thread = await stopAtLine(lineOf('fixture/Fixture.java', 'return x * 2;'));
    try {
      const full = await vm.Fabric.StopSnapshot(thread, -1, 100);
      const { hops, ...rest } = full;
      assert.deepEqual(rest, await readOneByOne(vm, thread, 100));
      const self = full.objects.find((o) => o.object === full.thisObject.objectID);
      assert.ok(self && self.fields.length === 3, 'Fixture has id, name and next');
      assert.deepEqual(full.locals.map((l) => l.name), ['x']);

      const small = await vm.Fabric.StopSnapshot(thread, 1, 2);
      assert.deepEqual([small.frameCount, small.frames], [full.frameCount, full.frames.slice(0, 1)]);
      assert.equal(small.objects.find((o) => o.object === full.thisObject.objectID)!.fields.length, 0, 'three fields are more than two');
    } finally {
      await vm.ThreadReference.Resume(thread);
    }
  });

  it('answers THREAD_NOT_SUSPENDED for a running thread, as ThreadReference.Frames does', async () => {
    const thread = await stopAtLine(lineOf('fixture/Fixture.java', 'BREAK_LINE'));
    await vm.ThreadReference.Resume(thread);
    await assert.rejects(vm.Fabric.StopSnapshot(thread, -1, 10), (e) => e instanceof JdwpReplyError && e.errorName === 'THREAD_NOT_SUSPENDED');
  });
});
