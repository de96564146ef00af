// jdwp-fabric trace through the virtual VM over 3 nodes of the self-driving worker (dialling in), run as child processes.
import * as assert from 'node:assert/strict';
import type { Jvm } from '../../jdwp/launch/java';
import { formatAddress } from '../../jdwp/transport/tcp';
import { ExitCode } from '../../cli/exit-codes';
import { killAll } from '../support/fixtures';
import { startWorker, startWorkerCluster, workerTraceLine, type WorkerCluster } from '../support/worker-cluster';
import { assertNothingSuspended, attachWhenFree, hitsOf, runCli, startCli, summaryOf, waitForLine, type HitLine } from './support';

/** Milliseconds each worker pauses between orders: 2 workers make about 40 hits a second per node. */
const PAUSE_MS = 50;

describe('jdwp-fabric trace through the virtual VM (3 nodes)', function () {
  this.timeout(120_000);
  let cluster: WorkerCluster;
  const late: Jvm[] = [];
  const at = () => `worker.OrderService:${workerTraceLine()}`;
  const proxyAddress = () => cluster.proxy.address;

  function trace(...args: string[]) {
    return runCli(['trace', '--connect', formatAddress(proxyAddress()), ...args]);
  }

  function startTrace(...args: string[]) {
    return startCli(['trace', '--connect', formatAddress(proxyAddress()), ...args]);
  }

  const nodesOf = (hits: HitLine[]) => new Set(hits.map((h) => h.node));

  before(async () => {
    cluster = await startWorkerCluster({ nodes: 3, dialIn: true, pauseMillis: PAUSE_MS });
  });

  after(async () => {
    await cluster?.close();
    await killAll(late);
  });

  it('captures hits from every node and holds --per-node', async () => {
    const r = await trace('--at', at(), '--per-node', '2', '--capture', 'order.id', '--stack', '2', '--json');
    assert.equal(r.code, ExitCode.OK, r.stderr.join('\n'));
    const hits = hitsOf(r.stdout);
    const nodes = nodesOf(hits);
    assert.equal(nodes.size, 3, `hits from ${[...nodes].join(', ')}`);
    for (const n of nodes) assert.equal(hits.filter((h) => h.node === n).length, 2, `2 hits on ${n}`);
    for (const h of hits) {
      assert.match(h.thread, /^order-worker-\d$/, 'thread names without the proxy prefix');
      assert.equal(h.location.method, 'process');
      assert.equal(h.stack![1].method, 'runWorker');
      assert.equal(h.captures!['order.id'], h.locals!.order.fields.id);
      assert.equal(h.locals!.order['@type'], 'worker.Order');
    }
    const summary = summaryOf(r.stderr);
    assert.equal(summary.reason, '--per-node reached on every node');
    assert.ok(r.stderr.some((l) => l.includes('"boundNodes":3')), 'bound on all 3 nodes');
    await assertNothingSuspended(proxyAddress, 'the cluster');
  });

  it('filters with --when and holds --max-hits', async () => {
    const r = await trace('--at', at(), '--when', 'order.priority', '--capture', 'order.id, order.priority', '--no-locals', '--max-hits', '4', '--json');
    assert.equal(r.code, ExitCode.OK, r.stderr.join('\n'));
    const hits = hitsOf(r.stdout);
    assert.equal(hits.length, 4);
    for (const h of hits) {
      assert.equal(h.captures!['order.priority'], true);
      assert.equal(h.captures!['order.id'] % 7, 0, 'the worker marks every 7th order as priority');
    }
    const summary = summaryOf(r.stderr);
    const filtered = Object.values(summary.nodes as Record<string, { filtered: number }>).reduce((n, c) => n + c.filtered, 0);
    assert.ok(filtered > 0);
  });

  it('holds the total and the per-node rate limits within tolerance', async () => {
    const total = await trace('--at', at(), '--rate', '6/s', '--node-rate', '1000/s', '--duration', '3', '--stack', '0', '--no-locals', '--json');
    assert.equal(total.code, ExitCode.OK, total.stderr.join('\n'));
    const captured = hitsOf(total.stdout).length;
    assert.ok(captured >= 9 && captured <= 6 * 3 + 2, `captured ${captured} at 6/s in 3 s`);
    const nodes = Object.values(summaryOf(total.stderr).nodes as Record<string, { skipped: number }>);
    assert.ok(nodes.reduce((n, c) => n + c.skipped, 0) > captured, 'the rest were skipped');

    const perNode = await trace('--at', at(), '--rate', '1000/s', '--node-rate', '2/s', '--duration', '3', '--stack', '0', '--no-locals', '--json');
    assert.equal(perNode.code, ExitCode.OK, perNode.stderr.join('\n'));
    const hits = hitsOf(perNode.stdout);
    assert.equal(nodesOf(hits).size, 3);
    for (const n of nodesOf(hits)) {
      const count = hits.filter((h) => h.node === n).length;
      assert.ok(count >= 3 && count <= 2 * 3 + 1, `${count} hits on ${n} at 2/s in 3 s`);
    }
  });

  it('switches a slow probe off node by node, and ends once it is off on every node', async () => {
    const r = await trace('--at', at(), '--max-pause', '0.001', '--node-rate', '1000/s', '--duration', '30', '--json');
    assert.equal(r.code, ExitCode.OK, r.stderr.join('\n'));
    const summary = summaryOf(r.stderr);
    assert.equal(summary.reason, 'every probe is switched off');
    const off = summary.switchedOff as Array<{ node: string; reason: string }>;
    assert.equal(new Set(off.map((s) => s.node)).size, 3, 'off on each of the 3 nodes');
    for (const s of off) assert.match(s.reason, /3 hits in a row held the thread over 0.001 ms/);
    const hits = hitsOf(r.stdout);
    for (const n of nodesOf(hits)) {
      const count = hits.filter((h) => h.node === n).length;
      assert.ok(count >= 3 && count <= 6, `${count} hits on ${n} before it was switched off there`);
    }
    assert.equal(r.stderr.filter((l) => l.startsWith('{"notice"') && l.includes('"switchedOff"')).length, 3, 'a notice per node');
  });

  it('scopes a probe to a symbol hash with --symbol', async () => {
    const vm = await attachWhenFree(proxyAddress);
    let hash: string;
    try {
      const { classes } = await vm.VirtualMachine.ClassesBySignature('Lworker/OrderService;');
      hash = (await vm.Fabric.SymbolInfo(classes[0].typeID)).symbolHash;
    } finally {
      await vm.dispose();
    }
    const r = await trace('--at', at(), '--symbol', hash.slice(0, 12), '--per-node', '1', '--no-locals', '--json');
    assert.equal(r.code, ExitCode.OK, r.stderr.join('\n'));
    assert.equal(nodesOf(hitsOf(r.stdout)).size, 3);

    const none = await trace('--at', at(), '--symbol', 'f'.repeat(64), '--load-timeout', '1');
    assert.equal(none.code, ExitCode.UNKNOWN_CLASS);
    assert.match(none.stderr.at(-1)!, /no node runs worker\.OrderService with symbol hash f{64}/);
  });

  it('ends on SIGINT with exit code 130 and leaves no thread suspended on any node', async () => {
    const run = startTrace('--at', at(), '--at', 'worker.Pricing.total', '--json');
    await waitForLine(run, 'stdout', (l) => l.includes('"worker.Pricing.total"'));
    run.child.kill('SIGINT');
    assert.equal(await run.exited, ExitCode.INTERRUPTED);
    assert.equal(summaryOf(run.stderr).reason, 'interrupted');
    await assertNothingSuspended(proxyAddress, 'the cluster');
  });

  it('traces a node that joins during the session, and goes on when a node dies', async () => {
    const run = startTrace('--at', at(), '--stack', '0', '--no-locals', '--capture', 'order.id', '--node-rate', '5/s', '--json');
    const hitNodes = () => nodesOf(run.stdout.map((l) => JSON.parse(l) as HitLine));
    await waitForLine(run, 'stdout', () => hitNodes().size === 3);
    const before = hitNodes();
    late.push(
      await startWorker('node-4', PAUSE_MS, { dialAddress: formatAddress(cluster.proxy.acceptAddress!) }),
    );
    await waitForLine(run, 'stdout', () => hitNodes().size === 4, 30_000);
    const joined = [...hitNodes()].find((n) => !before.has(n))!;
    await waitForLine(run, 'stderr', (l) => l.includes('"joined":true') && l.includes(joined));
    await killAll(late);
    await waitForLine(run, 'stderr', (l) => l.includes('"left":true') && l.includes(joined));
    const afterDeath = run.stdout.length;
    await waitForLine(run, 'stdout', () => run.stdout.length > afterDeath + 3);
    run.child.kill('SIGINT');
    assert.equal(await run.exited, ExitCode.INTERRUPTED);
    const summary = summaryOf(run.stderr);
    assert.ok(summary.nodeEvents.some((e: string) => e.startsWith(`node ${joined} joined`)));
    assert.ok(summary.nodeEvents.some((e: string) => e.startsWith(`node ${joined} left`)));
    assert.ok(summary.nodes[joined].captured > 0);
    await assertNothingSuspended(proxyAddress, 'the cluster');
  });

  it('ends with exit code 6 when the proxy stops', async () => {
    const run = startTrace('--at', at(), '--no-locals', '--json');
    await waitForLine(run, 'stdout', () => true);
    await cluster.proxy.close();
    assert.equal(await run.exited, ExitCode.TARGET_LOST);
    assert.equal(summaryOf(run.stderr).reason, 'target lost');
    for (const jvm of cluster.jvms) assert.equal(jvm.process.exitCode, null, 'the nodes keep running');
  });
});
