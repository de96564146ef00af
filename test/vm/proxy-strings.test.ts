// Proxy strings (VirtualMachine.CreateString) are bounded: freed when the debugger disposes them, and all of them
// when it leaves, so a debugger that makes many never keeps the proxy's memory high.
import * as assert from 'node:assert/strict';
import * as v8 from 'node:v8';
import * as vmModule from 'node:vm';
import { JdwpClient } from '../../jdwp/client/client';
import type { ObjectID } from '../../jdwp/codec/types';
import { VirtualVm } from '../../jdwp/vm/server';
import { debuggerGone } from './support';

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
