// The JDI part of the stress suite (issue 8): the JDI check program's seeded storm scenario through the virtual VM
// over busy nodes with mixed versions. A failing run prints its seed; STRESS_SEED=S replays it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileJava, javaExecutable, type Jvm } from '../../jdwp/launch/java';
import type { VirtualVmOptions } from '../../jdwp/vm/server';
import { assertNothingSuspended as assertNodeRuns } from '../cli/support';
import { killAll, ROOT } from '../support/fixtures';
import { assertNothingSuspended, Expect, sleep, startProxy, type ProxyUnderTest } from './support';
import { HANDLE_LINE, startStormNodes, stressSeed, VERSIONED_LINE } from './storm-support';

const CHECK_CLASSES = path.join(ROOT, '.tmp', 'jdi-check');
const RUN_MS = 50_000;

/** Runs the storm scenario of the JDI check program against a proxy; returns its transcript. */
export async function runStorm(proxy: ProxyUnderTest, nodes: string[], seed: number, cycles: number, extra: string[] = []): Promise<{ code: number | null; transcript: string }> {
  compileJava(path.join(ROOT, 'test', 'jdi', 'src'), CHECK_CLASSES);
  const run = new Expect(javaExecutable('java'), [
    '-Xmx64m',
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-cp',
    CHECK_CLASSES,
    'jdicheck.FabricJdiCheck',
    'storm',
    String(proxy.vm.address.port),
    `nodes=${nodes.join(',')}`,
    `seed=${seed}`,
    `cycles=${cycles}`,
    `line=${HANDLE_LINE}`,
    `vline=${VERSIONED_LINE}`,
    ...extra,
  ]);
  try {
    const code = await Promise.race([run.exited, sleep(RUN_MS).then(() => 'timeout' as const)]);
    if (code === 'timeout') throw new Error(`the storm (seed ${seed}) did not finish within ${RUN_MS} ms\n${run.tail()}\n--- proxy log ---\n${proxy.log.join('\n')}`);
    return { code, transcript: run.transcript };
  } finally {
    await run.kill();
    fs.writeFileSync(path.join(CHECK_CLASSES, `storm-${seed}.log`), `${run.transcript}\n--- proxy log ---\n${proxy.log.join('\n')}\n`);
  }
}

/** Asserts a storm run passed, naming the seed that replays it. */
export function assertStormPassed(run: { code: number | null; transcript: string }, proxy: ProxyUnderTest, seed: number): void {
  const context = `\n(replay with STRESS_SEED=${seed})\n--- check program ---\n${run.transcript.slice(-8_000)}\n--- proxy log ---\n${proxy.log.slice(-60).join('\n')}`;
  const failures = run.transcript.split('\n').filter((l) => l.startsWith('FAIL '));
  assert.deepEqual(failures, [], `no check failed${context}`);
  assert.match(run.transcript, /^PASS hits-from-every-node$/m, `hits from every node${context}`);
  assert.equal(run.code, 0, `exit code${context}`);
}

function describeStorm(title: string, count: number, v2: number, options: VirtualVmOptions, cycles: number, extra: string[] = []): void {
  describe(title, function () {
    this.timeout(120_000);
    const jvms: Jvm[] = [];
    let proxy: ProxyUnderTest;
    let nodes: Jvm[] = [];
    const names = Array.from({ length: count }, (_, i) => `node-${i + 1}`);

    before(async function () {
      this.timeout(90_000);
      compileJava(path.join(ROOT, 'test', 'jdi', 'src'), CHECK_CLASSES);
      nodes = await startStormNodes(jvms, count, v2);
      proxy = await startProxy(nodes, options);
    });

    after(async () => {
      await proxy?.close().catch(() => undefined);
      await killAll(jvms);
    });

    it(`runs ${cycles} seeded cycles; every event once, stopped threads answer, nothing left after it leaves`, async () => {
      const seed = stressSeed();
      console.log(`      seed ${seed} (STRESS_SEED=${seed} replays it)`);
      const run = await runStorm(proxy, names, seed, cycles, extra);
      assertStormPassed(run, proxy, seed);
      await assertNothingSuspended(proxy.vm, count);
      // A request left on a node would keep reporting: the busy nodes hit every line many times a second.
      const stray = proxy.vm.router.strayEvents;
      await sleep(1_000);
      assert.equal(proxy.vm.router.strayEvents, stray, `no event of a request the debugger cleared reaches the proxy once it left (seed ${seed})`);
      // And from outside the proxy: each node, attached directly once the proxy has let go of it.
      await proxy.close();
      for (const [i, jvm] of nodes.entries()) await assertNodeRuns(() => ({ host: '127.0.0.1', port: jvm.port }), `node-${i + 1} (seed ${seed})`);
    });
  });
}

describeStorm('JDI storm over 3 nodes with mixed versions (SUSPEND_ALL and SUSPEND_EVENT_THREAD, node scope)', 3, 1, {}, 20);
describeStorm('JDI storm over 5 nodes with mixed versions (SUSPEND_ALL and SUSPEND_EVENT_THREAD, cluster scope)', 5, 1, { suspendScope: 'cluster' }, 30);
