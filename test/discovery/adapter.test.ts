import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Jvm } from '../../jdwp/launch/java';
import { attachAndConfigure, nextStop, startAdapter, type AdapterUnderTest } from '../adapter/harness';
import { killAll, lineOf, ROOT } from '../support/fixtures';
import { sleep, startNode } from '../vm/support';
import { FakeApiServer, orderPod, writeKubeconfig } from './k8s-api';
import { freeTcpPort } from './support';

const FIXTURE_SOURCE = path.join(ROOT, 'test/fixtures/java/fixture/Fixture.java');

describe('the debug adapter attached with "discover" (stand-in Kubernetes API server, real JVMs)', function () {
  this.timeout(120_000);
  const jvms: Jvm[] = [];
  const api = new FakeApiServer();
  let a: AdapterUnderTest | undefined;
  let kubeconfig: string;
  const savedKubeconfig = process.env.KUBECONFIG;

  before(async () => {
    await api.start();
    kubeconfig = writeKubeconfig(api, { token: 't' });
    // The adapter finds the kubeconfig as kubectl does.
    process.env.KUBECONFIG = kubeconfig;
  });

  after(async () => {
    if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = savedKubeconfig;
    await a?.dc.disconnectRequest({}).catch(() => undefined);
    await a?.close();
    await killAll(jvms);
    await api.close();
    fs.rmSync(path.dirname(kubeconfig), { recursive: true, force: true });
  });

  /** The nodes that have a thread in the adapter's thread list. */
  async function threadNodes(): Promise<string[]> {
    const { threads } = (await a!.dc.threadsRequest()).body;
    return [...new Set(threads.map((t) => /^\[([^\]]+)\] /.exec(t.name)?.[1]).filter((n): n is string => !!n))].sort();
  }

  async function waitForThreadNodes(want: string[]): Promise<void> {
    const deadline = Date.now() + 30_000;
    let got: string[] = [];
    while ((got = await threadNodes()).join(',') !== want.join(',')) {
      if (Date.now() > deadline) throw new Error(`threads of ${got.join(', ')} instead of ${want.join(', ')}`);
      await sleep(200);
    }
  }

  it('lists the threads of the pods as they come and go, and stops on a current one', async () => {
    const ports = await Promise.all([0, 1, 2].map(() => freeTcpPort()));
    await Promise.all(ports.map((p) => startNode(jvms, { listenAddress: `127.0.0.1:${p}` })));
    api.setPod(orderPod('orders-0', ports[0], 'containerPort'));
    api.setPod(orderPod('orders-1', ports[1], 'annotation'));
    a = await startAdapter();
    await attachAndConfigure(a.dc, { discover: ['k8s:shop/app=orders'] });
    await waitForThreadNodes(['orders-0', 'orders-1']);

    api.setPod(orderPod('orders-2', ports[2], 'cloudCode'));
    await waitForThreadNodes(['orders-0', 'orders-1', 'orders-2']);
    api.deletePod('orders-0');
    await waitForThreadNodes(['orders-1', 'orders-2']);

    const bps = await a.dc.setBreakpointsRequest({ source: { path: FIXTURE_SOURCE }, breakpoints: [{ line: lineOf('fixture/Fixture.java', 'BREAK_LINE') }] });
    assert.equal(bps.body.breakpoints[0].verified, true);
    const stop = await nextStop(a.dc);
    const { threads } = (await a.dc.threadsRequest()).body;
    const name = threads.find((t) => t.id === stop.body.threadId)!.name;
    assert.match(name, /^\[orders-[12]\] /);
  });

  it('refuses a "discover" that is not a source with error 3003', async () => {
    const b = await startAdapter();
    try {
      await b.dc.initializeRequest({ adapterID: 'jdwp-fabric' });
      await assert.rejects(b.dc.attachRequest({ discover: ['consul:orders'] } as never), /error 3003/);
    } finally {
      await b.close();
    }
  });
});
