import * as assert from 'node:assert/strict';
import type { JdwpClient } from '../../jdwp/client/client';
import { isVirtualVm } from '../../jdwp/client/virtual-vm';
import type { ThreadID } from '../../jdwp/protocol/wire-types';
import { JdwpReplyError } from '../../jdwp/errors';
import type { Jvm } from '../../jdwp/launch/java';
import { JDWP } from '../../jdwp/registry';
import type { Event_Composite_Event } from '../../jdwp/protocol/spec-types';
import { killAll, lineOf } from '../support/fixtures';
import { attachAfterDebugger, startNodes, startProxy, type ProxyUnderTest } from './support';

const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;
const FIXTURE = 'Lfixture/Fixture;';

/**
 * Records the breakpoint hits of one request by node, resuming every hit as it comes, also between windows: a hit
 * left suspended after a window would keep its node from hitting in the next one.
 */
class HitRecorder {
  private nodes = new Map<string, number>();
  private readonly pending: Array<Promise<unknown>> = [];
  private readonly on = (e: Event_Composite_Event) => {
    for (const ev of e.events) {
      if (ev.eventKind !== K.BREAKPOINT || ev.requestID !== this.requestID) continue;
      const thread = ev.thread as ThreadID;
      const into = this.nodes;
      this.pending.push(
        this.vm.ThreadReference.Name(thread).then(({ threadName }) => {
          const node = /^\[([^\]]+)\]/.exec(threadName)?.[1] ?? '?';
          into.set(node, (into.get(node) ?? 0) + 1);
          return this.vm.ThreadReference.Resume(thread).catch(() => undefined);
        }),
      );
    }
  };

  constructor(
    private readonly vm: JdwpClient,
    private readonly requestID: number,
  ) {
    vm.on('event', this.on);
  }

  /** The nodes that hit during the next `ms` milliseconds. */
  async window(ms: number): Promise<Map<string, number>> {
    const nodes = (this.nodes = new Map());
    await new Promise((r) => setTimeout(r, ms));
    this.nodes = new Map();
    return nodes;
  }

  /** Stops recording once every hit seen was resumed. */
  async stop(): Promise<void> {
    this.vm.removeListener('event', this.on);
    await Promise.allSettled(this.pending);
  }
}

describe('the Fabric command set', function () {
  this.timeout(60_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest;
  let vm: JdwpClient;

  before(async () => {
    await startNodes(jvms, 3);
    proxy = await startProxy(jvms);
    vm = await attachAfterDebugger(proxy.vm);
  });

  after(async () => {
    await vm?.dispose();
    await proxy?.close();
    await killAll(jvms);
  });

  it('is detected by isVirtualVm from the Version the virtual VM answers', async () => {
    const version = await vm.VirtualMachine.Version();
    assert.match(version.vmName, /jdwp-fabric: 3 node/);
    assert.equal(await isVirtualVm(vm, version), true);
  });

  it('lists the nodes with their state, VM version and thread count', async () => {
    const { nodes } = await vm.Fabric.Nodes();
    assert.deepEqual(nodes.map((n) => [n.name, n.state]), [['node-1', 'up'], ['node-2', 'up'], ['node-3', 'up']]);
    for (const n of nodes) {
      assert.match(n.vmVersion, /17/);
      assert.ok(n.threadCount >= 5, `${n.name}: ${n.threadCount} threads`);
      assert.equal(n.group, BigInt(n.slot));
    }
  });

  it('gives a type its symbol hash and the nodes that run it', async () => {
    const { classes } = await vm.VirtualMachine.ClassesBySignature(FIXTURE);
    assert.equal(classes.length, 1);
    const info = await vm.Fabric.SymbolInfo(classes[0].typeID);
    assert.equal(info.signature, FIXTURE);
    assert.match(info.symbolHash, /^[0-9a-f]{64}$/);
    assert.deepEqual(info.versions.map((v) => [v.typeID, v.symbolHash, v.nodes]), [[classes[0].typeID, info.symbolHash, ['node-1', 'node-2', 'node-3']]]);
    assert.deepEqual((await vm.Fabric.DivergentClasses()).classes, []);
  });

  it('ranks each node\'s heap by instance count', async () => {
    const { pools } = await vm.Fabric.HeapPools(5);
    assert.deepEqual(pools.map((p) => p.node), ['node-1', 'node-2', 'node-3']);
    for (const p of pools) {
      assert.equal(p.classes.length, 5);
      for (let i = 1; i < p.classes.length; i++) assert.ok(p.classes[i - 1].count >= p.classes[i].count);
      assert.ok(p.classes.every((c) => c.signature.length > 0 && c.count > 0n));
    }
  });

  it('sets a breakpoint by symbol on every node, reports where it is bound, and switches it off on one node', async () => {
    const { classes } = await vm.VirtualMachine.ClassesBySignature(FIXTURE);
    const { symbolHash } = await vm.Fabric.SymbolInfo(classes[0].typeID);
    const line = lineOf('fixture/Fixture.java', 'BREAK_LINE');
    const bp = await vm.Fabric.SetBreakpointBySymbol(FIXTURE, symbolHash, '', line, P.EVENT_THREAD);
    assert.deepEqual([bp.boundNodes, bp.totalNodes], [3, 3]);
    assert.deepEqual(await vm.Fabric.RequestInfo(bp.requestID), { boundNodes: 3, eligibleNodes: 3, totalNodes: 3 });
    const hits = new HitRecorder(vm, bp.requestID);
    try {
      const before = await hits.window(3000);
      assert.deepEqual([...before.keys()].sort(), ['node-1', 'node-2', 'node-3'], JSON.stringify([...before]));

      await vm.Fabric.DisableOnNode(bp.requestID, 'node-2');
      assert.deepEqual(await vm.Fabric.RequestInfo(bp.requestID), { boundNodes: 2, eligibleNodes: 3, totalNodes: 3 });
      await hits.window(300);
      const after = await hits.window(3000);
      assert.deepEqual([...after.keys()].sort(), ['node-1', 'node-3'], JSON.stringify([...after]));
    } finally {
      await vm.EventRequest.Clear(K.BREAKPOINT, bp.requestID);
      await hits.stop();
    }
  });

  it('answers INVALID_LOCATION for a line without code in a loaded class, and a wrong hash binds nowhere', async () => {
    await assert.rejects(vm.Fabric.SetBreakpointBySymbol(FIXTURE, '', '', 1, P.EVENT_THREAD), (e) => e instanceof JdwpReplyError && e.errorName === 'INVALID_LOCATION');
    const other = await vm.Fabric.SetBreakpointBySymbol(FIXTURE, '0'.repeat(64), '', lineOf('fixture/Fixture.java', 'BREAK_LINE'), P.EVENT_THREAD);
    assert.equal(other.boundNodes, 0);
    await vm.EventRequest.Clear(K.BREAKPOINT, other.requestID);
    await assert.rejects(vm.Fabric.RequestInfo(99_999), (e) => e instanceof JdwpReplyError && e.errorName === 'INVALID_EVENT_TYPE');
  });
});
