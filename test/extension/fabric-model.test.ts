import * as assert from 'node:assert/strict';
import {
  FabricModel,
  FabricReplyError,
  javaName,
  parseDivergentClasses,
  parseHeapPool,
  parseNodes,
  present,
  shortHash,
  statusText,
  type FabricNode,
} from '../../extension/fabric-model';

const node = (name: string, state = 'up', threadCount = 12): FabricNode => ({
  slot: Number(name.replace(/\D/g, '')) || 0,
  name,
  address: `127.0.0.1:${5000 + name.length}`,
  vmVersion: 'OpenJDK 64-Bit Server VM 17.0.12',
  state,
  threadCount,
});

describe('Fabric view model', () => {
  it('names signatures as Java does', () => {
    assert.equal(javaName('Ldemo/Order;'), 'demo.Order');
    assert.equal(javaName('[I'), 'int[]');
    assert.equal(javaName('[[Ljava/lang/String;'), 'java.lang.String[][]');
    assert.equal(javaName('Ldemo/OrderService$1;'), 'demo.OrderService$1');
  });

  it('shows a node with its state, VM version and thread count, expandable only when up', () => {
    const up = present({ kind: 'node', node: node('node-1') });
    assert.equal(up.label, 'node-1');
    assert.equal(up.description, 'up · OpenJDK 64-Bit Server VM 17.0.12 · 12 threads');
    assert.equal(up.collapsible, 'collapsed');
    assert.equal(up.icon, 'vm-running');
    assert.match(up.tooltip!, /at 127\.0\.0\.1:\d+/);
    const down = present({ kind: 'node', node: node('node-2', 'down', 1) });
    assert.equal(down.description, 'down · OpenJDK 64-Bit Server VM 17.0.12 · 1 thread');
    assert.equal(down.collapsible, 'none');
    assert.notEqual(down.icon, up.icon);
    assert.notEqual(present({ kind: 'node', node: node('node-3', 'rebooting') }).icon, undefined);
  });

  it('shows heap classes, divergent classes and versions with ids that stay stable across refreshes', () => {
    const entry = { signature: 'Ldemo/Order;', name: 'demo.Order', symbolHash: 'abc', count: 1 };
    const heap = present({ kind: 'heapClass', node: 'node-1', entry });
    assert.deepEqual([heap.label, heap.description, heap.collapsible], ['demo.Order', '1 instance', 'none']);
    const cls = { signature: 'Ldemo/Pricing;', name: 'demo.Pricing', versions: [{ symbolHash: '0123456789abcdef', nodes: ['node-1', 'node-3'] }, { symbolHash: 'ff', nodes: ['node-2'] }] };
    const group = present({ kind: 'divergentGroup', classes: [cls] });
    assert.deepEqual([group.label, group.description, group.collapsible], ['Divergent classes', '1', 'collapsed']);
    const none = present({ kind: 'divergentGroup', classes: [] });
    assert.deepEqual([none.description, none.collapsible], ['none', 'none']);
    assert.equal(present({ kind: 'divergentClass', cls }).description, '2 versions');
    const v = present({ kind: 'version', cls, version: cls.versions[0]! });
    assert.deepEqual([v.label, v.description], ['0123456789ab', 'node-1, node-3']);
    const ids = [heap, group, present({ kind: 'divergentClass', cls }), v, present({ kind: 'version', cls, version: cls.versions[1]! })].map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(present({ kind: 'heapClass', node: 'node-1', entry: { ...entry, count: 7 } }).id, heap.id);
    assert.equal(shortHash(''), '(no hash)');
  });

  it('reads the status bar text from the nodes', () => {
    assert.equal(statusText(undefined), 'fabric: connecting');
    assert.equal(statusText([node('jvm')]), 'fabric: 1 node');
    assert.equal(statusText([node('node-1'), node('node-2'), node('node-3')]), 'fabric: 3 nodes');
    assert.equal(statusText([node('node-1'), node('node-2', 'down'), node('node-3', 'connecting')]), 'fabric: 3 nodes (2 not up)');
  });

  it('checks reply bodies and names what is wrong', () => {
    assert.deepEqual(parseNodes({ nodes: [node('node-1')] }), [node('node-1')]);
    assert.throws(() => parseNodes(undefined), (e: unknown) => e instanceof FabricReplyError && /fabric.nodes: unexpected reply \(body is not an object\)/.test(e.message));
    assert.throws(() => parseNodes({ nodes: [{ ...node('n'), threadCount: 'many' }] }), /nodes\[0\]\.threadCount is not a number/);
    assert.deepEqual(parseHeapPool({ classes: [{ signature: '[B', count: '42' }] }), [{ signature: '[B', name: 'byte[]', symbolHash: '', count: 42 }]);
    assert.throws(() => parseHeapPool({ classes: [{ signature: 1, count: 1 }] }), /classes\[0\]\.signature is not a string/);
    assert.deepEqual(parseDivergentClasses({ classes: [{ signature: 'LA;', versions: [{ symbolHash: 'h', nodes: ['n1'] }] }] }), [
      { signature: 'LA;', name: 'A', versions: [{ symbolHash: 'h', nodes: ['n1'] }] },
    ]);
    assert.throws(() => parseDivergentClasses({ classes: [{ signature: 'LA;', versions: [{ symbolHash: 'h', nodes: [3] }] }] }), /versions\[0\]\.nodes\[0\] is not a string/);
  });

  it('turns failing or malformed replies into message items instead of throwing (fault injection)', async () => {
    const requested: string[] = [];
    const model = new FabricModel(async (command) => {
      requested.push(command);
      if (command === 'fabric.nodes') throw new Error('not attached');
      if (command === 'fabric.divergentClasses') return { classes: 'nope' };
      throw new Error('heap walk failed');
    });
    const roots = await model.roots();
    assert.deepEqual(requested.sort(), ['fabric.divergentClasses', 'fabric.nodes']);
    assert.deepEqual(roots.map((r) => (r.kind === 'message' ? r.text : r.kind)), [
      'Nodes unavailable: not attached',
      'Divergent classes unavailable: fabric.divergentClasses: unexpected reply (classes is not an array)',
    ]);
    assert.equal(model.nodes, undefined);
    const heap = await model.children({ kind: 'node', node: node('node-1') });
    assert.deepEqual(heap.map((h) => (h.kind === 'message' ? h.text : h.kind)), ['Heap pool unavailable: heap walk failed']);
  });
});
