// Invocations through the virtual VM: no proxy-side limit cuts one, and a debugger that leaves while one runs
// leaves nothing suspended once it returns, without resuming what the next debugger suspended meanwhile.
import * as assert from 'node:assert/strict';
import type * as net from 'node:net';
import { JdwpClient } from '../../jdwp/client/client';
import type { ClassID, Location, MethodID, ThreadID } from '../../jdwp/protocol/wire-types';
import type { Jvm } from '../../jdwp/launch/java';
import { JDWP } from '../../jdwp/registry';
import type { Event_Composite_Event } from '../../jdwp/protocol/spec-types';
import { killAll, lineOf, startFixture } from '../support/fixtures';
import { assertNothingSuspended, attachAfterDebugger, printed, sleep, startProxy, suspendedThreads, type ProxyUnderTest } from './support';

const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;
const J = 'J'.charCodeAt(0);
const SINGLE = JDWP.InvokeOptions.INVOKE_SINGLE_THREADED;

interface Stopped {
  main: ThreadID;
  worker: ThreadID;
  napper: ClassID;
  nap: MethodID;
}

/** Stops node-1's main thread at Napper's TICK_LINE with a SUSPEND_ALL breakpoint. */
async function stopMain(vm: JdwpClient): Promise<Stopped> {
  const { threads } = await vm.VirtualMachine.AllThreads();
  const names = await Promise.all(threads.map((t) => vm.ThreadReference.Name(t).then((n) => n.threadName)));
  const main = threads[names.indexOf('[node-1] main')];
  const worker = threads[names.indexOf('[node-1] napper-worker')];
  assert.ok(main && worker, names.join(', '));
  const { classes } = await vm.VirtualMachine.ClassesBySignature('Lfixture/Napper;');
  const napper = classes[0].typeID as ClassID;
  const methods = (await vm.ReferenceType.Methods(napper)).declared;
  const tick = methods.find((m) => m.name === 'tick')!.methodID;
  const nap = methods.find((m) => m.name === 'nap')!.methodID;
  const { lines } = await vm.Method.LineTable(napper, tick);
  const index = lines.find((l) => l.lineNumber === lineOf('fixture/Napper.java', 'TICK_LINE'))!.lineCodeIndex;
  const loc: Location = { typeTag: JDWP.TypeTag.CLASS, classID: napper, methodID: tick, index };
  const hit = new Promise<void>((resolve) => vm.on('event', (e: Event_Composite_Event) => e.events.some((x) => x.eventKind === K.BREAKPOINT) && resolve()));
  await vm.EventRequest.Set(K.BREAKPOINT, P.ALL, [
    { modKind: 3, thread: main },
    { modKind: 7, loc },
  ]);
  await hit;
  return { main, worker, napper, nap };
}

/** Starts Napper.nap(ms) on the stopped main thread, then drops the debugger's connection abruptly after dropAfterMs. */
async function invokeAndDie(vm: JdwpClient, s: Stopped, ms: number, options: number, dropAfterMs: number): Promise<void> {
  const invoke = vm.ClassType.InvokeMethod(s.napper, s.main, s.nap, [{ tag: J, value: BigInt(ms) }], options);
  invoke.catch(() => undefined);
  await sleep(dropAfterMs);
  (vm.connection.stream as net.Socket).resetAndDestroy();
}

describe('invocations through the virtual VM', function () {
  this.timeout(60_000);
  const jvms: Jvm[] = [];
  let node: Jvm;
  let proxy: ProxyUnderTest | undefined;

  before(async () => {
    node = await startFixture(jvms, 'fixture.Napper');
    await printed(node, 'napper ready');
  });

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  after(() => killAll(jvms));

  it('a debugger that leaves mid-invoke leaves no thread suspended once the invocation returns', async () => {
    proxy = await startProxy([node]);
    const vm = await attachAfterDebugger(proxy.vm);
    const s = await stopMain(vm);
    const since = node.output.length;
    await invokeAndDie(vm, s, 4_000, 0, 1_500);
    await waitForOutput(node, since, 'napped');
    await assertNothingSuspended(proxy.vm, 1);
    assert.ok(proxy.log.some((l) => /invocation on node node-1 returned after the debugger left/.test(l)), proxy.log.join('\n'));
  });

  it('what the next debugger suspended while the orphaned invocation ran stays suspended, and only that', async () => {
    proxy = await startProxy([node]);
    const a = await attachAfterDebugger(proxy.vm);
    const s = await stopMain(a);
    const since = node.output.length;
    await invokeAndDie(a, s, 4_000, SINGLE, 1_000);
    const b = await attachAfterDebugger(proxy.vm);
    try {
      await b.ThreadReference.Suspend(s.worker);
      await waitForOutput(node, since, 'napped');
      let suspended: string[] = [];
      for (let i = 0; i < 25; i++) {
        suspended = await suspendedThreads(b);
        if (suspended.length === 1) break;
        await sleep(200);
      }
      assert.deepEqual(suspended, ['[node-1] napper-worker (1)']);
      await b.ThreadReference.Resume(s.worker);
    } finally {
      await b.dispose();
    }
    await assertNothingSuspended(proxy.vm, 1);
  });

  it('an invocation longer than 10 s answers its real result', async () => {
    proxy = await startProxy([node]);
    await attachAfterDebugger(proxy.vm).then((c) => c.dispose());
    const vm = await JdwpClient.attach({ host: '127.0.0.1', port: proxy.vm.address.port }, { requestTimeoutMs: 30_000 });
    try {
      const s = await stopMain(vm);
      const started = Date.now();
      const r = await vm.ClassType.InvokeMethod(s.napper, s.main, s.nap, [{ tag: J, value: 11_500n }], SINGLE);
      const elapsed = Date.now() - started;
      assert.equal(r.exception.objectID, 0n);
      assert.equal(r.returnValue.tag, J);
      assert.ok((r.returnValue.value as bigint) >= 11_500n, `slept ${r.returnValue.value} ms`);
      assert.ok(elapsed >= 11_500, `answered after ${elapsed} ms`);
      console.log(`      (the 11.5 s invocation answered after ${elapsed} ms)`);
      assert.equal((await vm.ThreadReference.SuspendCount(s.main)).suspendCount, 1, 'still suspended by its breakpoint');
    } finally {
      await vm.dispose();
    }
    await assertNothingSuspended(proxy.vm, 1);
  });
});

/** Waits until the JVM printed a line after the first `since` lines. */
async function waitForOutput(jvm: Jvm, since: number, line: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!jvm.output.slice(since).includes(line)) {
    if (Date.now() > deadline) throw new Error(`the JVM did not print "${line}" within ${timeoutMs} ms`);
    await sleep(20);
  }
}
