// The adapter's requestScope over the demo flow under load: with "header:X-Debug-Session=alice" a breakpoint in
// the shared orders handler stops only marked requests; fabric.setRequestScope changes it during the session.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { demoMarker, startFlowCluster, type FlowCluster } from '../../cli/demo-cluster';
import { LoadGenerator } from '../../cli/load';
import { ROOT } from '../support/fixtures';
import { attachAndConfigure, errorNumber, nextStop, startAdapter, type AdapterUnderTest } from './harness';

const ORDERS = path.join(ROOT, 'demo/src/demo/Orders.java');

describe('debug adapter: requestScope (stops only marked requests)', function () {
  this.timeout(120_000);
  let flow: FlowCluster;
  let a: AdapterUnderTest | undefined;

  before(async () => {
    flow = await startFlowCluster({ perService: 1, proxy: false });
  });
  after(async () => {
    await a?.close().catch(() => undefined);
    await flow?.stop();
  });

  it('stops only requests marked X-Debug-Session: alice, then every request once the scope is cleared', async () => {
    a = await startAdapter();
    const s = a;
    await attachAndConfigure(s.dc, { nodes: flow.nodes.map((n) => `${n.name}=${n.jdwp}`), requestScope: 'header:X-Debug-Session=alice', nodeSessions: false }, async () => {
      const bps = await s.dc.setBreakpointsRequest({ source: { path: ORDERS }, breakpoints: [{ line: demoMarker('DEMO_BREAKPOINT').line }] });
      assert.equal(bps.body.breakpoints[0].verified, true, JSON.stringify(bps.body));
    });
    const load = LoadGenerator.start({ targets: flow.gatewayUrls, rate: 20, concurrency: 20, markEvery: 4 });
    try {
      const header = async (threadId: number) => {
        const frameId = (await s.dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 })).body.stackFrames[0].id;
        return (await s.dc.evaluateRequest({ expression: 'exchange.getRequestHeaders().getFirst("X-Debug-Session")', frameId, context: 'watch' })).body.result;
      };
      for (let i = 0; i < 3; i++) {
        const stop = await nextStop(s.dc, 30_000);
        assert.equal(await header(stop.body.threadId!), '"alice"');
        await s.dc.continueRequest({ threadId: stop.body.threadId! });
      }
      assert.equal(await errorNumber(s.dc.customRequest('fabric.setRequestScope', { scope: 'cookie:x' })), 3003);
      await s.dc.customRequest('fabric.setRequestScope', { scope: '' });
      let unmarked = false;
      for (let i = 0; i < 20 && !unmarked; i++) {
        const stop = await nextStop(s.dc, 30_000);
        unmarked = (await header(stop.body.threadId!)) === 'null';
        await s.dc.continueRequest({ threadId: stop.body.threadId! });
      }
      assert.ok(unmarked, 'unscoped, unmarked requests stop too');
      await s.dc.setBreakpointsRequest({ source: { path: ORDERS }, breakpoints: [] });
    } finally {
      load.stop();
    }
    await s.dc.disconnectRequest({});
    assert.equal(load.stats().failed, 0);
  });

  it('refuses a malformed requestScope with a numbered error', async () => {
    a = await startAdapter();
    const n = await errorNumber(a.dc.attachRequest({ nodes: flow.nodes.map((x) => `${x.name}=${x.jdwp}`), requestScope: 'cookie:x=1' } as never));
    assert.equal(n, 3003);
    await a.close();
    a = undefined;
  });
});
