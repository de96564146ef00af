// jdb's clear over mixed versions (issue 8, item 4): with one node on the changed build of fixture.Versioned, jdb
// sees two classes of that name and sets its line breakpoint on both; `clear` must stop the hits on every node.
import * as assert from 'node:assert/strict';
import { javaExecutable, type Jvm } from '../../jdwp/launch/java';
import { JDWP } from '../../jdwp/registry';
import { killAll } from '../support/fixtures';
import { assertNothingSuspended, Expect, sleep, startProxy, type ProxyUnderTest } from './support';
import { startStormNode, startStormNodes, VERSIONED_LINE } from './storm-support';

const NODES = ['node-1', 'node-2', 'node-3'];
/** A hit as jdb prints it (its "Breakpoint hit: " prefix may be split from the rest by another line). */
const HIT = new RegExp(`"thread=\\[(node-\\d+)\\] worker-\\d+", fixture\\.Versioned\\.value\\(\\), line=${VERSIONED_LINE} bci=\\d+`);

describe('jdb clear through the virtual VM over mixed versions', function () {
  this.timeout(120_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest;
  let jdb: Expect | undefined;

  before(async function () {
    this.timeout(60_000);
    proxy = await startProxy(await startStormNodes(jvms, 3, 1));
  });

  after(async () => {
    await jdb?.kill();
    await proxy?.close().catch(() => undefined);
    await killAll(jvms);
  });

  function context(): string {
    return `\n--- jdb ---\n${jdb?.tail() ?? ''}\n--- proxy log ---\n${proxy.log.join('\n')}`;
  }

  /**
   * Collects hits until every node hit. jdb's breakpoints are SUSPEND_ALL: the virtual VM hands it one event set
   * at a time (the other nodes wait at their own hit), and each cont resumes the held one and lets the next come.
   * The last hit stays held.
   */
  async function hitsOnEveryNode(timeoutMs: number): Promise<Set<string>> {
    const nodes = new Set<string>();
    const deadline = Date.now() + timeoutMs;
    while (nodes.size < NODES.length && Date.now() < deadline) {
      const m = await jdb!.expect(HIT, Math.max(1, deadline - Date.now())).catch(() => undefined);
      if (!m) continue;
      nodes.add(m[1]);
      if (nodes.size < NODES.length) jdb!.send('cont');
    }
    return nodes;
  }

  it('stop at, cont, clear, cont: no hit comes from any node of either version', async () => {
    jdb = new Expect(javaExecutable('jdb'), ['-attach', `127.0.0.1:${proxy.vm.address.port}`]);
    await jdb.expect(/Initializing jdb \.\.\.\s*\n> /, 20_000);
    jdb.send(`stop at fixture.Versioned:${VERSIONED_LINE}`);
    await jdb.expect(new RegExp(`Set breakpoint fixture\\.Versioned:${VERSIONED_LINE}`));
    assert.deepEqual([...(await hitsOnEveryNode(20_000))].sort(), NODES, `a hit on every node${context()}`);
    jdb.send('cont');
    assert.deepEqual([...(await hitsOnEveryNode(20_000))].sort(), NODES, `hits on every node after cont${context()}`);

    // One hit is held and the other nodes wait at theirs; their sets are resumed, not delivered, once the breakpoint goes.
    jdb.send(`clear fixture.Versioned:${VERSIONED_LINE}`);
    await jdb.expect(new RegExp(`Removed: breakpoint fixture\\.Versioned:${VERSIONED_LINE}`));
    jdb.send('cont');
    await sleep(2_000);
    assert.doesNotMatch(jdb.pending(), HIT, `no hit after clear${context()}`);
    const breakpoints = [...(proxy.vm.session?.requests.requests.values() ?? [])].filter((r) => r.eventKind === JDWP.EventKind.BREAKPOINT);
    assert.deepEqual(breakpoints.map((r) => r.id), [], `the proxy keeps no breakpoint of jdb's${context()}`);

    // A node of the changed build that joins now gets no breakpoint either.
    const late = await startStormNode(jvms, true);
    proxy.vm.addNode(`node-4=127.0.0.1:${late.port}`);
    await proxy.vm.waitForNodes(4, 20_000);
    await sleep(1_500);
    assert.doesNotMatch(jdb.pending(), HIT, `no hit after a node joined${context()}`);
    jdb.send('quit');
    await Promise.race([jdb.exited, sleep(10_000)]);
    await assertNothingSuspended(proxy.vm, 4);
  });
});
