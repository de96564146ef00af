// Every command of the protocol table (the 95 JDWP commands and the Fabric set) exercised through the virtual VM
// over 2 fixture nodes, each scenario asserting what the command's rule (jdwp/vm/rules.ts) promises, with the
// nodes themselves as the oracle. The scenarios run in table order and share one stage (test/vm/conformance/
// world.ts): those that change the target undo what they change, and the few that cannot (Stop, Interrupt,
// PopFrames, ForceEarlyReturn, Dispose) run last. A second proxy, started --read-only over the same nodes, then
// refuses every command rules.ts marks readOnly.
import * as assert from 'node:assert/strict';
import type { Jvm } from '../../jdwp/launch/java';
import { allCommands } from '../../jdwp/registry';
import { COMMAND_RULES } from '../../jdwp/vm/rules';
import { killAll } from '../support/fixtures';
import { attachAfterDebugger, FIXTURE_PAUSE_MS, sleep, startProxy } from './support';
import { readOnlyStage } from './conformance/read-only';
import { eventsOf, expectError, K, methodOf, MOD, P, startWorld, threadsByName, typeView, type Scenario, type World } from './conformance/world';
import type { JdwpClient } from '../../jdwp/client/client';
import type { ClassID, ThreadID } from '../../jdwp/protocol/wire-types';
import { JDWP } from '../../jdwp/registry';
import { FINAL_SCENARIOS } from './conformance/final-sets';
import { OBJECT_SCENARIOS } from './conformance/object-sets';
import { REQUEST_SCENARIOS } from './conformance/request-sets';
import { THREAD_SCENARIOS } from './conformance/thread-sets';
import { TYPE_SCENARIOS } from './conformance/type-sets';
import { VM_SCENARIOS } from './conformance/vm-set';

/** What a read-only debugger may still do: a tracepoint (a breakpoint that suspends nothing), and suspending one thread. */
async function readOnlyStillObserves(vm: JdwpClient): Promise<void> {
  const fixture = await typeView(vm, 'Lfixture/Fixture;');
  const loc = { typeTag: JDWP.TypeTag.CLASS, classID: fixture.id as ClassID, methodID: methodOf(fixture, 'work'), index: 0n };
  const { requestID } = await vm.EventRequest.Set(K.BREAKPOINT, P.NONE, [{ modKind: MOD.LocationOnly, loc }]);
  const hits = await eventsOf(vm, requestID, () => sleep(400));
  await vm.EventRequest.Clear(K.BREAKPOINT, requestID);
  assert.ok(hits.length > 0, 'a tracepoint reports hits under --read-only');
  const sleeper = (await threadsByName(vm)).get('[node-2] fixture-sleeper') as ThreadID;
  await vm.ThreadReference.Suspend(sleeper);
  assert.equal((await vm.ThreadReference.SuspendCount(sleeper)).suspendCount, 1, 'a read-only debugger suspends one thread');
  await vm.ThreadReference.Resume(sleeper);
  assert.equal((await vm.ThreadReference.SuspendCount(sleeper)).suspendCount, 0, 'and resumes it');
}

/** One scenario per command, in the order they run. */
const SCENARIOS: Record<string, Scenario> = {
  ...VM_SCENARIOS,
  ...TYPE_SCENARIOS,
  ...OBJECT_SCENARIOS,
  ...THREAD_SCENARIOS,
  ...REQUEST_SCENARIOS,
  ...FINAL_SCENARIOS,
};

describe('virtual VM rule conformance: every command through 2 nodes', function () {
  this.timeout(60_000);
  const jvms: Jvm[] = [];
  let w: World | undefined;
  /** Set once the read-only check has closed the stage's proxy (closing it again would wait for nodes to relisten). */
  let stageClosed = false;

  before(async function () {
    this.timeout(60_000);
    w = await startWorld(jvms);
  });

  let logShown = 0;
  afterEach(function () {
    if (this.currentTest?.state !== 'failed' || !w) return;
    const log = w.proxy.log.slice(logShown);
    logShown = w.proxy.log.length;
    console.log(`--- proxy log since the last failure ---\n${log.slice(-40).join('\n')}`);
    for (const nv of w.nodes) if (nv.jvm.process.exitCode !== null || nv.jvm.process.signalCode !== null) console.log(`--- ${nv.name} exited (${nv.jvm.process.exitCode ?? nv.jvm.process.signalCode}) ---\n${nv.jvm.output.slice(-20).join('\n')}`);
  });

  after(async () => {
    if (w && !stageClosed) {
      await w.vm.dispose().catch(() => undefined);
      await w.proxy.close().catch(() => undefined);
    }
    await killAll(jvms);
  });

  it('has one scenario for exactly every command of the protocol table', () => {
    const commands = allCommands().map((c) => c.fullName);
    assert.deepEqual(Object.keys(SCENARIOS).filter((name) => !commands.includes(name)), [], 'scenarios of no command');
    assert.deepEqual(commands.filter((name) => !SCENARIOS[name]), [], 'commands without a scenario');
  });

  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(`${name} (${COMMAND_RULES[name]?.rule ?? 'no rule'})`, async () => {
      assert.ok(w, 'the stage did not start');
      await scenario(w);
    });
  }

  it('refuses every command marked readOnly with NOT_IMPLEMENTED under --read-only, changing nothing', async () => {
    assert.ok(w, 'the stage did not start');
    await w.proxy.close();
    stageClosed = true;
    const proxy = await startProxy(jvms, { readOnly: true });
    try {
      const vm = await attachAfterDebugger(proxy.vm);
      try {
        const stage = await readOnlyStage(vm);
        try {
          const marked = Object.keys(COMMAND_RULES).filter((name) => COMMAND_RULES[name].readOnly);
          assert.deepEqual(Object.keys(stage.calls).sort(), marked.sort(), 'one refused call per command marked readOnly');
          const before = await stage.observe();
          for (const [name, call] of Object.entries(stage.calls)) {
            await expectError(call(), 'NOT_IMPLEMENTED').catch((err: Error) => assert.fail(`${name}: ${err.message}`));
          }
          assert.deepEqual(await stage.observe(), before, 'nothing changed');
          assert.equal(before.arg, FIXTURE_PAUSE_MS);
          const caps = await vm.VirtualMachine.CapabilitiesNew();
          const theirs = await proxy.vm.cluster.live()[0].client.VirtualMachine.CapabilitiesNew();
          assert.deepEqual([caps.canRedefineClasses, caps.canPopFrames, caps.canForceEarlyReturn], [false, false, false]);
          assert.deepEqual([theirs.canRedefineClasses, theirs.canPopFrames, theirs.canForceEarlyReturn], [true, true, true]);
          assert.deepEqual([caps.canSetDefaultStratum, theirs.canSetDefaultStratum], [false, true], 'SetDefaultStratum is off under --read-only');
          await readOnlyStillObserves(vm);
        } finally {
          await stage.release();
        }
      } finally {
        await vm.dispose();
      }
      for (const j of jvms) assert.equal(j.process.exitCode, null, 'Exit was refused');
    } finally {
      await proxy.close();
    }
  });
});
