// The servlet preset on a real servlet container (Debian's Jetty 9): gateway (JDK HttpClient) -> OrdersServlet
// (javax.servlet on Jetty) -> inventory (com.sun.net.httpserver), one JVM each, behind the virtual VM.
import * as assert from 'node:assert/strict';
import { lineLocation } from '../support/locations';
import type { FlowCluster } from '../../cli/demo-cluster';
import { demoMarker } from '../../cli/demo-cluster';
import { checkout } from '../../cli/load';
import { JdwpClient } from '../../jdwp/client/client';
import type { Location, ThreadID } from '../../jdwp/protocol/wire-types';
import { JDWP } from '../../jdwp/registry';
import type { Event_Composite_Event } from '../../jdwp/protocol/spec-types';
import { parseAddress } from '../../jdwp/transport/tcp';
import { SERVLET_CLASS, servletMarkerLine, startServletFlow } from '../support/servlet';

const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;

function next(vm: JdwpClient, kind: number, requestID: number): Promise<{ thread: ThreadID; location: Location }> {
  return new Promise((resolve) => {
    const on = (e: Event_Composite_Event) => {
      const ev = e.events.find((x) => x.eventKind === kind && x.requestID === requestID) as { thread: ThreadID; location: Location } | undefined;
      if (ev) {
        vm.off('event', on);
        resolve(ev);
      }
    };
    vm.on('event', on);
  });
}

async function where(vm: JdwpClient, thread: ThreadID): Promise<string[]> {
  const { frames } = await vm.ThreadReference.Frames(thread, 0, -1);
  return Promise.all(
    frames.map(async (f) => {
      const [{ signature }, { declared }] = await Promise.all([vm.ReferenceType.Signature(f.location.classID), vm.ReferenceType.Methods(f.location.classID)]);
      return `${signature.slice(1, -1).replace(/\//g, '.')}.${declared.find((m) => m.methodID === f.location.methodID)?.name}`;
    }),
  );
}

describe('the servlet preset on Jetty 9 (stitched stacks and a step into a servlet)', function () {
  this.timeout(120_000);
  let flow: FlowCluster;
  let vm: JdwpClient;

  before(async () => {
    flow = await startServletFlow();
    assert.equal((await checkout(flow.gatewayUrls[0], { form: 'customer=ada&item=fig&qty=1' })).status, 200);
    vm = await JdwpClient.attach(parseAddress(flow.proxyAddress!));
  });

  after(async () => {
    await vm?.dispose().catch(() => undefined);
    await flow?.stop();
  });

  it('a stop in inventory shows the servlet\'s doPost and then the gateway\'s handler (two hops, one through HttpServlet.service)', async () => {
    const { requestID } = await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: await lineLocation(vm, 'demo.Inventory', demoMarker('DEMO_STOCK').line) }]);
    const hit = next(vm, K.BREAKPOINT, requestID);
    const pending = checkout(flow.gatewayUrls[0], { form: 'customer=ada&item=fig&qty=1' });
    const { thread } = await hit;
    await vm.EventRequest.Clear(K.BREAKPOINT, requestID);
    const names = await where(vm, thread);
    const servlet = names.indexOf(`${SERVLET_CLASS}.doPost`);
    const gateway = names.indexOf('demo.Gateway.handle');
    assert.ok(names[0] === 'demo.Inventory.handle' && servlet > 0 && gateway > servlet, names.join('\n'));
    assert.equal(names[servlet + 1], 'javax.servlet.http.HttpServlet.service', `the servlet's hop ends at the servlet API's entry:\n${names.join('\n')}`);
    const { hops } = await vm.Fabric.CallerChain(thread);
    assert.deepEqual(hops.map((h) => [h.node, h.edge]), [['servlet-1', 'jdk-httpclient -> jdk-httpserver'], ['gateway-1', 'jdk-httpclient -> javax.servlet']]);
    assert.match(hops[1].label, /^HTTP POST \/orders$/);
    await vm.ThreadReference.Resume(thread);
    assert.equal((await pending).status, 200);
  });

  it('Step Into the gateway\'s call lands in the servlet\'s doPost on Jetty', async () => {
    const { requestID } = await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: await lineLocation(vm, 'demo.Gateway', demoMarker('DEMO_REMOTE_CALL').line) }]);
    const hit = next(vm, K.BREAKPOINT, requestID);
    const pending = checkout(flow.gatewayUrls[0], { form: 'customer=ada&item=fig&qty=1' });
    const { thread } = await hit;
    await vm.EventRequest.Clear(K.BREAKPOINT, requestID);
    const { requestID: step } = await vm.EventRequest.Set(K.SINGLE_STEP, P.EVENT_THREAD, [
      { modKind: 10, thread, size: JDWP.StepSize.LINE, depth: JDWP.StepDepth.INTO },
      ...['java.*', 'javax.*', 'sun.*', 'com.sun.*', 'jdk.internal.*'].map((classPattern) => ({ modKind: 6, classPattern })),
    ] as never);
    const landed = next(vm, K.SINGLE_STEP, step);
    await vm.ThreadReference.Resume(thread);
    const stop = await landed;
    await vm.EventRequest.Clear(K.SINGLE_STEP, step);
    assert.match((await vm.ThreadReference.Name(stop.thread)).threadName, /^\[servlet-1\] qtp\d+-\d+$/);
    const names = await where(vm, stop.thread);
    assert.equal(names[0], `${SERVLET_CLASS}.doPost`, names.join('\n'));
    const { lines } = await vm.Method.LineTable(stop.location.classID, stop.location.methodID);
    assert.equal(lines.filter((l) => l.lineCodeIndex <= stop.location.index).pop()!.lineNumber, Math.min(...lines.map((l) => l.lineNumber)), 'the first line of doPost');
    assert.ok(names.includes('demo.Gateway.handle'), `stitched to the gateway:\n${names.join('\n')}`);
    assert.ok(servletMarkerLine('SERVLET_BREAKPOINT') > 0);
    await vm.ThreadReference.Resume(stop.thread);
    assert.equal((await pending).status, 200);
  });
});
