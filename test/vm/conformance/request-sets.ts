// Scenarios of EventRequest and the Fabric vendor set (requests, answer, merge): where a request is bound is
// checked both through Fabric.RequestInfo and by the breakpoint events each node itself sends the proxy.
import * as assert from 'node:assert/strict';
import type { ClassID, ReferenceTypeID } from '../../../jdwp/protocol/wire-types';
import { JDWP } from '../../../jdwp/registry';
import type { EventRequest_Set_Modifier } from '../../../jdwp/protocol/spec-types';
import { PRESET_EDGES } from '../../../jdwp/flow/edges';
import { lineOf } from '../../support/fixtures';
import {
  eventsOf,
  eventually,
  expectError,
  int,
  invokeStatic,
  K,
  loadClass,
  locals,
  methodOf,
  MOD,
  node,
  nodeOfThread,
  P,
  rawBreakpointsIn,
  slotOf,
  typeView,
  type Scenario,
  type TypeView,
  type World,
} from './world';

const FIXTURE = 'Lfixture/Fixture;';
const MADE_UP_TYPE = 987_654_321n as ReferenceTypeID;

/** A breakpoint at the first code of a method, with extra modifiers. */
async function breakpointAt(w: World, type: TypeView, method: string, policy: number, extra: EventRequest_Set_Modifier[] = []): Promise<number> {
  const methodID = methodOf(type, method);
  const { start } = await w.vm.Method.LineTable(type.id, methodID);
  const loc = { typeTag: JDWP.TypeTag.CLASS, classID: type.id as ClassID, methodID, index: start };
  return (await w.vm.EventRequest.Set(K.BREAKPOINT, policy, [{ modKind: MOD.LocationOnly, loc }, ...extra])).requestID;
}

/** Calls Fixture.add(1, 2) on both nodes' main threads. */
async function addOnBoth(w: World): Promise<void> {
  const add = methodOf(w.fixture, 'add');
  const results = await Promise.all(w.nodes.map((nv) => invokeStatic(w, nv.n, w.fixture.id, add, [int(1), int(2)])));
  assert.deepEqual(results, [int(3), int(3)]);
}

/** Runs `during` and answers which nodes the debugger's events of a request came from, and each node's raw hits in the method. */
async function hits(w: World, requestID: number, method: [string, string], during: () => Promise<unknown>): Promise<{ nodes: number[]; raw: number[] }> {
  let raw = new Map<number, number>();
  const events = await eventsOf(w.vm, requestID, async () => {
    raw = await rawBreakpointsIn(w, method[0], method[1], during);
  });
  const nodes = await Promise.all(events.map((e) => nodeOfThread(w, (e as { thread: bigint }).thread)));
  return { nodes: nodes.sort(), raw: [...raw.values()] };
}

