// Where a class writes its String fields, as a request scope's mark field watch sees it (jdwp/vm/field-writes.ts),
// read from a real JVM's constant pool and bytecodes: writes from a local are found with their slot, after
// switches too; writes from a call's result or at a jump target are counted as others.
import * as assert from 'node:assert/strict';
import { JdwpClient } from '../../jdwp/client/client';
import type { Jvm } from '../../jdwp/launch/java';
import { fieldWrites } from '../../jdwp/vm/field-writes';
import { killAll, startFixture } from '../support/fixtures';
import { printed } from './support';

describe('field writes (mark field watches)', function () {
  this.timeout(60_000);
  const jvms: Jvm[] = [];
  let vm: JdwpClient;

  before(async () => {
    const jvm = await startFixture(jvms, 'markfix.Marks');
    await printed(jvm, 'ready');
    vm = await JdwpClient.attach({ host: '127.0.0.1', port: jvm.port! });
  });

  after(async () => {
    await vm?.dispose();
    await killAll(jvms);
  });

  it('finds each write of a field from a local, with its method and slot, and counts the others', async () => {
    const [marks] = (await vm.VirtualMachine.ClassesBySignature('Lmarkfix/Marks;')).classes;
    const { declared } = await vm.ReferenceType.Methods(marks.typeID);
    const method = (id: bigint) => declared.find((m) => m.methodID === id)?.name;
    const writes = async (field: string) => {
      const w = await fieldWrites(vm, marks.typeID, 'markfix/Marks', field);
      return { fromLocals: w.fromLocals.map((x) => ({ method: method(x.methodID), slot: x.slot })), others: w.others };
    };
    assert.deepEqual(await writes('fromLocal'), { fromLocals: [{ method: 'mark', slot: 0 }], others: 0 });
    assert.deepEqual(await writes('afterSwitches'), { fromLocals: [{ method: 'switches', slot: 2 }], others: 0 });
    assert.deepEqual(await writes('instance'), { fromLocals: [{ method: 'set', slot: 1 }], others: 0 });
    assert.deepEqual(await writes('fromCall'), { fromLocals: [], others: 1 });
    assert.deepEqual(await writes('fromTernary'), { fromLocals: [], others: 1 });
    assert.deepEqual(await writes('noSuchField'), { fromLocals: [], others: 0 });
    // Each found write is a put of the field: a breakpoint there is a valid location.
    const [w] = (await fieldWrites(vm, marks.typeID, 'markfix/Marks', 'fromLocal')).fromLocals;
    const { bytes } = await vm.Method.Bytecodes(marks.typeID, w.methodID);
    assert.equal(bytes[w.index], 0xb3, 'putstatic');
  });
});
