// Request scopes with a mark field: the demo's DebugMark filter writes demo.DebugMark.session only for requests
// that carry X-Debug-Session, and demo/edges.json declares it. A scope of that header then stops marked requests on
// every hop and never touches the others: they are not even checked. A node that joins later gets the watch; a
// mark field that does not resolve falls back to entry checks with error 1072.
import * as assert from 'node:assert/strict';
import { lineLocation } from '../support/locations';
import { demoEdges, demoMarker, httpPort, startFlowCluster, type FlowCluster } from '../../cli/demo-cluster';
import { LoadGenerator, type LoadResult } from '../../cli/load';
import { JdwpClient } from '../../jdwp/client/client';
import { FabricError, FabricErrorCode } from '../../jdwp/errors';
import { edgeSet, parseEdges, type RpcEdge } from '../../jdwp/flow/edges';
import { SMALL_JVM_FLAGS, startJvm, type Jvm } from '../../jdwp/launch/java';
import { VmMirror } from '../../jdwp/mirror/vm-mirror';
import { JDWP } from '../../jdwp/registry';
import { parseAddress } from '../../jdwp/transport/tcp';
import type { Event_Composite_Event } from '../../jdwp/protocol/spec-types';
import type { ThreadID } from '../../jdwp/protocol/wire-types';
import { killAll, lineOf, startFixture } from '../support/fixtures';
import { collectHits } from './scope-support';
import { attachAfterDebugger, sleep, startProxy, type ProxyUnderTest } from './support';

const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;

/** Runs the load generator for `ms` and waits for every answer. */
async function load(flow: FlowCluster, ms: number, markEvery: number): Promise<LoadResult[]> {
  const results: LoadResult[] = [];
  const gen = LoadGenerator.start({ targets: flow.gatewayUrls, rate: 50, concurrency: 50, markEvery, onResult: (r) => results.push(r) });
  await sleep(ms);
  gen.stop();
  for (let i = 0; i < 300 && results.length < gen.stats().sent; i++) await sleep(50);
  assert.deepEqual(results.filter((r) => !r.ok).map((r) => r.error ?? r.status), [], 'every request succeeded');
  return results;
}

