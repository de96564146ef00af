// One packet per item of issue 9's "What was seen": each went through the proxy and crashed or aborted the nodes
// behind it. Each must now answer the JDWP error a correct VM gives, and leave every node alive and answering.
import * as assert from 'node:assert/strict';
import type { JdwpClient } from '../../jdwp/client/client';
import type { ReferenceTypeID, ThreadID } from '../../jdwp/protocol/wire-types';
import type { Jvm } from '../../jdwp/launch/java';
import { killAll } from '../support/fixtures';
import { assertNodesAnswer, outData, send } from './shield-support';
import { attachAfterDebugger, startNodes, startProxy, type ProxyUnderTest } from './support';

const ID = (hex: string) => Buffer.from(hex.replace(/ /g, ''), 'hex');

describe('shield: one-packet regressions of issue 9', function () {
  this.timeout(60_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest;
  let vm: JdwpClient;
  let thread: bigint;
  let fixture: bigint;
  let classObject: bigint;
  let fixtureId: bigint;
  let fixtureAdd: bigint;
  let stringOrder: bigint;
  let threadPriority: bigint;
  let stringType: bigint;
  let byteArray: bigint;
  let unlearned: bigint;

  before(async () => {
    await startNodes(jvms, 3);
    proxy = await startProxy(jvms);
    vm = await attachAfterDebugger(proxy.vm);
    const { threads } = await vm.VirtualMachine.AllThreads();
    thread = threads[0];
    const find = async (sig: string) => (await vm.VirtualMachine.ClassesBySignature(sig)).classes[0].typeID as ReferenceTypeID;
    fixture = await find('Lfixture/Fixture;');
    classObject = (await vm.ReferenceType.ClassObject(fixture as ReferenceTypeID)).classObject;
    const fieldsOf = async (t: bigint) => (await vm.ReferenceType.Fields(t as ReferenceTypeID)).declared;
    fixtureId = (await fieldsOf(fixture)).find((f) => f.name === 'id')!.fieldID;
    fixtureAdd = (await vm.ReferenceType.Methods(fixture as ReferenceTypeID)).declared.find((m) => m.name === 'add')!.methodID;
    stringType = await find('Ljava/lang/String;');
    stringOrder = (await fieldsOf(stringType)).find((f) => f.name === 'CASE_INSENSITIVE_ORDER')!.fieldID;
    // Objects the debugger was never handed, so the proxy has not learned their kinds: their type is asked first.
    const link = proxy.vm.cluster.live()[0];
    const bytes = await link.client.VirtualMachine.ClassesBySignature('[B');
    byteArray = link.ids.toVirtual((await link.client.ReferenceType.Instances(bytes.classes[0].typeID, 1)).instances[0].objectID);
    const { classes } = await link.client.VirtualMachine.ClassesBySignature('Ljava/lang/ThreadGroup;');
    const { instances } = await link.client.ReferenceType.Instances(classes[0].typeID, 1);
    unlearned = link.ids.toVirtual(instances[0].objectID);
    threadPriority = (await fieldsOf(await find('Ljava/lang/Thread;'))).find((f) => f.name === 'priority')!.fieldID;
  });

  after(async () => {
    await vm?.dispose().catch(() => undefined);
    await proxy?.close();
    await killAll(jvms);
  });

  const cases: Array<[string, string, () => Buffer, string]> = [
    ['SetDefaultStratum with string length 0xffffffff', 'VirtualMachine.SetDefaultStratum', () => ID('ffffffff'), 'ILLEGAL_ARGUMENT'],
    ['SetDefaultStratum with string length 0x7ffffff0', 'VirtualMachine.SetDefaultStratum', () => ID('7ffffff0 41'), 'ILLEGAL_ARGUMENT'],
    ['SetDefaultStratum with bytes past the string', 'VirtualMachine.SetDefaultStratum', () => ID('00000001 41 00'), 'ILLEGAL_ARGUMENT'],
    ['ObjectReference.ReferenceType of null', 'ObjectReference.ReferenceType', () => outData('ObjectReference.ReferenceType', { object: 0n }), 'INVALID_OBJECT'],
    ['StringReference.Value of null', 'StringReference.Value', () => outData('StringReference.Value', { stringObject: 0n }), 'INVALID_OBJECT'],
    ['ArrayReference.Length of null', 'ArrayReference.Length', () => outData('ArrayReference.Length', { arrayObject: 0n }), 'INVALID_ARRAY'],
    ['ArrayReference.GetValues of null', 'ArrayReference.GetValues', () => outData('ArrayReference.GetValues', { arrayObject: 0n, firstIndex: 0, length: 1 }), 'INVALID_ARRAY'],
    ['ClassType.Superclass of null', 'ClassType.Superclass', () => outData('ClassType.Superclass', { clazz: 0n }), 'INVALID_CLASS'],
    ['ThreadGroupReference.Parent of null', 'ThreadGroupReference.Parent', () => outData('ThreadGroupReference.Parent', { group: 0n }), 'INVALID_THREAD_GROUP'],
    ['ClassObjectReference.ReflectedType of a thread', 'ClassObjectReference.ReflectedType', () => outData('ClassObjectReference.ReflectedType', { classObject: thread }), 'INVALID_OBJECT'],
    ['Method.LineTable of method 0', 'Method.LineTable', () => outData('Method.LineTable', { refType: fixture, methodID: 0n }), 'INVALID_METHODID'],
    ['Method.LineTable of a method of another class', 'Method.LineTable', () => outData('Method.LineTable', { refType: stringType, methodID: fixtureAdd }), 'INVALID_METHODID'],
    ['ObjectReference.GetValues with a field of another class', 'ObjectReference.GetValues', () => outData('ObjectReference.GetValues', { object: thread, fields: [{ fieldID: fixtureId }] }), 'INVALID_FIELDID'],
    ['ObjectReference.SetValues with a field of another class', 'ObjectReference.SetValues', () => outData('ObjectReference.SetValues', { object: thread, values: [{ fieldID: fixtureId, value: { tag: 73, value: 5 } }] }), 'INVALID_FIELDID'],
    ['ReferenceType.GetValues with a field of another class', 'ReferenceType.GetValues', () => outData('ReferenceType.GetValues', { refType: fixture, fields: [{ fieldID: stringOrder }] }), 'INVALID_FIELDID'],
    ['ArrayReference.GetValues with index + length past 2^31', 'ArrayReference.GetValues', () => outData('ArrayReference.GetValues', { arrayObject: byteArray, firstIndex: 1, length: 0x7fffffff }), 'INVALID_LENGTH'],
    ['ThreadReference.Frames with start + length past 2^31', 'ThreadReference.Frames', () => outData('ThreadReference.Frames', { thread, startFrame: 1, length: 0x7fffffff }), 'INVALID_LENGTH'],
    ['ModuleReference.Name of a thread', 'ModuleReference.Name', () => outData('ModuleReference.Name', { module: thread }), 'INVALID_MODULE'],
    ['ModuleReference.Name of an object whose kind the proxy had not learned', 'ModuleReference.Name', () => outData('ModuleReference.Name', { module: unlearned }), 'INVALID_MODULE'],
    ['ReferenceType.GetValues with an instance field', 'ReferenceType.GetValues', () => outData('ReferenceType.GetValues', { refType: fixture, fields: [{ fieldID: fixtureId }] }), 'INVALID_FIELDID'],
  ];

  for (const [title, command, data, error] of cases) {
    it(`${title}: ${error}, every node alive`, async () => {
      assert.equal(await send(vm, command, data()), error);
      await assertNodesAnswer(proxy.vm, jvms, title);
    });
  }

  it('DisposeObjects with refCnt 0x7fffffff sends no more than the debugger was handed; nodes live on', async () => {
    const { threads } = await vm.VirtualMachine.AllThreads();
    // AllThreads answers from the proxy's thread mirror: the nodes handed those IDs to the proxy, not to the debugger.
    assert.equal(proxy.vm.cluster.translator.facts.count(threads[0]), 0, 'thread IDs from the mirror are not counted');
    const groups = [...new Set(await Promise.all(threads.slice(0, 6).map(async (t) => (await vm.ThreadReference.ThreadGroup(t)).group as bigint)))];
    const some = [...threads.slice(0, 6), ...groups] as bigint[];
    assert.ok(proxy.vm.cluster.translator.facts.count(groups[0]) >= 1, 'a group a node answered is counted');
    assert.equal(await send(vm, 'VirtualMachine.DisposeObjects', outData('VirtualMachine.DisposeObjects', { requests: some.map((object) => ({ object, refCnt: 0x7fffffff })) })), 'NONE');
    await assertNodesAnswer(proxy.vm, jvms, 'DisposeObjects');
    assert.equal(proxy.vm.cluster.translator.facts.count(groups[0]), 0, 'every reference of the debugger released');
    // Released to 0 on its node, the group has a new ID there when it is handed out again.
    const again = (await vm.ThreadReference.ThreadGroup(threads[0])).group as bigint;
    assert.equal(proxy.vm.cluster.translator.facts.count(again), 1, 'the group is handed out again, and counted again');
  });

  it('still serves the same commands with the right arguments', async () => {
    assert.equal(await send(vm, 'ClassObjectReference.ReflectedType', outData('ClassObjectReference.ReflectedType', { classObject })), 'NONE');
    assert.equal(await send(vm, 'ObjectReference.GetValues', outData('ObjectReference.GetValues', { object: thread, fields: [{ fieldID: threadPriority }] })), 'NONE');
    assert.equal(await send(vm, 'Method.LineTable', outData('Method.LineTable', { refType: fixture, methodID: fixtureAdd })), 'NONE');
    assert.equal(await send(vm, 'VirtualMachine.SetDefaultStratum', outData('VirtualMachine.SetDefaultStratum', { stratumID: '' })), 'NONE');
    await assertNodesAnswer(proxy.vm, jvms, 'the right arguments');
  });
});
