// The servlet fixture on a real servlet container (Debian's Jetty 9) calling the demo's inventory service, each
// in a JVM with -agentlib:jdwp, and the virtual VM over both.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startFlowCluster, type FlowCluster } from '../../cli/demo-cluster';
import { checkout } from '../../cli/load';
import { JdwpClient } from '../../jdwp/client/client';
import { parseAddress, formatAddress } from '../../jdwp/transport/tcp';
import { VirtualVm } from '../../jdwp/vm/server';
import { SERVLET_CLASS, servletMarkerLine, startServletApp, type ServletApp } from '../support/servlet';

describe('a servlet on Jetty 9 in the flow', function () {
  this.timeout(90_000);
  let inventory: FlowCluster;
  let servlet: ServletApp;

  before(async () => {
    inventory = await startFlowCluster({ perService: { gateway: 0, orders: 0, inventory: 1 }, proxy: false });
    servlet = await startServletApp([new URL(inventory.nodes[0].url).origin]);
  });

  after(async () => {
    await servlet?.stop();
    await inventory?.stop();
  });

  it('serves a POST with a traceparent and passes the trace on to inventory with a new span', async () => {
    const traceId = randomBytes(16).toString('hex');
    const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
    const { status, body } = await checkout(servlet.url, { form: 'customer=ada&item=fig&qty=3', headers: { traceparent } });
    assert.equal(status, 200, body);
    const answer = JSON.parse(body!);
    assert.equal(answer.service, 'orders-servlet');
    assert.match(answer.thread, /^qtp\d+-\d+$/, "a thread of Jetty's pool");
    assert.equal(answer.trace, traceId);
    assert.equal(answer.received, traceparent);
    assert.equal(answer.total, 6);
    assert.match(answer.sent, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    assert.notEqual(answer.sent, traceparent, 'a new span-id for the call to inventory');
    assert.equal(answer.next.service, 'inventory');
    assert.equal(answer.next.node, 'inventory-1');
    assert.equal(answer.next.trace, traceId);
    assert.equal(answer.next.received, answer.sent);
    assert.equal(answer.next.reserved, 3);
  });

  it('shows javax.servlet.http.HttpServlet loaded on the servlet node, through the virtual VM', async () => {
    const proxy = await VirtualVm.start({
      listen: '127.0.0.1:0',
      nodes: [`servlet-1=${servlet.jdwp}`, `inventory-1=${inventory.nodes[0].jdwp}`],
      log: () => {},
    });
    try {
      await proxy.waitForNodes(2, 30_000);
      const vm = await JdwpClient.attach(parseAddress(formatAddress(proxy.address)));
      try {
        const nodesOf = async (className: string) => {
          const { classes } = await vm.VirtualMachine.ClassesBySignature(`L${className.replace(/\./g, '/')};`);
          assert.equal(classes.length, 1, `${className} is loaded`);
          const { versions } = await vm.Fabric.SymbolInfo(classes[0].typeID);
          return { typeID: classes[0].typeID, nodes: versions.flatMap((v) => v.nodes) };
        };
        assert.deepEqual((await nodesOf('javax.servlet.http.HttpServlet')).nodes, ['servlet-1']);
        assert.deepEqual((await nodesOf('demo.Inventory')).nodes, ['inventory-1']);
        const servletClass = await nodesOf(SERVLET_CLASS);
        assert.deepEqual(servletClass.nodes, ['servlet-1']);
        const { declared } = await vm.ReferenceType.MethodsWithGeneric(servletClass.typeID);
        const doPost = declared.find((m) => m.name === 'doPost')!;
        const { lines } = await vm.Method.LineTable(servletClass.typeID, doPost.methodID);
        for (const marker of ['SERVLET_BREAKPOINT', 'SERVLET_REMOTE_CALL'] as const) {
          assert.ok(lines.some((l) => l.lineNumber === servletMarkerLine(marker)), `${marker} is a line of doPost`);
        }
      } finally {
        await vm.dispose();
      }
    } finally {
      await proxy.close();
    }
  });
});
