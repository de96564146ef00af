import * as assert from 'node:assert/strict';
import type { JdwpClient } from '../../jdwp/client/client';
import type { ClassID, MethodID, ThreadID } from '../../jdwp/protocol/wire-types';
import { JdwpReplyError } from '../../jdwp/errors';
import type { Jvm } from '../../jdwp/launch/java';
import { JDWP } from '../../jdwp/registry';
import type { Event_Composite_Event } from '../../jdwp/protocol/spec-types';
import { killAll, lineOf } from '../support/fixtures';
import { assertNothingSuspended, attachAfterDebugger, sleep, startNodes, startProxy, type ProxyUnderTest } from '../vm/support';

const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;
const T = JDWP.Tag;
const LIMITS = { commandsPerSecond: 50, bytesPerSecond: 100_000, invocations: 1 };

/** "ok" or the JDWP error's name of each settled command. */
async function outcomes(commands: Array<Promise<unknown>>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const r of await Promise.allSettled(commands)) {
    const key = r.status === 'fulfilled' ? 'ok' : r.reason instanceof JdwpReplyError ? r.reason.errorName : String(r.reason);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('per-session limits', function () {
  this.timeout(90_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest;

  before(async () => {
    await startNodes(jvms, 2);
    proxy = await startProxy(jvms, { limits: LIMITS });
  });

  after(async () => {
    await proxy?.close();
    await killAll(jvms);
  });

  it('refuse a flood of commands, bytes and invocations with JDWP errors, while the nodes run on and the next session works normally', async () => {
    const vm: JdwpClient = await attachAfterDebugger(proxy.vm);
    const { classes } = await vm.VirtualMachine.ClassesBySignature('Lfixture/Fixture;');
    const classID = classes[0].typeID as ClassID;
    const { declared } = await vm.ReferenceType.Methods(classID);
    const work = declared.find((m) => m.name === 'work')!.methodID as MethodID;
    const add = declared.find((m) => m.name === 'add')!.methodID as MethodID;
    const { lines } = await vm.Method.LineTable(classID, work);
    const index = lines.find((l) => l.lineNumber === lineOf('fixture/Fixture.java', 'BREAK_LINE'))!.lineCodeIndex;

    // Breakpoint hits keep coming during the flood; the flooding session can always resume them.
    const held: ThreadID[] = [];
    let hits = 0;
    let resumeAll = true;
    vm.on('event', (e: Event_Composite_Event) => {
      for (const ev of e.events) {
        if (ev.eventKind !== K.BREAKPOINT) continue;
        hits++;
        if (resumeAll) void vm.ThreadReference.Resume(ev.thread as ThreadID).catch(() => undefined);
        else held.push(ev.thread as ThreadID);
      }
    });
    await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: { typeTag: 1, classID, methodID: work, index } }]);
    await sleep(1_100);

    // Commands: 400 at once, against 50 a second.
    const hitsBefore = hits;
    const flood = await outcomes(Array.from({ length: 400 }, () => vm.VirtualMachine.Version()));
    assert.ok((flood.get('ok') ?? 0) >= 40 && (flood.get('ok') ?? 0) <= 60, JSON.stringify([...flood]));
    assert.equal((flood.get('ok') ?? 0) + (flood.get('ACCESS_DENIED') ?? 0), 400, JSON.stringify([...flood]));
    await sleep(1_100);
    assert.ok(hits > hitsBefore, 'the nodes ran on and their hits reached the flooding session');

    // Bytes: AllClasses answers far more than 100 kB a second allows more than once or twice.
    const bytes = new Map<string, number>();
    for (let i = 0; i < 10; i++) {
      for (const [k, v] of await outcomes([vm.VirtualMachine.AllClasses()])) bytes.set(k, (bytes.get(k) ?? 0) + v);
    }
    assert.ok((bytes.get('ok') ?? 0) >= 1 && (bytes.get('ACCESS_DENIED') ?? 0) >= 5, JSON.stringify([...bytes]));
    await sleep(2_000);

    // Invocations: one at a time; a second one while the first runs answers ALREADY_INVOKING.
    resumeAll = false;
    const deadline = Date.now() + 10_000;
    while (held.length < 2 && Date.now() < deadline) await sleep(50);
    assert.ok(held.length >= 2, 'two threads stopped at the breakpoint');
    const invoke = (t: ThreadID) => vm.ClassType.InvokeMethod(classID, t, add, [{ tag: T.INT, value: 1 }, { tag: T.INT, value: 2 }], JDWP.InvokeOptions.INVOKE_SINGLE_THREADED);
    const two = await outcomes([invoke(held[0]), invoke(held[1])]);
    assert.deepEqual([...two].sort(), [['ALREADY_INVOKING', 1], ['ok', 1]]);
    assert.equal((await invoke(held[1])).returnValue.value, 3, 'the limit is free again once the first returned');
    await vm.dispose();

    const refusals = proxy.log.filter((l) => / over the limit of /.test(l));
    for (const what of ['50 commands/s', '100000 bytes/s out of the nodes', '1 concurrent invocations']) {
      assert.ok(refusals.some((l) => l.includes(what)), `a log line for ${what}:\n${proxy.log.join('\n')}`);
    }
    assert.ok(refusals.length < 20, `refusals are logged at most once a second per limit, not per command:\n${refusals.join('\n')}`);

    // The next session has limits of its own: 30 commands, paced at 20 a second, all answered.
    const next = await attachAfterDebugger(proxy.vm);
    const paced: Array<Promise<unknown>> = [];
    for (let i = 0; i < 30; i++) {
      paced.push(next.VirtualMachine.AllThreads());
      await sleep(50);
    }
    assert.deepEqual([...(await outcomes(paced))], [['ok', 30]]);
    await next.dispose();
    await assertNothingSuspended(proxy.vm, 2);
  });
});
