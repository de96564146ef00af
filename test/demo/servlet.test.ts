// The demo flow with its orders service as a servlet on a real servlet container (Debian's Jetty 9):
// gateway -> OrdersServlet -> inventory, each in a JVM with -agentlib:jdwp, and the virtual VM over the three.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FlowCluster } from '../../cli/demo-cluster';
import { checkout } from '../../cli/load';
import { JdwpClient } from '../../jdwp/client/client';
import { parseAddress } from '../../jdwp/transport/tcp';
import { SERVLET_CLASS, servletMarkerLine, startServletFlow } from '../support/servlet';

describe('a servlet on Jetty 9 in the demo flow', function () {
  this.timeout(90_000);
  let flow: FlowCluster;

  before(async () => {
    flow = await startServletFlow();
  });

  after(async () => {
    await flow?.stop();
  });

  it('serves a checkout through the gateway, passing the trace on with a new span at each call', async () => {
    const traceId = randomBytes(16).toString('hex');
    const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
    const { status, body, error } = await checkout(flow.gatewayUrls[0], { form: 'customer=ada&item=fig&qty=3', headers: { traceparent } });
    assert.equal(status, 200, error ?? body);
    const gateway = JSON.parse(body!);
    const servlet = gateway.next;
    const inventory = servlet.next;
    assert.deepEqual([gateway.node, servlet.service, inventory.node], ['gateway-1', 'orders-servlet', 'inventory-1']);
    assert.match(servlet.thread, /^qtp\d+-\d+$/, "a thread of Jetty's pool");
    assert.equal(servlet.total, 6);
    assert.equal(inventory.reserved, 3);
    assert.deepEqual([gateway.trace, servlet.trace, inventory.trace], [traceId, traceId, traceId]);
    assert.equal(gateway.received, traceparent);
    assert.equal(servlet.received, gateway.sent, 'the servlet got the traceparent the gateway sent');
    assert.equal(inventory.received, servlet.sent, 'inventory got the traceparent the servlet sent');
    const spans = [traceparent, gateway.sent, servlet.sent].map((t: string) => /^00-[0-9a-f]{32}-([0-9a-f]{16})-01$/.exec(t)![1]);
    assert.equal(new Set(spans).size, 3, 'a span-id per call');
  });

  it('shows javax.servlet.http.HttpServlet loaded on the servlet node only, through the virtual VM', async () => {
    const vm = await JdwpClient.attach(parseAddress(flow.proxyAddress!));
    try {
      const { nodes } = await vm.Fabric.Nodes();
      assert.deepEqual(nodes.map((n) => `${n.name} ${n.state}`), ['inventory-1 up', 'servlet-1 up', 'gateway-1 up']);
      const loaded = async (className: string) => {
        const { classes } = await vm.VirtualMachine.ClassesBySignature(`L${className.replace(/\./g, '/')};`);
        assert.equal(classes.length, 1, `${className} is loaded`);
        const { versions } = await vm.Fabric.SymbolInfo(classes[0].typeID);
        return { typeID: classes[0].typeID, nodes: versions.flatMap((v) => v.nodes) };
      };
      assert.deepEqual((await loaded('javax.servlet.http.HttpServlet')).nodes, ['servlet-1']);
      assert.deepEqual((await loaded('demo.Gateway')).nodes, ['gateway-1']);
      assert.deepEqual((await loaded('demo.Inventory')).nodes, ['inventory-1']);
      const servlet = await loaded(SERVLET_CLASS);
      assert.deepEqual(servlet.nodes, ['servlet-1']);
      const { declared } = await vm.ReferenceType.MethodsWithGeneric(servlet.typeID);
      const doPost = declared.find((m) => m.name === 'doPost')!;
      const { lines } = await vm.Method.LineTable(servlet.typeID, doPost.methodID);
      for (const marker of ['SERVLET_BREAKPOINT', 'SERVLET_REMOTE_CALL'] as const) {
        assert.ok(lines.some((l) => l.lineNumber === servletMarkerLine(marker)), `${marker} is a line of doPost`);
      }
    } finally {
      await vm.dispose();
    }
  });
});