/** A POST of an order to a demo node (orders or inventory), marked or not. */
async function order(url: string, marked: boolean): Promise<number> {
  const res = await fetch(url, { method: 'POST', body: 'customer=ada&item=plum&qty=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(marked ? { 'X-Debug-Session': 'alice' } : {}) } });
  await res.text();
  return res.status;
}

describe('request scopes with a mark field (the demo flow and its DebugMark filter)', function () {
  this.timeout(180_000);
  let flow: FlowCluster;
  const log: string[] = [];
  const late: Jvm[] = [];

  before(async () => {
    flow = await startFlowCluster({ perService: 1, proxy: { scopeBudget: 10, edges: demoEdges() }, log: (l) => log.push(l) });
  });

  after(async () => {
    await flow?.stop();
    await Promise.all(late.map((j) => j.kill()));
  });

  it('stops only marked requests, on both hops, and never checks the others', async () => {
    const vm = await JdwpClient.attach(parseAddress(flow.proxyAddress!));
    const mirror = new VmMirror(vm);
    try {
      // Set before the scope, so that the scope takes them off the nodes and gives them back when it ends.
      const requests = await Promise.all(
        (['DEMO_BREAKPOINT', 'DEMO_STOCK'] as const).map(async (m) => {
          const { className, line } = demoMarker(m);
          return vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: await lineLocation(vm, className, line) }]);
        }),
      );
      await vm.Fabric.SetRequestScope('header:X-Debug-Session=alice');
      const hits = collectHits(vm, mirror);
      const plainOnly = await load(flow, 2_000, 0);
      let info = await vm.Fabric.RequestScopeInfo();
      assert.ok(plainOnly.length >= 30, `${plainOnly.length} requests`);
      assert.deepEqual(info.nodes.map((n) => [n.node, n.checks]), info.nodes.map((n) => [n.node, 0]), 'unmarked requests are never checked');
      assert.equal(hits.length, 0, `nor stopped: ${JSON.stringify(hits)}`);

      const results = await load(flow, 6_000, 10);
      const marked = results.filter((r) => r.marked).length;
      assert.ok(marked >= 10 && results.length - marked >= 100, `${marked} marked of ${results.length}`);
      for (let i = 0; i < 100 && hits.length < 2 * marked; i++) await sleep(50);
      assert.ok(hits.every((h) => h.header === 'alice'), `only marked requests stopped: ${JSON.stringify(hits.filter((h) => h.header !== 'alice'))}`);
      assert.equal(hits.filter((h) => h.node.startsWith('orders')).length, marked, 'each marked request stopped once in orders');
      assert.equal(hits.filter((h) => h.node.startsWith('inventory')).length, marked, 'and once in inventory, where the mark followed it');
      info = await vm.Fabric.RequestScopeInfo();
      for (const n of info.nodes) assert.deepEqual([n.node, n.checks, n.matched, n.inScope], [n.node, marked, marked, 0], 'one watch event per marked request, none for the others');
      assert.ok(!log.some((l) => /error 1072/.test(l)), log.join('\n'));
      await vm.Fabric.SetRequestScope('');
      assert.equal(flow.proxy!.cluster.own.count(), 0, 'no watch, no exit watch left');
      const unscoped = requests.map((r) => flow.proxy!.session!.requests.requests.get(r.requestID)!.bindings.length);
      assert.deepEqual(unscoped, [1, 1], 'unscoped again: each breakpoint is set on the node that runs its class');
      for (const r of requests) await vm.EventRequest.Clear(K.BREAKPOINT, r.requestID);
    } finally {
      await vm.dispose();
    }
  });

  it('watches the mark field on a node that joins later', async () => {
    const vm = await JdwpClient.attach(parseAddress(flow.proxyAddress!));
    const mirror = new VmMirror(vm);
    try {
      await vm.Fabric.SetRequestScope('header:X-Debug-Session=alice');
      const { className, line } = demoMarker('DEMO_BREAKPOINT');
      await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: await lineLocation(vm, className, line) }]);
      const hits = collectHits(vm, mirror);
      const placed = flow.proxy!.cluster.own.count();
      const inventory = flow.nodes.find((n) => n.service === 'inventory')!;
      const jvm = await startJvm({ classPath: [flow.classes], mainClass: 'demo.Orders', args: ['0', new URL(inventory.url).origin], vmArgs: [...SMALL_JVM_FLAGS, '-Ddemo.node=orders-late'], mode: 'listen' });
      late.push(jvm);
      const url = `http://127.0.0.1:${await httpPort(jvm)}/orders`;
      flow.proxy!.addNode(`orders-late=127.0.0.1:${jvm.port}`);
      await flow.proxy!.waitForNodes(4, 30_000);
      for (let i = 0; i < 100 && flow.proxy!.cluster.own.count() === placed; i++) await sleep(100);
      assert.ok(flow.proxy!.cluster.own.count() > placed, 'the new node got the mark watch');
      for (let i = 0; i < 5; i++) assert.equal(await order(url, false), 200);
      assert.equal(await order(url, true), 200);
      for (let i = 0; i < 40 && !hits.length; i++) await sleep(50);
      assert.deepEqual(hits, [{ node: 'orders-late', header: 'alice' }]);
      const node = (await vm.Fabric.RequestScopeInfo()).nodes.find((n) => n.node === 'orders-late')!;
      assert.deepEqual([node.checks, node.matched], [1, 1], 'the unmarked requests were not checked');
    } finally {
      await vm.dispose();
    }
  });
});

