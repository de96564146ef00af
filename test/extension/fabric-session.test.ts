import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Jvm } from '../../jdwp/launch/java';
import { resolveConfiguration } from '../../extension/config';
import { FabricModel, present, statusText, type FabricItem } from '../../extension/fabric-model';
import { attachAndConfigure, startAdapter, type AdapterUnderTest } from '../adapter/harness';
import { ROOT } from '../support/fixtures';
import { startWorker, startWorkerCluster, type WorkerCluster } from '../support/worker-cluster';

const DEMO = path.join(ROOT, 'demo');

/** The Fabric view's model fed by a real adapter session, as the extension feeds it through customRequest. */
function modelOf(a: AdapterUnderTest, topN = 5, sent: string[] = []): FabricModel {
  return new FabricModel((command, args) => {
    sent.push(command);
    return a.dc.customRequest(command, args).then((r) => r.body);
  }, () => topN);
}

function labels(items: FabricItem[]): string[] {
  return items.map((i) => {
    const p = present(i);
    return `${p.label} — ${p.description ?? ''}`;
  });
}

describe('Fabric view model over a real adapter session', function () {
  this.timeout(90_000);
  let cluster: WorkerCluster;
  let a: AdapterUnderTest | undefined;
  const extraJvms: Jvm[] = [];

  before(async () => {
    cluster = await startWorkerCluster({ nodes: 2, pauseMillis: 100 });
  });
  afterEach(async () => {
    if (a) {
      await a.dc.disconnectRequest({}).catch(() => undefined);
      await a.close();
      a = undefined;
    }
  });
  after(async () => {
    await Promise.all(extraJvms.map((j) => j.kill()));
    await cluster?.close();
  });

  it('attaches with the provider-resolved configuration and shows each node of the proxy with its heap pool', async () => {
    const config = resolveConfiguration({ type: 'jdwp-fabric', request: 'attach', hostName: '127.0.0.1', port: cluster.proxy.address.port }, { folder: DEMO, folders: [DEMO] });
    assert.deepEqual(config.sourcePaths, [path.join(DEMO, 'src')]);
    a = await startAdapter();
    await attachAndConfigure(a.dc, config);
    const sent: string[] = [];
    const model = modelOf(a, 5, sent);
    const roots = await model.roots();
    const nodes = roots.filter((r): r is Extract<FabricItem, { kind: 'node' }> => r.kind === 'node');
    assert.deepEqual(nodes.map((n) => n.node.name), ['node-1', 'node-2'], labels(roots).join('\n'));
    for (const { node } of nodes) {
      assert.equal(node.state, 'up');
      assert.match(node.vmVersion, /\d/);
      assert.ok(node.threadCount >= 3, `${node.name} has ${node.threadCount} threads`);
      assert.match(node.address, /^127\.0\.0\.1:\d+$/);
    }
    assert.equal(statusText(model.nodes), 'fabric: 2 nodes');
    const divergent = roots.find((r) => r.kind === 'divergentGroup');
    assert.ok(divergent && divergent.kind === 'divergentGroup' && divergent.classes.length === 0, 'both nodes run the same classes');

    await model.roots();
    assert.deepEqual(sent.sort(), ['fabric.divergentClasses', 'fabric.nodes'], 'the top level is fetched once until refreshed');
    await model.refresh();
    assert.equal(sent.filter((c) => c === 'fabric.nodes').length, 2);

    const heap = await model.children(nodes[1]!);
    assert.equal(heap.length, 5, labels(heap).join('\n'));
    const counts = heap.map((h) => (h.kind === 'heapClass' ? h.entry.count : -1));
    assert.ok(counts.every((c) => c > 0), counts.join(','));
    assert.deepEqual([...counts].sort((x, y) => y - x), counts, 'largest pools first');
    assert.ok(heap.every((h) => h.kind === 'heapClass' && h.node === 'node-2' && present(h).description!.endsWith('instances')));
  });

  it('shows a plain JVM as one node', async () => {
    const jvm = await startWorker('plain', 100);
    extraJvms.push(jvm);
    a = await startAdapter();
    await attachAndConfigure(a.dc, resolveConfiguration({ request: 'attach', hostName: '127.0.0.1', port: jvm.port }, { folders: [DEMO] }));
    const model = modelOf(a, 3);
    const roots = await model.roots();
    assert.deepEqual(
      roots.map((r) => r.kind),
      ['node', 'divergentGroup'],
      labels(roots).join('\n'),
    );
    assert.equal(statusText(model.nodes), 'fabric: 1 node');
    const heap = await model.children(roots[0]!);
    assert.equal(heap.length, 3);
    assert.ok(heap.every((h) => h.kind === 'heapClass' && h.entry.count > 0));
  });
});
