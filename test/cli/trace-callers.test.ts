// jdwp-fabric trace through the virtual VM over a chain of HTTP services: hits in a handler carry their callers.
import * as assert from 'node:assert/strict';
import { ExitCode } from '../../cli/exit-codes';
import type { Jvm } from '../../jdwp/launch/java';
import { formatAddress } from '../../jdwp/transport/tcp';
import { killAll } from '../support/fixtures';
import { callWork, hopLine, startChain, type Chain } from '../vm/chain-support';
import { startProxy, type ProxyUnderTest } from '../vm/support';
import { assertNothingSuspended, hitsOf, sleep, startCli, waitForLine, type CliRun } from './support';

const NAMES = ['front', 'mid', 'leaf'];

describe('jdwp-fabric trace: callers of a hit in a stitched stack (three services)', function () {
  this.timeout(120_000);
  const jvms: Jvm[] = [];
  let chain: Chain;
  let proxy: ProxyUnderTest | undefined;

  before(async () => {
    chain = await startChain(jvms, NAMES);
    assert.match((await callWork(chain.urls[0])).body, /front@0 <- mid@1 <- leaf@2/);
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });
  after(() => killAll(jvms));

  /** Runs a trace to its end while requests flow through the chain; every request must complete. */
  async function traceWhileCalling(options: Record<string, unknown>, ...args: string[]): Promise<{ code: number | null; run: CliRun }> {
    proxy = await startProxy(chain.jvms, { nodes: chain.jvms.map((j, i) => `${NAMES[i]}=127.0.0.1:${j.port}`), ...options });
    const address = proxy.vm.address;
    const run = startCli(['trace', '--connect', formatAddress(address), '--json', ...args]);
    await waitForLine(run, 'stderr', (l) => l.includes('"boundNodes"'));
    // One request at a time: each hit is the only one in flight, so the proxy's work can be counted per hit.
    for (let n = 0; run.child.exitCode === null && n < 40; n++) {
      assert.match((await callWork(chain.urls[0])).body, /front@0 <- mid@1 <- leaf@2/);
      await Promise.race([run.exited, sleep(100)]);
    }
    const code = await run.exited;
    await assertNothingSuspended(() => address, 'the chain');
    return { code, run };
  }

  it('a hit in the leaf carries mid and front as callers, each with its top --stack frames', async () => {
    const { code, run } = await traceWhileCalling({}, '--at', `hopfix.Hop:${hopLine('LEAF_LINE')}`, '--max-hits', '1', '--stack', '4', '--no-locals');
    assert.equal(code, ExitCode.OK, run.stderr.join('\n'));
    const [hit] = hitsOf(run.stdout);
    assert.equal(hit.node, 'leaf');
    assert.equal(proxy!.vm.cluster.stitches.stats.searches, 1, 'one search for the callers of the one hit');
    assert.deepEqual([hit.stack![0].method, hit.stack![0].line], ['work', hopLine('LEAF_LINE')]);
    assert.ok(hit.stack!.length <= 4 && hit.stack!.every((f) => !f.class.startsWith('jdk.internal.net.http')), JSON.stringify(hit.stack));
    const callers = hit.callers!;
    assert.deepEqual(callers?.map((c) => [c.node, c.edge, c.label]), [
      ['mid', 'jdk-httpclient -> jdk-httpserver', 'HTTP GET /work'],
      ['front', 'jdk-httpclient -> jdk-httpserver', 'HTTP GET /work'],
    ]);
    for (const c of callers) {
      assert.match(c.thread, /^\S+$/, 'the caller thread name, without a node prefix');
      assert.equal(c.frames.length, 4, 'the --stack budget, per hop');
      assert.match(c.frames[0], /^jdk\.internal\.net\.http\.HttpClientImpl\.send:\d+$/);
    }
  });

  it('the callers reach down to Hop.work on the call line; --no-stitch on the proxy and --stack 0 leave them out', async () => {
    const deep = await traceWhileCalling({}, '--at', `hopfix.Hop:${hopLine('LEAF_LINE')}`, '--max-hits', '1', '--stack', '40', '--no-locals');
    const [hit] = hitsOf(deep.run.stdout);
    for (const c of hit.callers!) assert.ok(c.frames.includes(`hopfix.Hop.work:${hopLine('CALL_LINE')}`), c.frames.join('\n'));
    await proxy!.close();
    proxy = undefined;
    const none = await traceWhileCalling({}, '--at', `hopfix.Hop:${hopLine('LEAF_LINE')}`, '--max-hits', '1', '--stack', '0', '--no-locals');
    assert.equal(hitsOf(none.run.stdout)[0].callers, undefined);
    await proxy!.close();
    proxy = undefined;
    const unstitched = await traceWhileCalling({ stitch: false }, '--at', `hopfix.Hop:${hopLine('LEAF_LINE')}`, '--max-hits', '1', '--stack', '40', '--no-locals');
    const [own] = hitsOf(unstitched.run.stdout);
    assert.equal(own.callers, undefined);
    assert.ok(own.stack!.some((f) => f.method === 'handle'));
  });
});