/** The scenarios of the request sets, by command. */
export const REQUEST_SCENARIOS: Record<string, Scenario> = {
  'Fabric.Nodes': async (w) => {
    const { nodes } = await w.vm.Fabric.Nodes();
    const { threads } = await w.vm.VirtualMachine.AllThreads();
    for (const nv of w.nodes) {
      const entry = nodes.find((x) => x.name === nv.name);
      assert.ok(entry);
      const v = await nv.link.client.VirtualMachine.Version();
      assert.deepEqual(
        [entry.state, entry.slot, entry.address, entry.vmVersion, entry.threadCount],
        ['up', slotOf(nv.main), `127.0.0.1:${nv.jvm.port}`, `${v.vmName} ${v.vmVersion}`, threads.filter((t) => slotOf(t) === nv.slot).length],
      );
    }
    assert.equal(nodes.length, 2);
  },

  'Fabric.SymbolInfo': async (w) => {
    const info = await w.vm.Fabric.SymbolInfo(w.fixture.id);
    assert.equal(info.signature, FIXTURE);
    assert.match(info.symbolHash, /^[0-9a-f]{64}$/);
    assert.deepEqual(info.versions, [{ typeID: w.fixture.id, symbolHash: info.symbolHash, nodes: ['node-1', 'node-2'] }]);
    assert.deepEqual((await w.vm.Fabric.SymbolInfo(w.lonely.id)).versions.map((v) => v.nodes), [['node-2']]);
    await expectError(w.vm.Fabric.SymbolInfo(MADE_UP_TYPE), 'INVALID_CLASS');
  },

  'Fabric.HeapPools': async (w) => {
    const { pools } = await w.vm.Fabric.HeapPools(3);
    assert.deepEqual(pools.map((p) => p.node), ['node-1', 'node-2']);
    for (const p of pools) {
      assert.equal(p.classes.length, 3);
      for (let i = 1; i < 3; i++) assert.ok(p.classes[i - 1].count >= p.classes[i].count, `${p.node} is ranked`);
      for (const c of p.classes) assert.equal((await w.vm.ReferenceType.Signature(c.typeID)).signature, c.signature);
    }
  },

  'Fabric.DivergentClasses': async (w) => {
    assert.deepEqual((await w.vm.Fabric.DivergentClasses()).classes, [], 'identical nodes run one version of each class');
  },

  'Fabric.RequestInfo': async (w) => {
    const all = (await w.vm.EventRequest.Set(K.THREAD_START, P.NONE, [])).requestID;
    const onNode2 = await breakpointAt(w, w.fixture, 'add', P.NONE, [{ modKind: MOD.ThreadOnly, thread: node(w, 2).main }]);
    const lonely = (await w.vm.EventRequest.Set(K.METHOD_ENTRY, P.NONE, [{ modKind: MOD.ClassOnly, clazz: w.lonely.id }])).requestID;
    try {
      assert.deepEqual(await w.vm.Fabric.RequestInfo(all), { boundNodes: 2, eligibleNodes: 2, totalNodes: 2 });
      assert.deepEqual(await w.vm.Fabric.RequestInfo(onNode2), { boundNodes: 1, eligibleNodes: 1, totalNodes: 2 });
      assert.deepEqual(await w.vm.Fabric.RequestInfo(lonely), { boundNodes: 1, eligibleNodes: 1, totalNodes: 2 });
    } finally {
      await w.vm.EventRequest.Clear(K.THREAD_START, all);
      await w.vm.EventRequest.Clear(K.BREAKPOINT, onNode2);
      await w.vm.EventRequest.Clear(K.METHOD_ENTRY, lonely);
    }
    await expectError(w.vm.Fabric.RequestInfo(all), 'INVALID_EVENT_TYPE');
  },

  'Fabric.SetBreakpointBySymbol': async (w) => {
    const { symbolHash } = await w.vm.Fabric.SymbolInfo(w.probe.id);
    const bp = await w.vm.Fabric.SetBreakpointBySymbol('Lconform/Probe;', symbolHash, 'version', lineOf('conform/Probe.java', 'VERSION_CONSTANT'), P.NONE);
    try {
      assert.deepEqual([bp.boundNodes, bp.totalNodes], [2, 2]);
      const version = methodOf(w.probe, 'version');
      const seen = await hits(w, bp.requestID, ['Lconform/Probe;', 'version'], () => Promise.all(w.nodes.map((nv) => invokeStatic(w, nv.n, w.probe.id, version))));
      assert.deepEqual(seen, { nodes: [1, 2], raw: [1, 1] });
    } finally {
      await w.vm.EventRequest.Clear(K.BREAKPOINT, bp.requestID);
    }
    const other = await w.vm.Fabric.SetBreakpointBySymbol('Lconform/Probe;', 'f'.repeat(64), 'version', -1, P.NONE);
    assert.equal(other.boundNodes, 0, 'a hash no node runs binds nowhere');
    await w.vm.EventRequest.Clear(K.BREAKPOINT, other.requestID);
  },

  'Fabric.CallerChain': async (w) => {
    // A thread that serves no RPC call has no callers (the stitch tests cover threads that do).
    assert.deepEqual(await w.vm.Fabric.CallerChain(node(w, 1).main), { hops: [] });
    await expectError(w.vm.Fabric.CallerChain((9n * 10n ** 15n) as never), 'INVALID_THREAD');
  },

  'Fabric.StopSnapshot': async (w) => {
    // Each node's stopped main thread, read on its own node: the stack as Frames gives it and work()'s locals as
    // GetValues gives them (test/vm/stop-snapshot.test.ts compares the objects and strings too).
    for (const n of [1, 2]) {
      const snap = await w.vm.Fabric.StopSnapshot(node(w, n).main, 1, 100);
      const { frames } = await w.vm.ThreadReference.Frames(node(w, n).main, 0, -1);
      assert.deepEqual([snap.frameCount, snap.frames], [frames.length, frames.slice(0, 1)]);
      const byName = await locals(w, n, snap.locals.map((l) => l.name));
      assert.deepEqual(snap.locals.map((l) => l.value), snap.locals.map((l) => byName[l.name]));
    }
    await expectError(w.vm.Fabric.StopSnapshot((9n * 10n ** 15n) as never, -1, 10), 'INVALID_THREAD');
  },

  'Fabric.Edges': async (w) => {
    const { edges } = await w.vm.Fabric.Edges();
    assert.deepEqual(
      edges.map((e) => e.name),
      PRESET_EDGES.map((e) => e.name),
      'the presets, in order',
    );
    for (const e of edges) {
      // The fixture uses neither the JDK's HTTP client nor a server: no side is bound on either node.
      assert.deepEqual(e.nodes, w.nodes.map((nv) => ({ node: nv.name, client: false, server: false })), e.name);
    }
  },

  'Fabric.SetRequestScope': async (w) => {
    await w.vm.Fabric.SetRequestScope('header:X-Debug-Session=alice');
    const bp = await breakpointAt(w, w.fixture, 'add', P.NONE);
    try {
      assert.deepEqual(await w.vm.Fabric.RequestInfo(bp), { boundNodes: 2, eligibleNodes: 2, totalNodes: 2 }, 'scoped: counted where it can be armed');
      assert.deepEqual(await hits(w, bp, [FIXTURE, 'add'], () => addOnBoth(w)), { nodes: [], raw: [0, 0] }, 'scoped: no node reports it (the fixture serves no marked request)');
      await w.vm.Fabric.SetRequestScope('');
      assert.deepEqual(await w.vm.Fabric.RequestInfo(bp), { boundNodes: 2, eligibleNodes: 2, totalNodes: 2 }, 'unscoped: on every node again');
      await expectError(w.vm.Fabric.SetRequestScope('cookie:x=1'), 'ILLEGAL_ARGUMENT');
    } finally {
      await w.vm.Fabric.SetRequestScope('');
      await w.vm.EventRequest.Clear(K.BREAKPOINT, bp);
    }
  },

  'Fabric.RequestScopeInfo': async (w) => {
    assert.deepEqual(await w.vm.Fabric.RequestScopeInfo(), { scope: '', nodes: [] });
    await w.vm.Fabric.SetRequestScope('trace:4bf92f3577b34da6a3ce929d0e0e4736');
    try {
      const info = await w.vm.Fabric.RequestScopeInfo();
      assert.equal(info.scope, 'trace:4bf92f3577b34da6a3ce929d0e0e4736');
      // The fixture serves no RPC: nothing to check, nothing in scope.
      assert.deepEqual(info.nodes, w.nodes.map((nv) => ({ node: nv.name, checks: 0, matched: 0, inScope: 0, costPermille: 0, off: false })));
    } finally {
      await w.vm.Fabric.SetRequestScope('');
    }
  },

  'Fabric.DisableOnNode': async (w) => {
    const bp = await breakpointAt(w, w.fixture, 'add', P.NONE);
    try {
      await w.vm.Fabric.DisableOnNode(bp, 'node-1');
      assert.deepEqual(await w.vm.Fabric.RequestInfo(bp), { boundNodes: 1, eligibleNodes: 2, totalNodes: 2 });
      assert.deepEqual(await hits(w, bp, [FIXTURE, 'add'], () => addOnBoth(w)), { nodes: [2], raw: [0, 1] }, 'cleared on node-1 itself');
    } finally {
      await w.vm.EventRequest.Clear(K.BREAKPOINT, bp);
    }
  },

  'EventRequest.Set': async (w) => {
    const everywhere = await breakpointAt(w, w.fixture, 'add', P.NONE);
    try {
      assert.deepEqual(await w.vm.Fabric.RequestInfo(everywhere), { boundNodes: 2, eligibleNodes: 2, totalNodes: 2 });
      const events: unknown[] = [];
      const seen = await hits(w, everywhere, [FIXTURE, 'add'], () => eventsOf(w.vm, everywhere, () => addOnBoth(w)).then((e) => events.push(...e)));
      assert.deepEqual(seen, { nodes: [1, 2], raw: [1, 1] }, 'bound on both nodes');
      for (const e of events as Array<{ requestID: number; location: { classID: bigint; methodID: bigint } }>) {
        assert.deepEqual([e.requestID, e.location.classID, e.location.methodID], [everywhere, w.fixture.id, methodOf(w.fixture, 'add')], 'virtual IDs');
      }
    } finally {
      await w.vm.EventRequest.Clear(K.BREAKPOINT, everywhere);
    }
    const onNode2 = await breakpointAt(w, w.fixture, 'add', P.NONE, [{ modKind: MOD.ThreadOnly, thread: node(w, 2).main }]);
    try {
      assert.deepEqual(await hits(w, onNode2, [FIXTURE, 'add'], () => addOnBoth(w)), { nodes: [2], raw: [0, 1] }, 'ThreadOnly binds on the thread\'s node only');
    } finally {
      await w.vm.EventRequest.Clear(K.BREAKPOINT, onNode2);
    }
    // Count counts occurrences across the cluster: 2 on each node, and the request reports the second in all.
    const count = await breakpointAt(w, w.fixture, 'add', P.NONE, [{ modKind: 1, count: 2 }]);
    try {
      const add = methodOf(w.fixture, 'add');
      const { nodes } = await hits(w, count, [FIXTURE, 'add'], async () => {
        for (const n of [1, 2, 1, 2]) await invokeStatic(w, n, w.fixture.id, add, [int(1), int(2)]);
      });
      assert.equal(nodes.length, 1, `Count 2 over 4 occurrences reports once, not once per node (${nodes})`);
    } finally {
      await w.vm.EventRequest.Clear(K.BREAKPOINT, count);
    }
    // A type one node runs: bound there, then on the other node once it loads the class.
    await loadClass(w, 2, 'conform.Late');
    const late = await typeView(w.vm, 'Lconform/Late;');
    const lateBp = await breakpointAt(w, late, 'touch', P.NONE);
    try {
      assert.deepEqual(await w.vm.Fabric.RequestInfo(lateBp), { boundNodes: 1, eligibleNodes: 1, totalNodes: 2 });
      await loadClass(w, 1, 'conform.Late');
      await eventually('the request follows conform.Late to node-1', async () => (await w.vm.Fabric.RequestInfo(lateBp)).boundNodes === 2);
      const touch = methodOf(late, 'touch');
      const seen = await hits(w, lateBp, ['Lconform/Late;', 'touch'], () => Promise.all(w.nodes.map((nv) => invokeStatic(w, nv.n, late.id, touch))));
      assert.deepEqual(seen, { nodes: [1, 2], raw: [1, 1] });
    } finally {
      await w.vm.EventRequest.Clear(K.BREAKPOINT, lateBp);
    }
    await expectError(breakpointAt(w, w.fixture, 'add', P.NONE, [{ modKind: MOD.ThreadOnly, thread: 9n * 10n ** 15n as never }]), 'INVALID_THREAD', 'EventRequest.Set');
  },

  'EventRequest.Clear': async (w) => {
    const bp = await breakpointAt(w, w.fixture, 'add', P.NONE);
    await w.vm.EventRequest.Clear(K.BREAKPOINT, bp);
    await expectError(w.vm.Fabric.RequestInfo(bp), 'INVALID_EVENT_TYPE');
    assert.deepEqual(await hits(w, bp, [FIXTURE, 'add'], () => addOnBoth(w)), { nodes: [], raw: [0, 0] }, 'cleared on every node');
  },

  'EventRequest.ClearAllBreakpoints': async (w) => {
    const add = await breakpointAt(w, w.fixture, 'add', P.NONE);
    const version = await breakpointAt(w, w.probe, 'version', P.NONE);
    const starts = (await w.vm.EventRequest.Set(K.THREAD_START, P.NONE, [])).requestID;
    try {
      await w.vm.EventRequest.ClearAllBreakpoints();
      await expectError(w.vm.Fabric.RequestInfo(add), 'INVALID_EVENT_TYPE');
      await expectError(w.vm.Fabric.RequestInfo(version), 'INVALID_EVENT_TYPE');
      assert.deepEqual(await w.vm.Fabric.RequestInfo(starts), { boundNodes: 2, eligibleNodes: 2, totalNodes: 2 }, 'other requests stay');
      assert.deepEqual(await hits(w, add, [FIXTURE, 'add'], () => addOnBoth(w)), { nodes: [], raw: [0, 0] }, 'cleared on every node');
      const v = methodOf(w.probe, 'version');
      assert.deepEqual(
        await hits(w, version, ['Lconform/Probe;', 'version'], () => Promise.all(w.nodes.map((nv) => invokeStatic(w, nv.n, w.probe.id, v)))),
        { nodes: [], raw: [0, 0] },
      );
    } finally {
      await w.vm.EventRequest.Clear(K.THREAD_START, starts);
    }
  },
};
