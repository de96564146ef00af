// A JDI program (test/jdi), attached with the SocketAttach connector as IntelliJ does, checks the virtual VM over
// real fixture nodes, one scenario per run; the harness acts between its steps (kills or starts a node) and
// checks from outside that nothing stays suspended. The scenarios run in order and share the nodes: 3 identical
// nodes (basics, disconnect-mid-step), then node-3 replaced by the changed build (versions, node-dies kills node-2),
// then a proxy that also accepts dial-ins over the 2 survivors (late-join, late-join while stopped).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Jvm } from '../../jdwp/launch/java';
import { fixtureClasses, killAll, lineOf } from '../support/fixtures';
import { assertPassed as assertJdiPassed, CHECK_CLASSES, checkClasses, runCheck as runJdiCheck, type CheckRun } from './jdi-check';
import { assertNothingSuspended, sleep, startNode, startNodes, startProxy, threadNamesOf, versionTwoClasses, type ProxyUnderTest } from './support';

const BREAK_LINE = lineOf('fixture/Fixture.java', 'BREAK_LINE');
const VERSIONED_LINE = lineOf('versioned/Versioned.java', 'VERSIONED_LINE');
const NODES3 = 'nodes=node-1,node-2,node-3';
describe('JDI through the virtual VM', function () {
  this.timeout(60_000);
  const jvms: Jvm[] = [];
  let nodes: Jvm[] = [];
  let proxy: ProxyUnderTest | undefined;
  let threadsFile = '';

  before(async function () {
    this.timeout(90_000);
    checkClasses();
    versionTwoClasses();
    nodes = await startNodes(jvms, 3);
    // A JVM serves one debugger at a time: count each node's threads directly before the proxy takes them.
    const censuses = await Promise.all(nodes.map((n) => threadNamesOf(n)));
    threadsFile = path.join(CHECK_CLASSES, 'threads-basics.txt');
    fs.writeFileSync(threadsFile, censuses.flatMap((names, i) => names.map((n) => `node-${i + 1}\t${n}`)).join('\n') + '\n');
    proxy = await startProxy(nodes);
  });

  after(async () => {
    await proxy?.close().catch(() => undefined);
    await killAll(jvms);
  });

  /** Stops the current proxy (its nodes listen again on new ports) and starts one over other nodes. */
  async function switchProxy(over: Jvm[], options: Parameters<typeof startProxy>[1] = {}): Promise<ProxyUnderTest> {
    await proxy?.close();
    proxy = undefined;
    proxy = await startProxy(over, options);
    return proxy;
  }

  function proxyLog(): string {
    return `\n--- proxy log ---\n${proxy?.log.join('\n') ?? ''}`;
  }

  /** Runs one scenario of the check program against the current proxy (see jdi-check.ts). */
  function runCheck(scenario: string, args: string[], actions: Record<string, () => Promise<void>> = {}): Promise<CheckRun> {
    return runJdiCheck(proxy!.vm.address.port, scenario, args, proxyLog, actions);
  }

  function assertPassed(run: CheckRun, expected: string[]): void {
    assertJdiPassed(run, expected, proxyLog);
  }

  it('basics: threads, classes, hits on every node, frames and values, step, invoke, mirrorOf, suspend and resume, instance counts', async () => {
    const run = await runCheck('basics', [NODES3, `line=${BREAK_LINE}`, `threads=${threadsFile}`]);
    assertPassed(run, [
      'attach',
      'allThreads-sum',
      'thread-groups-cluster-tree',
      'classesByName-one-Fixture',
      'allClasses-one-Fixture',
      'breakpoint-hits-every-node',
      'frames-locals-values',
      'invoke-instance-method',
      'invoke-static-method',
      'mirrorOf-string-on-node-2-and-3',
      'object-of-another-node-refused',
      'step-over-next-line',
      'suspend-all-threads',
      'instanceCounts-summed',
      'resume-all-threads',
      'count-filter-counts-across-cluster',
      'field-watchpoint-every-node',
      'dispose',
    ]);
    await assertNothingSuspended(proxy!.vm, 3);
  });

  it('disconnect-mid-step: a debugger that dies with threads stopped and stepping leaves no node suspended', async () => {
    const run = await runCheck('disconnect-mid-step', [NODES3, `line=${BREAK_LINE}`]);
    assertPassed(run, ['attach', 'stopped-then-stepping']);
    assert.ok(run.lines.includes('EXITING without Dispose'), `the program exited abruptly\n${run.transcript}`);
    await assertNothingSuspended(proxy!.vm, 3);
    const again = await runCheck('attach-again', [NODES3, `line=${BREAK_LINE}`]);
    assertPassed(again, ['attach', 'hits-every-node-again', 'dispose']);
    await assertNothingSuspended(proxy!.vm, 3);
  });

  it('versions: a node running a changed build gives two classes, and a breakpoint on one version hits only its nodes', async function () {
    this.timeout(90_000);
    // node-3 now runs the changed build of fixture.Versioned, first on its class path.
    const v2 = await startNode(jvms, { classPath: [versionTwoClasses(), fixtureClasses()] });
    const old = nodes[2];
    nodes = [nodes[0], nodes[1], v2];
    await switchProxy(nodes);
    await old.kill();
    const run = await runCheck('versions', [NODES3, 'v2=node-3', `line=${VERSIONED_LINE}`]);
    assertPassed(run, ['attach', 'classesByName-two-Versioned', 'classesByName-one-Fixture', 'allClasses-two-Versioned', 'breakpoint-on-v1-hits-only-its-nodes', 'breakpoint-on-v2-hits-only-its-nodes', 'dispose']);
    await assertNothingSuspended(proxy!.vm, 3);
  });

  it('node-dies: killing a node mid-session leaves the session going on the others', async () => {
    const victim = nodes[1];
    const run = await runCheck('node-dies', [NODES3, 'victim=node-2', `line=${BREAK_LINE}`], {
      kill: async () => {
        await victim.kill();
        nodes = nodes.filter((n) => n !== victim);
        const deadline = Date.now() + 10_000;
        while (proxy!.vm.cluster.live().length > 2 && Date.now() < deadline) await sleep(20);
      },
    });
    assertPassed(run, ['attach', 'hits-every-node-before-kill', 'hits-go-on-from-survivors', 'allThreads-without-dead-node', 'stale-thread-fails-fast', 'threadDeath-for-dead-node', 'dispose']);
    await assertNothingSuspended(proxy!.vm, 2);
  });

  it('late-join: a node that dials in mid-session gets the breakpoint already set', async function () {
    this.timeout(90_000);
    const p = await switchProxy(nodes, { accept: '127.0.0.1:0' });
    const run = await runCheck('late-join', ['nodes=node-1,node-2', `line=${BREAK_LINE}`], {
      join: async () => {
        await startNode(jvms, { mode: 'dial', dialAddress: `127.0.0.1:${p.vm.acceptAddress!.port}` });
        await p.vm.waitForNodes(3, 20_000);
      },
    });
    assertPassed(run, ['attach', 'hits-from-first-nodes', 'late-node-hits-breakpoint-set-before', 'late-node-in-allThreads', 'threadStart-for-every-thread-of-late-node', 'dispose']);
    await assertNothingSuspended(p.vm, 3);
  });

  it('late-join while stopped: a node started with suspend=y joins without resuming a thread stopped on another node', async function () {
    this.timeout(90_000);
    const p = proxy!;
    const before = p.vm.cluster.live().length;
    const run = await runCheck('late-join-while-stopped', ['held=node-1', `line=${BREAK_LINE}`], {
      join: async () => {
        await startNode(jvms, { mode: 'dial', suspend: true, dialAddress: `127.0.0.1:${p.vm.acceptAddress!.port}` });
        await p.vm.waitForNodes(before + 1, 20_000);
      },
    });
    assertPassed(run, ['attach', 'stopped-on-one-node', 'late-suspended-node-runs-into-breakpoint', 'stopped-thread-stays-stopped', 'dispose']);
    await assertNothingSuspended(p.vm, before + 1);
  });
});
