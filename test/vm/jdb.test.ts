// jdb, unchanged, attached to the virtual VM over 3 fixture nodes: threads, breakpoints, stack, locals,
// expressions and cont, and no node left suspended once jdb has quit.
import * as assert from 'node:assert/strict';
import type { Jvm } from '../../jdwp/launch/java';
import { javaExecutable } from '../../jdwp/launch/java';
import { killAll, lineOf } from '../support/fixtures';
import { assertNothingSuspended, Expect, startNodes, startProxy, type ProxyUnderTest } from './support';

const BREAK_LINE = lineOf('fixture/Fixture.java', 'BREAK_LINE');
const NODES = ['node-1', 'node-2', 'node-3'];
/** A breakpoint hit as jdb prints it, up to the prompt of the thread it made current. */
const HIT = new RegExp(`Breakpoint hit: "thread=\\[(node-\\d+)\\] main", fixture\\.Fixture\\.work\\(\\), line=${BREAK_LINE} bci=\\d+\\s*\\n\\[node-\\d+\\] main\\[1\\] `);

describe('jdb through the virtual VM (3 fixture nodes)', function () {
  this.timeout(120_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest;
  let jdb: Expect | undefined;

  before(async function () {
    this.timeout(60_000);
    const nodes = await startNodes(jvms, 3);
    proxy = await startProxy(nodes);
  });

  after(async () => {
    await jdb?.kill();
    await proxy?.close().catch(() => undefined);
    await killAll(jvms);
  });

  /** Fails with jdb's transcript and the proxy's log. */
  function context(): string {
    return `\n--- jdb ---\n${jdb?.tail() ?? ''}\n--- proxy log ---\n${proxy.log.join('\n')}`;
  }

  /** Collects breakpoint hits until every node has stopped or no further hit comes within quietMs. */
  async function collectHits(first: string[], quietMs: number): Promise<string[]> {
    const hits = [...first];
    while (new Set(hits).size < NODES.length) {
      const m = await jdb!.expect(HIT, quietMs).catch(() => undefined);
      if (!m) break;
      hits.push(m[1]);
    }
    return hits;
  }

  it('lists, stops, inspects, evaluates and continues on every node, and leaves nothing suspended', async () => {
    jdb = new Expect(javaExecutable('jdb'), ['-attach', `127.0.0.1:${proxy.vm.address.port}`]);
    await jdb.expect(/Initializing jdb \.\.\.\s*\n> /, 20_000);

    jdb.send('threads');
    const listing = (await jdb.expect(/Group cluster:\n([\s\S]*?)\n> /))[1];
    for (const node of NODES) {
      assert.match(listing, new RegExp(`\\[${node}\\] main\\s`), `threads lists ${node}'s main thread${context()}`);
      assert.match(listing, new RegExp(`\\[${node}\\] fixture-sleeper\\s`), `threads lists ${node}'s fixture-sleeper${context()}`);
    }

    jdb.send(`stop at fixture.Fixture:${BREAK_LINE}`);
    await jdb.expect(new RegExp(`Set breakpoint fixture\\.Fixture:${BREAK_LINE}`));
    const hits: string[] = [];
    // Each node suspends itself at its hit (jdb asks SUSPEND_ALL, the default node scope keeps it to that node),
    // so at most one hit per node comes before `cont`; the last one is jdb's current thread.
    const firstRound = await collectHits([(await jdb.expect(HIT, 20_000))[1]], 3_000);
    hits.push(...firstRound);
    const current = firstRound[firstRound.length - 1];

    jdb.send('where');
    const where = (await jdb.expect(/\n?(\s*\[1\][\s\S]*?)\n\[node-\d+\] main\[1\] /))[1];
    assert.match(where, new RegExp(`\\[1\\] fixture\\.Fixture\\.work \\(Fixture\\.java:${BREAK_LINE}\\)`), `where shows work() at the breakpoint${context()}`);
    assert.match(where, /\[2\] fixture\.Fixture\.main \(Fixture\.java:\d+\)/, `where shows main() below${context()}`);

    jdb.send('locals');
    const locals = (await jdb.expect(/(Method arguments:[\s\S]*?)\n\[node-\d+\] main\[1\] /))[1];
    const round = Number(/\bround = (\d+)/.exec(locals)?.[1]);
    assert.ok(Number.isInteger(round), `locals shows the argument round${context()}`);
    assert.match(locals, new RegExp(`\\bstr = "round-${round}"`), `locals shows str${context()}`);
    assert.match(locals, /\bs = 300\b/, `locals shows s${context()}`);
    assert.match(locals, /\bl = 1234567890123\b/, `locals shows l${context()}`);
    assert.match(locals, /\barr = instance of int\[3\]/, `locals shows the int[]${context()}`);

    jdb.send('print i');
    assert.equal((await jdb.expect(/ i = (-?\d+)\n/))[1], String(round), `print i${context()}`);
    jdb.send('print obj.name');
    assert.equal((await jdb.expect(/ obj\.name = "([^"]*)"\n/))[1], `obj-${round}`, `print obj.name${context()}`);
    jdb.send('print str.length()');
    assert.equal((await jdb.expect(/ str\.length\(\) = (\d+)\n/))[1], String(`round-${round}`.length), `print str.length() runs a method on ${current}${context()}`);
    // jdb restores its current thread and frame after an evaluation that ran a method, then prompts; a cont before
    // that prompt races the restore ("Current thread isn't suspended."), as it would on one JVM.
    await jdb.expect(/\[node-\d+\] main\[1\] /);

    for (let round = 0; round < 3; round++) {
      jdb.send('cont');
      hits.push(...(await collectHits([(await jdb.expect(HIT, 10_000))[1]], 3_000)));
    }
    const nodesHit = new Set(hits);
    assert.ok(nodesHit.size >= 2, `breakpoint hits from at least 2 nodes, got ${[...nodesHit].join(', ')}${context()}`);
    for (const node of nodesHit) assert.ok(NODES.includes(node), `hit from an unknown node ${node}`);

    // Quit with every node still stopped at its breakpoint: the proxy must clear and resume them.
    jdb.send(`clear fixture.Fixture:${BREAK_LINE}`);
    await jdb.expect(new RegExp(`Removed: breakpoint fixture\\.Fixture:${BREAK_LINE}`));
    jdb.send('quit');
    const code = await Promise.race([jdb.exited, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
    assert.notEqual(code, 'timeout', `jdb quits${context()}`);

    const perNode = await assertNothingSuspended(proxy.vm, 3);
    for (const node of NODES) assert.ok((perNode.get(node) ?? 0) > 0, `${node} still serves threads after jdb left`);
  });
});
