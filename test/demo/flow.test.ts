// The demo flow: gateway -> orders -> inventory on 2 JVMs each behind the virtual VM, driven by the load generator.
import * as assert from 'node:assert/strict';
import { demoMarker, demoSourceLine, startFlowCluster, type FlowCluster } from '../../cli/demo-cluster';
import { checkout, LoadGenerator, type LoadResult } from '../../cli/load';
import { JdwpClient } from '../../jdwp/client/client';
import { parseAddress } from '../../jdwp/transport/tcp';

/** What one service saw of a request, as its answer echoes it. */
interface Hop {
  service: string;
  node: string;
  thread: string;
  trace: string;
  received: string | null;
  sent?: string;
  baggage: string | null;
  debugSession: string | null;
  next?: Hop;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

/** The span-id of a traceparent, checking its form. */
function spanOf(traceparent: string | null | undefined): string {
  const m = TRACEPARENT.exec(traceparent ?? '');
  assert.ok(m, `a W3C traceparent: ${traceparent}`);
  return m[2];
}

describe('the demo flow (2 JVMs per service, with the load generator)', function () {
  this.timeout(90_000);
  let cluster: FlowCluster;

  before(async () => {
    cluster = await startFlowCluster({ perService: 2 });
  });

  after(async () => {
    await cluster?.stop();
  });

  it('starts every service downstream first and joins each node to the virtual VM under its name', async () => {
    assert.deepEqual(
      cluster.nodes.map((n) => n.name),
      ['inventory-1', 'inventory-2', 'orders-1', 'orders-2', 'gateway-1', 'gateway-2'],
    );
    assert.deepEqual(cluster.gatewayUrls, cluster.nodes.filter((n) => n.service === 'gateway').map((n) => n.url));
    for (const n of cluster.nodes) {
      assert.match(n.jdwp!, /^127\.0\.0\.1:\d+$/);
      assert.match(n.url, /^http:\/\/127\.0\.0\.1:\d+\/(checkout|orders|reserve)$/);
    }
    const vm = await JdwpClient.attach(parseAddress(cluster.proxyAddress!));
    try {
      const { nodes } = await vm.Fabric.Nodes();
      assert.deepEqual(nodes.map((n) => `${n.name} ${n.state}`).sort(), cluster.nodes.map((n) => `${n.name} up`).sort());
      const lines = [
        ...(['DEMO_BREAKPOINT', 'DEMO_REMOTE_CALL', 'DEMO_STOCK'] as const).map((marker) => ({ marker, ...demoMarker(marker) })),
        { marker: "orders' call to inventory", className: 'demo.Orders', ...demoSourceLine('demo.Orders', 'client.send(') },
      ];
      for (const { marker, className, line } of lines) {
        const { classes } = await vm.VirtualMachine.ClassesBySignature(`L${className.replace(/\./g, '/')};`);
        assert.equal(classes.length, 1, `${className} is one class across its 2 nodes`);
        const { declared } = await vm.ReferenceType.MethodsWithGeneric(classes[0].typeID);
        const handle = declared.find((m) => m.name === 'handle' && m.signature === '(Lcom/sun/net/httpserver/HttpExchange;)V');
        assert.ok(handle, `${className}.handle(HttpExchange)`);
        const table = await vm.Method.LineTable(classes[0].typeID, handle.methodID);
        assert.ok(table.lines.some((l) => l.lineNumber === line), `${marker} (line ${line}) is a line of ${className}.handle`);
      }
    } finally {
      await vm.dispose();
    }
  });

  it('carries every checkout through the three services in one W3C trace, and the latency stats are sane', async () => {
    const results: LoadResult[] = [];
    const load = LoadGenerator.start({ targets: cluster.gatewayUrls, rate: 25, concurrency: 8, markEvery: 5, onResult: (r) => results.push(r) });
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const stats = await load.stop();

    assert.ok(stats.finished >= 50, `${stats.finished} checkouts in 4 s at 25/s`);
    assert.equal(stats.finished, stats.sent, 'stop() waits for the requests in flight');
    assert.equal(stats.inFlight, 0);
    assert.deepEqual(results.filter((r) => !r.ok).map((r) => `#${r.index}: ${r.status} ${r.error ?? r.body}`), [], 'every checkout succeeded');
    assert.equal(stats.ok, results.length);
    assert.equal(stats.failed, 0);
    assert.ok(stats.p50 > 0 && stats.p50 <= stats.p99 && stats.p99 <= stats.max, JSON.stringify(stats));
    const latencies = results.map((r) => r.latencyMs).sort((a, b) => a - b);
    assert.equal(stats.max, latencies.at(-1));
    assert.ok(latencies.filter((l) => l <= stats.p50).length >= results.length / 2, 'half the requests took at most p50');
    assert.ok(stats.max < 10_000, `max latency ${stats.max} ms`);

    const nodesSeen = new Set<string>();
    const traces = new Set<string>();
    for (const r of results) {
      const gateway = JSON.parse(r.body!) as Hop;
      const orders = gateway.next!;
      const inventory = orders.next!;
      assert.deepEqual([gateway.service, orders.service, inventory.service], ['gateway', 'orders', 'inventory']);
      const what = `checkout #${r.index}`;
      if (r.traceparent) {
        assert.equal(gateway.received, r.traceparent, `${what}: the gateway continues the caller's trace`);
        assert.equal(gateway.trace, TRACEPARENT.exec(r.traceparent)![1]);
      } else {
        assert.equal(gateway.received, null, `${what}: the gateway starts a trace`);
      }
      assert.match(gateway.trace, /^[0-9a-f]{32}$/);
      assert.equal(orders.trace, gateway.trace, `${what}: orders is in the gateway's trace`);
      assert.equal(inventory.trace, gateway.trace, `${what}: inventory is in the gateway's trace`);
      assert.equal(orders.received, gateway.sent, `${what}: orders got the traceparent the gateway sent`);
      assert.equal(inventory.received, orders.sent, `${what}: inventory got the traceparent orders sent`);
      const spans = [r.traceparent ? spanOf(r.traceparent) : undefined, spanOf(gateway.sent), spanOf(orders.sent)].filter(Boolean);
      assert.equal(new Set(spans).size, spans.length, `${what}: each call has a span-id of its own`);
      for (const hop of [gateway, orders, inventory]) {
        assert.equal(hop.debugSession, r.marked ? 'alice' : null, `${what}: ${hop.service} saw X-Debug-Session as sent`);
        assert.equal(hop.baggage, r.marked ? 'user=alice' : null, `${what}: ${hop.service} saw baggage as sent`);
        assert.match(hop.node, new RegExp(`^${hop.service}-[12]$`));
        assert.match(hop.thread, /^http-handler-\d+$/);
        nodesSeen.add(hop.node);
      }
      traces.add(gateway.trace);
    }
    assert.equal(traces.size, results.length, 'a trace per checkout');
    assert.ok(results.some((r) => r.marked) && results.some((r) => !r.marked));
    assert.ok(results.some((r) => r.traceparent) && results.some((r) => !r.traceparent));
    assert.deepEqual([...nodesSeen].sort(), cluster.nodes.map((n) => n.name).sort(), 'round-robin reaches every node');
  });

  it('answers a checkout without an item with 400 from the gateway, calling nothing further', async () => {
    const { status, body } = await checkout(cluster.gatewayUrls[0], { form: 'customer=ada&qty=2' });
    assert.equal(status, 400);
    assert.deepEqual(JSON.parse(body!), { error: 'need item and qty >= 1' });
  });
});
