// A type the proxy meets in a reply (here the classes of a stopped thread's frames) has its immutable data fetched
// with its symbol and kept in the reply cache (jdwp/vm/type-ahead.ts). Those answers must be the node's own: the
// same as a second, identical JVM answers directly, member by member.
import * as assert from 'node:assert/strict';
import { JdwpClient } from '../../jdwp/client/client';
import type { Jvm } from '../../jdwp/launch/java';
import type { MethodID, ReferenceTypeID, ThreadID } from '../../jdwp/protocol/wire-types';
import { JDWP, commandByName } from '../../jdwp/registry';
import { replyKey } from '../../jdwp/vm/type-registry';
import { killAll } from '../support/fixtures';
import { startNode, startProxy, type ProxyUnderTest } from './support';

/** What a debugger reads of a type: everything but its IDs, methods and fields in the node's order. */
async function typeFacts(vm: JdwpClient, type: ReferenceTypeID): Promise<unknown> {
  const absent = (p: Promise<unknown>) => p.then((v) => v, (err: Error) => `error ${/\d+/.exec(err.message)?.[0] ?? err.message}`);
  const { declared: methods } = await vm.ReferenceType.MethodsWithGeneric(type);
  const { declared: fields } = await vm.ReferenceType.FieldsWithGeneric(type);
  return {
    signature: await vm.ReferenceType.SignatureWithGeneric(type),
    sourceFile: await absent(vm.ReferenceType.SourceFile(type)),
    debugExtension: await absent(vm.ReferenceType.SourceDebugExtension(type)),
    fields: fields.map(({ name, signature, genericSignature, modBits }) => ({ name, signature, genericSignature, modBits })),
    methods: await Promise.all(
      methods.map(async (m) => ({
        name: m.name,
        signature: m.signature,
        genericSignature: m.genericSignature,
        modBits: m.modBits,
        lines: await absent(vm.Method.LineTable(type, m.methodID as MethodID)),
        variables: await absent(vm.Method.VariableTableWithGeneric(type, m.methodID as MethodID)),
      })),
    ),
  };
}

/** The main thread, suspended, and the types of its frames as the client sees them (by signature). */
async function mainFrameTypes(vm: JdwpClient): Promise<Map<string, ReferenceTypeID>> {
  const { threads } = await vm.VirtualMachine.AllThreads();
  let main: ThreadID | undefined;
  for (const t of threads) if ((await vm.ThreadReference.Name(t)).threadName.endsWith('main')) main = t;
  assert.ok(main, 'a main thread');
  await vm.ThreadReference.Suspend(main);
  const { frames } = await vm.ThreadReference.Frames(main, 0, -1);
  const types = new Map<string, ReferenceTypeID>();
  for (const f of frames) {
    const type = f.location.classID as unknown as ReferenceTypeID;
    types.set((await vm.ReferenceType.Signature(type)).signature, type);
  }
  return types;
}

describe('types met in a reply: their immutable data fetched ahead', function () {
  this.timeout(120_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest;
  let through: JdwpClient;
  let direct: JdwpClient;

  before(async () => {
    const [behind, beside] = await Promise.all([startNode(jvms), startNode(jvms)]);
    proxy = await startProxy([behind]);
    through = await JdwpClient.attach({ host: '127.0.0.1', port: proxy.vm.address.port }, { requestTimeoutMs: 30_000 });
    direct = await JdwpClient.attach({ host: '127.0.0.1', port: beside.port }, { requestTimeoutMs: 30_000 });
  });

  after(async () => {
    await through?.dispose().catch(() => undefined);
    await direct?.dispose().catch(() => undefined);
    await proxy?.close();
    await killAll(jvms);
  });

  it('keeps the replies of a frame type before the debugger asks, and they equal a direct JVM answers', async () => {
    const viaProxy = await mainFrameTypes(through);
    const fixture = viaProxy.get('Lfixture/Fixture;');
    assert.ok(fixture, `fixture.Fixture is among the frames' types: ${[...viaProxy.keys()].join(', ')}`);
    // The proxy met Fixture in the Frames reply: its line tables are kept (as they arrive) before anyone asks.
    const registry = proxy.vm.cluster.registry;
    const id = fixture as unknown as bigint;
    const lineTables = () => [...registry.replyCache.keys()].filter((k) => k.startsWith(`${id}:${commandByName('Method.LineTable').key}:`)).length;
    for (const deadline = Date.now() + 5_000; lineTables() === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    assert.ok(lineTables() > 0, 'line tables kept ahead');
    const vid = Buffer.alloc(8);
    vid.writeBigUInt64BE(id);
    assert.equal(registry.errorCache.get(replyKey(id, commandByName('ReferenceType.SourceDebugExtension'), vid)), JDWP.Error.ABSENT_INFORMATION, 'the absent debug extension is known');

    // The two JVMs' main threads are suspended wherever each happens to be (one may be spinning a lambda class in
    // the JDK): the types both stacks hold are compared, and the fixture's own class is always among them.
    const beside = await mainFrameTypes(direct);
    assert.ok(beside.get('Lfixture/Fixture;'), "fixture.Fixture is on the direct JVM's main stack too");
    for (const [signature, type] of viaProxy) {
      const mine = beside.get(signature);
      if (!mine) continue;
      assert.deepEqual(await typeFacts(through, type), await typeFacts(direct, mine), `${signature}: the proxy answers as the node does`);
    }
  });
});
