// jdb, unchanged, through the virtual VM over a chain of three HTTP services on three JVMs: `where` in the last
// service's handler shows the callers' frames on the other nodes, `up` walks into them and `locals` shows their
// locals; `step` on a line that calls the next service lands in that service's handler.
import * as assert from 'node:assert/strict';
import type { Jvm } from '../../jdwp/launch/java';
import { javaExecutable } from '../../jdwp/launch/java';
import { killAll } from '../support/fixtures';
import { callWork, hopLine, startChain, type Chain } from './chain-support';
import { assertNothingSuspended, Expect, startProxy, type ProxyUnderTest } from './support';

const NAMES = ['front', 'mid', 'leaf'];
const PROMPT = /\n?\[(front|mid|leaf)\] [\w-]+\[(\d+)\] $/;

describe('jdb over a chain of HTTP services (stitched stacks, stepping into a remote call)', function () {
  this.timeout(120_000);
  const jvms: Jvm[] = [];
  let chain: Chain;
  let proxy: ProxyUnderTest;
  let jdb: Expect | undefined;

  before(async () => {
    chain = await startChain(jvms, NAMES);
    assert.match((await callWork(chain.urls[0])).body, /front@0 <- mid@1 <- leaf@2/);
    proxy = await startProxy(chain.jvms, { nodes: chain.jvms.map((j, i) => `${NAMES[i]}=127.0.0.1:${j.port}`) });
  });

  afterEach(async () => {
    if (jdb) {
      jdb.send('exit');
      await jdb.kill();
      jdb = undefined;
    }
  });

  after(async () => {
    if (proxy) await assertNothingSuspended(proxy.vm, 3);
    await proxy?.close().catch(() => undefined);
    await killAll(jvms);
  });

  function context(): string {
    return `\n--- jdb ---\n${jdb?.tail() ?? ''}\n--- proxy log ---\n${proxy.log.join('\n')}`;
  }

  async function attach(): Promise<Expect> {
    const j = new Expect(javaExecutable('jdb'), ['-attach', `127.0.0.1:${proxy.vm.address.port}`]);
    await j.expect(/Initializing jdb \.\.\.\s*\n> /, 20_000);
    return j;
  }

  it('where, up and locals walk from the leaf into its callers on the other nodes', async () => {
    jdb = await attach();
    const leaf = hopLine('LEAF_LINE');
    jdb.send(`stop at hopfix.Hop:${leaf}`);
    await jdb.expect(new RegExp(`Set breakpoint hopfix\\.Hop:${leaf}`));
    const pending = callWork(chain.urls[0]);
    await jdb.expect(new RegExp(`Breakpoint hit: "thread=\\[leaf\\] [^"]+", hopfix\\.Hop\\.work\\(\\), line=${leaf}`), 20_000);
    await jdb.expect(PROMPT);

    jdb.send('where');
    const where = (await jdb.expect(/(\s*\[1\][\s\S]*?)\n\[leaf\] [\w-]+\[1\] /))[1];
    const frames = where.split('\n').filter((l) => /^\s*\[\d+\]/.test(l));
    const works = frames.filter((l) => /hopfix\.Hop\.work \(Hop\.java:\d+\)/.test(l));
    assert.equal(works.length, 3, `where shows Hop.work on leaf, mid and front${context()}`);
    assert.match(works[1], new RegExp(`Hop\\.java:${hopLine('CALL_LINE')}\\)`), `mid's frame is on its call line${context()}`);
    const midWork = Number(/\[(\d+)\]/.exec(works[1])![1]);
    const frontWork = Number(/\[(\d+)\]/.exec(works[2])![1]);

    jdb.send(`up ${midWork - 1}`);
    await jdb.expect(new RegExp(`\\[leaf\\] [\\w-]+\\[${midWork}\\] `));
    jdb.send('locals');
    const midLocals = (await jdb.expect(/(Method arguments:[\s\S]*?)\n\[leaf\] [\w-]+\[\d+\] /))[1];
    assert.match(midLocals, /\bdepth = 1\b/, `mid's depth local${context()}`);
    assert.match(midLocals, /\bhop = "mid@1"/, `mid's hop local${context()}`);

    jdb.send(`up ${frontWork - midWork}`);
    await jdb.expect(new RegExp(`\\[leaf\\] [\\w-]+\\[${frontWork}\\] `));
    jdb.send('print hop');
    assert.match((await jdb.expect(/hop = "([^"]*)"/))[1], /^front@0$/, `front's hop local${context()}`);

    jdb.send('clear');
    await jdb.expect(PROMPT);
    jdb.send(`clear hopfix.Hop:${leaf}`);
    await jdb.expect(/Removed: breakpoint/);
    jdb.send('cont');
    assert.match((await pending).body, /front@0 <- mid@1 <- leaf@2/);
  });

  it('step on the line that calls the next service lands in its handler on the other node', async () => {
    jdb = await attach();
    const call = hopLine('CALL_LINE');
    jdb.send(`stop at hopfix.Hop:${call}`);
    await jdb.expect(new RegExp(`Set breakpoint hopfix\\.Hop:${call}`));
    const pending = callWork(chain.urls[0]);
    await jdb.expect(new RegExp(`Breakpoint hit: "thread=\\[front\\] [^"]+", hopfix\\.Hop\\.work\\(\\), line=${call}`), 20_000);
    await jdb.expect(PROMPT);
    jdb.send(`clear hopfix.Hop:${call}`);
    await jdb.expect(/Removed: breakpoint/);
    jdb.send('step');
    const landed = await jdb.expect(/Step completed: "thread=\[(\w+)\] [^"]+", hopfix\.Hop\.(\w+)\([^)]*\), line=(\d+)/, 20_000);
    assert.equal(landed[1], 'mid', `the step lands on the node that serves the call${context()}`);
    assert.equal(landed[2], 'handle', `in the handler${context()}`);
    await jdb.expect(PROMPT);
    jdb.send('where');
    const where = (await jdb.expect(/(\s*\[1\][\s\S]*?)\n\[mid\] [\w-]+\[1\] /))[1];
    assert.match(where, /\[1\] hopfix\.Hop\.handle/, `where starts in the handler${context()}`);
    assert.match(where, new RegExp(`hopfix\\.Hop\\.work \\(Hop\\.java:${call}\\)`), `and goes on into the caller on front${context()}`);
    jdb.send('cont');
    assert.match((await pending).body, /front@0 <- mid@1 <- leaf@2/);
  });
});
