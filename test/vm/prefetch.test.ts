// Fetch ahead: at a stop the proxy reads the stopped thread's node ahead of the debugger and answers the
// debugger's reads from what it kept; every answer equals the node's own, and nothing is answered stale after a
// write, an invocation or a resume, nor heap values while other threads run.
import * as assert from 'node:assert/strict';
import type { JdwpClient } from '../../jdwp/client/client';
import type { Jvm } from '../../jdwp/launch/java';
import type { ArrayID, FieldID, ObjectID, ThreadID, Value } from '../../jdwp/protocol/wire-types';
import { JDWP } from '../../jdwp/registry';
import { killAll } from '../support/fixtures';
import { fresh, instanceFields, local, resumeStop, startAhead, stopAt, storeStats, visibleSlots } from './prefetch-support';
import { attachAfterDebugger, sleep, startProxy, type ProxyUnderTest } from './support';

const P = JDWP.SuspendPolicy;
const INVOKE_SINGLE_THREADED = 1;

describe('fetch ahead', function () {
  this.timeout(120_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest;
  let client: JdwpClient;

  before(async () => {
    const node = await startAhead(jvms);
    proxy = await startProxy([node]);
  });

  beforeEach(async () => {
    client = await attachAfterDebugger(proxy.vm);
  });

  afterEach(async () => {
    await client?.dispose().catch(() => undefined);
  });

  after(async () => {
    await proxy?.close();
    await killAll(jvms);
  });

  /** A stop's reads through the proxy, then the same reads of the node itself, compared; the store must have answered some. */
  async function readsEqualFresh(thread: ThreadID, policy: number): Promise<void> {
    const before = storeStats(proxy.vm).served;
    const { frames } = await client.ThreadReference.Frames(thread, 0, -1);
    const { frameCount } = await client.ThreadReference.FrameCount(thread);
    const { frame, slots } = await visibleSlots(client, thread);
    const { values } = await client.StackFrame.GetValues(thread, frame, slots);
    const { objectThis } = await client.StackFrame.ThisObject(thread, frame);
    const text = local(slots, values, 'text').value as ObjectID;
    const { stringValue } = await client.StringReference.Value(text);
    const arr = local(slots, values, 'arr').value as ArrayID;
    const { arrayLength } = await client.ArrayReference.Length(arr);
    const fields = await instanceFields(client, objectThis.objectID as ObjectID);
    const ofThis = await client.ObjectReference.GetValues(objectThis.objectID as ObjectID, fields.map((f) => ({ fieldID: f.fieldID as FieldID })));
    assert.ok(storeStats(proxy.vm).served > before, `the store answered reads at a stop of policy ${policy}`);

    assert.deepEqual((await fresh<{ frames: unknown[] }>(proxy.vm, 'ThreadReference.Frames', { thread, startFrame: 0, length: -1 })).frames, frames);
    assert.equal((await fresh<{ frameCount: number }>(proxy.vm, 'ThreadReference.FrameCount', { thread })).frameCount, frameCount);
    assert.deepEqual((await fresh<{ values: Value[] }>(proxy.vm, 'StackFrame.GetValues', { thread, frame, slots })).values, values);
    assert.deepEqual((await fresh<{ objectThis: unknown }>(proxy.vm, 'StackFrame.ThisObject', { thread, frame })).objectThis, objectThis);
    assert.equal((await fresh<{ stringValue: string }>(proxy.vm, 'StringReference.Value', { stringObject: text })).stringValue, stringValue);
    assert.equal((await fresh<{ arrayLength: number }>(proxy.vm, 'ArrayReference.Length', { arrayObject: arr })).arrayLength, arrayLength);
    assert.deepEqual((await fresh<{ values: Value[] }>(proxy.vm, 'ObjectReference.GetValues', { object: objectThis.objectID, fields: fields.map((f) => ({ fieldID: f.fieldID })) })).values, ofThis.values);
  }

  it('answers what the node answers, at 12 stops of either policy', async () => {
    for (let n = 0; n < 12; n++) {
      const policy = n % 2 ? P.ALL : P.EVENT_THREAD;
      const thread = await stopAt(client, policy);
      await readsEqualFresh(thread, policy);
      await resumeStop(client, thread, policy);
    }
  });

  it('shows a local set by StackFrame.SetValues', async () => {
    const thread = await stopAt(client, P.EVENT_THREAD);
    const { frame, slots } = await visibleSlots(client, thread);
    const before = await client.StackFrame.GetValues(thread, frame, slots);
    const i = slots.find((s) => s.name === 'i')!;
    const next = (local(slots, before.values, 'i').value as number) + 1000;
    await client.StackFrame.SetValues(thread, frame, [{ slot: i.slot, slotValue: { tag: JDWP.Tag.INT, value: next } }]);
    const after = await client.StackFrame.GetValues(thread, frame, slots);
    assert.equal(local(slots, after.values, 'i').value, next);
    await resumeStop(client, thread, P.EVENT_THREAD);
  });

  it('shows the fields an invocation changed', async () => {
    const thread = await stopAt(client, P.ALL);
    const { frame } = await visibleSlots(client, thread);
    const self = (await client.StackFrame.ThisObject(thread, frame)).objectThis.objectID as ObjectID;
    const fields = await instanceFields(client, self);
    const count = fields.find((f) => f.name === 'count')!.fieldID as FieldID;
    const label = fields.find((f) => f.name === 'label')!.fieldID as FieldID;
    const before = (await client.ObjectReference.GetValues(self, [{ fieldID: count }])).values[0].value as number;
    const { typeID } = await client.ObjectReference.ReferenceType(self);
    const bump = (await client.ReferenceType.Methods(typeID)).declared.find((m) => m.name === 'bump')!;
    await client.ObjectReference.InvokeMethod(self, thread, typeID as never, bump.methodID, [{ tag: JDWP.Tag.INT, value: 7 }], INVOKE_SINGLE_THREADED);
    const after = await client.ObjectReference.GetValues(self, [{ fieldID: count }, { fieldID: label }]);
    assert.equal(after.values[0].value, before + 7);
    assert.equal((await client.StringReference.Value(after.values[1].value as ObjectID)).stringValue, `bumped-${before + 7}`);
    await resumeStop(client, thread, P.ALL);
  });

  it('shows new frames and locals at the next stop', async () => {
    const thread = await stopAt(client, P.EVENT_THREAD);
    const first = await visibleSlots(client, thread);
    const round = local(first.slots, (await client.StackFrame.GetValues(thread, first.frame, first.slots)).values, 'i').value as number;
    await resumeStop(client, thread, P.EVENT_THREAD);
    const again = await stopAt(client, P.EVENT_THREAD);
    const second = await visibleSlots(client, again);
    const values = (await client.StackFrame.GetValues(again, second.frame, second.slots)).values;
    assert.ok((local(second.slots, values, 'i').value as number) > round, 'a later round');
    assert.deepEqual(values, (await fresh<{ values: Value[] }>(proxy.vm, 'StackFrame.GetValues', { thread: again, frame: second.frame, slots: second.slots })).values);
    await resumeStop(client, again, P.EVENT_THREAD);
  });

  it('at a stop of one thread, does not answer heap values another thread changes', async () => {
    const thread = await stopAt(client, P.EVENT_THREAD);
    const { frame, slots } = await visibleSlots(client, thread);
    const shared = local(slots, (await client.StackFrame.GetValues(thread, frame, slots)).values, 'common').value as ObjectID;
    const count = (await instanceFields(client, shared)).find((f) => f.name === 'count')!.fieldID as FieldID;
    const seen = new Set<number>();
    for (let n = 0; n < 5; n++) {
      seen.add((await client.ObjectReference.GetValues(shared, [{ fieldID: count }])).values[0].value as number);
      await sleep(20);
    }
    assert.ok(seen.size > 1, `the churn thread's changes show: ${[...seen]}`);
    await resumeStop(client, thread, P.EVENT_THREAD);
  });

  it('after stops at which the debugger read nothing, waits for its first read, then reads ahead again', async () => {
    const { stats } = proxy.vm.cluster.live()[0].store;
    for (let n = 0; n < 3; n++) await resumeStop(client, await stopAt(client, P.EVENT_THREAD), P.EVENT_THREAD);
    let fetched = stats.fetched;
    const thread = await stopAt(client, P.EVENT_THREAD);
    await sleep(300);
    assert.equal(stats.fetched, fetched, 'nothing is fetched ahead before the debugger reads');
    const served = stats.served;
    const { frame, slots } = await visibleSlots(client, thread);
    await client.StackFrame.GetValues(thread, frame, slots);
    assert.ok(stats.fetched > fetched, 'its first read started the fetch ahead');
    assert.ok(stats.served > served, 'and the store answered its reads');
    await resumeStop(client, thread, P.EVENT_THREAD);
    fetched = stats.fetched;
    const next = await stopAt(client, P.EVENT_THREAD);
    await sleep(300);
    assert.ok(stats.fetched > fetched, 'the next stop is read ahead at once');
    await resumeStop(client, next, P.EVENT_THREAD);
  });

  it('at a stop of the whole node, answers heap values from the store and they hold still', async () => {
    const thread = await stopAt(client, P.ALL);
    const { frame, slots } = await visibleSlots(client, thread);
    const other = local(slots, (await client.StackFrame.GetValues(thread, frame, slots)).values, 'other').value as ObjectID;
    const fields = await instanceFields(client, other);
    const before = storeStats(proxy.vm).served;
    const read = () => client.ObjectReference.GetValues(other, fields.map((f) => ({ fieldID: f.fieldID as FieldID })));
    const first = await read();
    assert.ok(storeStats(proxy.vm).served > before, 'the fields of an object in a local were fetched ahead');
    assert.deepEqual((await read()).values, first.values);
    await resumeStop(client, thread, P.ALL);
  });
});
