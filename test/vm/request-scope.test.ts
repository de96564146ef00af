// Request-scoped debugging through the virtual VM, on the demo flow (gateway -> orders -> inventory over HTTP,
// one JVM each) under a steady load: a breakpoint in the shared orders handler stops only requests marked
// X-Debug-Session: alice, the scope follows them into inventory, and nothing of the scope outlives it.
import * as assert from 'node:assert/strict';
import { lineLocation } from '../support/locations';
import { demoMarker, startFlowCluster, type FlowCluster } from '../../cli/demo-cluster';
import { LoadGenerator, quantile, type LoadResult } from '../../cli/load';
import { JdwpClient } from '../../jdwp/client/client';
import { VmMirror } from '../../jdwp/mirror/vm-mirror';
import { JDWP } from '../../jdwp/registry';
import { JdwpReplyError } from '../../jdwp/errors';
import { parseAddress } from '../../jdwp/transport/tcp';
import { collectHits } from './scope-support';
import { sleep } from './support';

const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;

describe('request-scoped debugging (virtual VM, demo flow under load)', function () {
  this.timeout(180_000);
  let flow: FlowCluster;
  const log: string[] = [];

  before(async () => {
    flow = await startFlowCluster({ perService: 1, proxy: { scopeBudget: 10 }, log: (l) => log.push(l) });
  });

  after(async () => {
    await flow?.stop();
  });

  it('a breakpoint in the shared handler stops only marked requests, on every node they reach, and the scope leaves nothing behind', async () => {
    const vm = await JdwpClient.attach(parseAddress(flow.proxyAddress!));
    const mirror = new VmMirror(vm);
    const results: LoadResult[] = [];
    try {
      await vm.Fabric.SetRequestScope('header:X-Debug-Session=alice');
      const orders = await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: await lineLocation(vm, 'demo.Orders', demoMarker('DEMO_BREAKPOINT').line) }]);
      const inventory = await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: await lineLocation(vm, 'demo.Inventory', demoMarker('DEMO_STOCK').line) }]);
      const scoped = flow.proxy!.session!.requests.requests.get(orders.requestID)!;
      assert.equal(scoped.bindings.length, 0, 'armed on no node until a marked request comes');
      const hits = collectHits(vm, mirror);
      const load = LoadGenerator.start({ targets: flow.gatewayUrls, rate: 50, concurrency: 50, markEvery: 10, onResult: (r) => results.push(r) });
      await sleep(6_000);
      load.stop();
      for (let i = 0; i < 200 && results.length < load.stats().sent; i++) await sleep(50);
      const marked = results.filter((r) => r.marked);
      const plain = results.filter((r) => !r.marked);
      assert.ok(marked.length >= 10 && plain.length >= 100, `enough requests: ${marked.length} marked, ${plain.length} plain`);
      assert.deepEqual(results.filter((r) => !r.ok).map((r) => r.error ?? r.status), [], 'every request succeeded');
      assert.ok(hits.every((h) => h.header === 'alice'), `only marked requests stopped: ${JSON.stringify(hits)}`);
      assert.equal(hits.filter((h) => h.node.startsWith('orders')).length, marked.length, 'each marked request stopped once in orders');
      assert.equal(hits.filter((h) => h.node.startsWith('inventory')).length, marked.length, 'and once in inventory, where the mark followed it');
      const info = await vm.Fabric.RequestScopeInfo();
      assert.equal(info.scope, 'header:X-Debug-Session=alice');
      const checks = info.nodes.reduce((a, n) => a + n.checks, 0);
      console.log(
        `      scope: ${checks} entry checks, ${info.nodes.map((n) => `${n.node} ${(n.costPermille / 10).toFixed(1)}%`).join(', ')} of a core held; ` +
          `plain requests p50 ${quantile(plain.map((r) => r.latencyMs), 0.5).toFixed(1)} ms p99 ${quantile(plain.map((r) => r.latencyMs), 0.99).toFixed(1)} ms`,
      );
      await vm.Fabric.SetRequestScope('');
      assert.equal(flow.proxy!.cluster.own.count(), 0, 'no entry check, no exit watch left');
      assert.equal((await vm.Fabric.RequestInfo(orders.requestID)).boundNodes, 1, 'unscoped again: bound where orders runs');
      await vm.EventRequest.Clear(K.BREAKPOINT, orders.requestID);
      await vm.EventRequest.Clear(K.BREAKPOINT, inventory.requestID);
      await assert.rejects(vm.Fabric.SetRequestScope('header:no-value'), (e: unknown) => e instanceof JdwpReplyError && e.errorName === 'ILLEGAL_ARGUMENT');
    } finally {
      await vm.dispose();
    }
  });

  it('past its budget a node\'s entry checks switch off with a clear message, and the application runs on', async () => {
    flow.proxy!.cluster.options.scopeBudget = 0.0001;
    const vm = await JdwpClient.attach(parseAddress(flow.proxyAddress!));
    try {
      await vm.Fabric.SetRequestScope('baggage:user=alice');
      const load = LoadGenerator.start({ targets: flow.gatewayUrls, rate: 50, concurrency: 50, markEvery: 0 });
      await sleep(3_000);
      load.stop();
      const info = await vm.Fabric.RequestScopeInfo();
      assert.ok(info.nodes.some((n) => n.off), JSON.stringify(info));
      assert.ok(log.some((l) => /request scope baggage:user=alice: the entry checks held requests .* checks are off there/.test(l)), log.join('\n'));
      assert.equal(load.stats().failed, 0);
    } finally {
      await vm.dispose();
      flow.proxy!.cluster.options.scopeBudget = 10;
    }
    for (let i = 0; i < 100 && flow.proxy!.cluster.own.count() > 0; i++) await sleep(50);
    assert.equal(flow.proxy!.cluster.own.count(), 0, 'the session ended: no entry check left');
  });
});
