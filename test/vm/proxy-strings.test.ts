// Proxy strings (VirtualMachine.CreateString) are bounded: freed when the debugger disposes them, and all of them
// when it leaves, so a debugger that makes many never keeps the proxy's memory high; and a command that comes while
// the node link waits for one to be made on the node keeps its own IDs.
import * as assert from 'node:assert/strict';
import * as v8 from 'node:v8';
import * as vmModule from 'node:vm';
import { JdwpClient } from '../../jdwp/client/client';
import type { ObjectID, ThreadID } from '../../jdwp/protocol/wire-types';
import type { Jvm } from '../../jdwp/launch/java';
import { VirtualVm } from '../../jdwp/vm/server';
import { killAll } from '../support/fixtures';
import { attachAfterDebugger, debuggerGone, startProxy, type ProxyUnderTest } from './support';
import { startStormNodes } from './storm-support';

v8.setFlagsFromString('--expose-gc');
const gc = vmModule.runInNewContext('gc') as () => void;

/** Memory after a full garbage collection, in MB. */
function memoryMb(): { rss: number; heapUsed: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss / 2 ** 20, heapUsed: m.heapUsed / 2 ** 20 };
}

describe('proxy strings', function () {
  this.timeout(120_000);
  let vm: VirtualVm;

  before(async () => {
    vm = await VirtualVm.start({ listen: '127.0.0.1:0', log: () => undefined });
  });

  after(async () => {
    await vm?.close();
  });

  async function attach(): Promise<JdwpClient> {
    await debuggerGone(vm);
    return JdwpClient.attach({ host: '127.0.0.1', port: vm.address.port }, { requestTimeoutMs: 30_000 });
  }

  it('a string the debugger disposes is freed', async () => {
    const client = await attach();
    try {
      const ids: bigint[] = [];
      for (let i = 0; i < 100; i++) ids.push((await client.VirtualMachine.CreateString(`s${i}`)).stringObject);
      assert.equal(vm.cluster.objects.stringCount, 100);
      assert.equal((await client.StringReference.Value(ids[7] as ObjectID)).stringValue, 's7');
      await client.VirtualMachine.DisposeObjects(ids.map((id) => ({ object: id as ObjectID, refCnt: 1 })));
      assert.equal(vm.cluster.objects.stringCount, 0, 'every disposed string is gone');
    } finally {
      await client.dispose();
    }
  });

  /** A debugger makes 100,000 proxy strings of 1 KB and leaves. */
  async function manyStrings(): Promise<void> {
    const text = 'x'.repeat(1024);
    const client = await attach();
    try {
      for (let batch = 0; batch < 100; batch++) {
        await Promise.all(Array.from({ length: 1000 }, (_, i) => client.VirtualMachine.CreateString(`${batch}-${i}-${text}`)));
      }
      assert.equal(vm.cluster.objects.stringCount, 100_000);
    } finally {
      await client.dispose();
    }
    await debuggerGone(vm);
    assert.equal(vm.cluster.objects.stringCount, 0, 'the strings go with their debugger');
  }

  it('100,000 strings of 1 KB leave the memory where it was once their debugger has left', async () => {
    // A first round lets V8 and malloc reach the size they keep (freed pages they hold on to, not live objects).
    await manyStrings();
    const start = memoryMb();
    await manyStrings();
    const end = memoryMb();
    const grew = `RSS ${start.rss.toFixed(1)} -> ${end.rss.toFixed(1)} MB, heap used ${start.heapUsed.toFixed(1)} -> ${end.heapUsed.toFixed(1)} MB`;
    assert.ok(end.heapUsed - start.heapUsed < 5, `no live object is left: ${grew}`);
    assert.ok(end.rss - start.rss < 20, `RSS stays within 20 MB: ${grew}`);
  });
});

describe('a command behind one that waits for its proxy string', function () {
  this.timeout(60_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest;

  before(async () => {
    proxy = await startProxy(await startStormNodes(jvms, 1, 0));
  });

  after(async () => {
    await proxy?.close().catch(() => undefined);
    await killAll(jvms);
  });

  it('keeps its own IDs when the node link is busy (the route rule hot path falls back)', async () => {
    const client = await attachAfterDebugger(proxy.vm);
    try {
      const { classes } = await client.VirtualMachine.ClassesBySignature('Ljava/lang/Thread;');
      const { declared } = await client.ReferenceType.Fields(classes[0].typeID);
      const name = declared.find((f: { name: string }) => f.name === 'name')!.fieldID;
      const { threads } = await client.VirtualMachine.AllThreads();
      const worker = threads[threads.length - 1];
      const before = (await client.ObjectReference.GetValues(worker, [{ fieldID: name }])).values[0];
      // A long string keeps the node busy making it for a while.
      const long = 'x'.repeat(1 << 16);
      for (let round = 0; round < 40; round++) {
        // SetValues waits in the node's queue until the proxy string exists there; Status comes in a later read.
        const text = (await client.VirtualMachine.CreateString(`renamed-${round}-${long}`)).stringObject;
        const set = client.ObjectReference.SetValues(worker, [{ fieldID: name, value: { tag: 115, value: text } }]);
        await new Promise((resolve) => setTimeout(resolve, 1));
        const status = await Promise.all(threads.map((t: ThreadID) => client.ThreadReference.Status(t)));
        await set;
        assert.equal(status.length, threads.length, `round ${round}`);
      }
      await client.ObjectReference.SetValues(worker, [{ fieldID: name, value: before }]);
    } finally {
      await client.dispose();
    }
  });
});
