// `jdwp-fabric trace --request SPEC` on the demo flow under load: the tracepoint captures only requests marked
// X-Debug-Session: alice; a plain JVM refuses --request with a usage error.
import * as assert from 'node:assert/strict';
import { demoMarker, startFlowCluster, type FlowCluster } from '../../cli/demo-cluster';
import { LoadGenerator } from '../../cli/load';
import type { Jvm } from '../../jdwp/launch/java';
import { killAll, startFixture } from '../support/fixtures';
import { hitsOf, runCli } from './support';

describe('trace --request (request-scoped tracepoints through the virtual VM)', function () {
  this.timeout(120_000);
  let flow: FlowCluster;

  before(async () => {
    flow = await startFlowCluster({ perService: 1, proxy: { scopeBudget: 10 } });
  });

  after(async () => {
    await flow?.stop();
  });

  it('captures only marked requests while the others run unpaused', async () => {
    const load = LoadGenerator.start({ targets: flow.gatewayUrls, rate: 30, concurrency: 30, markEvery: 5 });
    try {
      const run = await runCli([
        'trace',
        '--connect',
        flow.proxyAddress!,
        '--at',
        `demo.Orders:${demoMarker('DEMO_BREAKPOINT').line}`,
        '--request',
        'header:X-Debug-Session=alice',
        '--capture',
        'exchange.getRequestHeaders().getFirst("X-Debug-Session")',
        '--no-locals',
        // A hit here holds its thread 0.4-1.1 s on this machine (a stitched stack and a capture by invocation):
        // over the default 250 ms, three in a row would switch the probe off before its fourth hit. What is
        // tested is the scope, not the pause guard (trace-cluster.test covers that).
        '--max-pause',
        '5000',
        '--max-hits',
        '4',
        '--duration',
        '30',
      ]);
      assert.equal(run.code, 0, run.stderr.join('\n'));
      const hits = hitsOf(run.stdout);
      assert.equal(hits.length, 4, run.stderr.join('\n'));
      for (const h of hits) assert.equal(Object.values(h.captures!)[0], 'alice', JSON.stringify(h));
    } finally {
      load.stop();
    }
    assert.equal(load.stats().failed, 0);
    for (let i = 0; i < 100 && flow.proxy!.cluster.own.count() > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(flow.proxy!.cluster.own.count(), 0, 'the scope ended with the session');
  });

  it('refuses --request on a plain JVM (exit 2)', async () => {
    const jvms: Jvm[] = [];
    try {
      const plain = await startFixture(jvms, 'fixture.Fixture', { args: ['100'] });
      const run = await runCli(['trace', '--connect', `127.0.0.1:${plain.port}`, '--at', 'fixture.Fixture:1', '--request', 'header:X-Debug-Session=alice', '--duration', '5']);
      assert.equal(run.code, 2, run.stderr.join('\n'));
      assert.match(run.stderr.join('\n'), /--request needs the virtual VM/);
    } finally {
      await killAll(jvms);
    }
  });

  it('refuses a malformed scope (exit 2)', async () => {
    const run = await runCli(['trace', '--connect', flow.proxyAddress!, '--at', 'demo.Inventory:27', '--request', 'cookie:x=1']);
    assert.equal(run.code, 2);
    assert.match(run.stderr.join('\n'), /unknown kind "cookie"/);
  });
});