describe('request scopes with a mark field that does not resolve', function () {
  this.timeout(120_000);
  let flow: FlowCluster;
  const log: string[] = [];

  /** The demo's edges with their mark field renamed. */
  function edgesWithMark(field: string): RpcEdge[] {
    return demoEdges().map((e) => ({ ...e, server: { ...e.server, mark: { ...e.server.mark!, field } } }));
  }

  before(async () => {
    // A compile-time constant: declared, but written by no method (a ConstantValue attribute sets it).
    flow = await startFlowCluster({ perService: { gateway: 0, orders: 0, inventory: 1 }, proxy: { scopeBudget: 10, edges: edgesWithMark('demo.DebugMark.HEADER') }, log: (l) => log.push(l) });
  });

  after(async () => {
    await flow?.stop();
  });

  it('refuses a bad declaration with EDGES_INVALID naming its part', () => {
    const [edge] = demoEdges();
    const refused = (server: object, client: object = edge.client) => {
      try {
        parseEdges([{ ...edge, server: { ...edge.server, ...server }, client }], 'edges.json');
      } catch (err) {
        assert.ok(err instanceof FabricError && err.code === FabricErrorCode.EDGES_INVALID, String(err));
        return err.message;
      }
      return assert.fail('accepted');
    };
    assert.match(refused({ mark: { field: 'DebugMark', carries: 'header:X-Debug-Session' } }), /edges\.json\[0\]\.server\.mark\.field: must be "package\.Class\.field"/);
    assert.match(refused({ mark: { field: 'demo.DebugMark.session', carries: 'cookie:x' } }), /\.server\.mark\.carries: must be "header:NAME", "baggage:KEY" or "trace"/);
    assert.match(refused({ mark: { field: 'demo.DebugMark.session', carries: 'header:X-Debug-Session', value: 'alice' } }), /\.server\.mark: unknown property "value"/);
    assert.match(refused({}, { ...edge.client, mark: edge.server.mark }), /\.client\.mark: a mark field belongs to a server side/);
  });

  it('a mark field written by no method logs error 1072, and the node checks entries instead', async () => {
    const vm = await JdwpClient.attach(parseAddress(flow.proxyAddress!));
    try {
      await vm.Fabric.SetRequestScope('header:X-Debug-Session=alice');
      for (let i = 0; i < 100 && !log.some((l) => /error 1072/.test(l)); i++) await sleep(50);
      assert.ok(log.some((l) => /error 1072: node inventory-1: mark field demo\.DebugMark\.HEADER is written by no method of its class; the request scope checks its server sides at their entries there/.test(l)), log.join('\n'));
      for (let i = 0; i < 3; i++) assert.equal(await order(flow.nodes[0].url, false), 200);
      const [node] = (await vm.Fabric.RequestScopeInfo()).nodes;
      assert.equal(node.checks, 3, 'each request was checked at the entry');
    } finally {
      await vm.dispose();
    }
  });
});

describe('request scopes with a mark field whose class loads later (markfix.Marks)', function () {
  this.timeout(120_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest | undefined;

  after(async () => {
    await proxy?.close().catch(() => undefined);
    await killAll(jvms);
  });

  it('watches the field once its class prepares, and puts in scope only the requests written with the mark', async () => {
    const jvm = await startFixture(jvms, 'markfix.Marks');
    const url = `http://127.0.0.1:${await httpPort(jvm)}/`;
    const edges = edgeSet(
      parseEdges([
        {
          name: 'markfix',
          client: { method: 'markfix.Marks.call', key: 'arg0' },
          server: { method: 'markfix.Marks.serve', key: 'arg0', mark: { field: 'markfix.Marks$Late.session', carries: 'header:X-Debug-Session' } },
        },
      ]),
      false,
    );
    proxy = await startProxy([jvm], { scopeBudget: 10, edges });
    const vm = await attachAfterDebugger(proxy.vm);
    const stops: string[] = [];
    vm.on('event', (e: Event_Composite_Event) => {
      for (const ev of e.events) {
        if (ev.eventKind !== K.BREAKPOINT) continue;
        const thread = (ev as { thread: ThreadID }).thread;
        void vm.ThreadReference.Name(thread).then(({ threadName }) => {
          stops.push(threadName);
          return vm.ThreadReference.Resume(thread);
        });
      }
    });
    const get = async (who: string) => {
      const res = await fetch(`${url}?${who}`);
      return res.text();
    };
    try {
      assert.equal((await vm.VirtualMachine.ClassesBySignature('Lmarkfix/Marks$Late;')).classes.length, 0, 'not loaded yet');
      await vm.Fabric.SetRequestScope('header:X-Debug-Session=alice');
      await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: await lineLocation(vm, 'markfix.Marks', lineOf('markfix/Marks.java', 'MARK_SERVED')) }]);
      assert.equal(await get('bob'), 'served bob');
      assert.equal(await get('alice'), 'served alice');
      assert.equal(await get('carol'), 'served carol');
      assert.equal(stops.length, 1, JSON.stringify(stops));
      const [node] = (await vm.Fabric.RequestScopeInfo()).nodes;
      assert.deepEqual([node.checks, node.matched, node.inScope], [3, 1, 0], 'each write checked once its class loaded, the marked one in scope until serve returned');
    } finally {
      await vm.dispose();
    }
  });
});
