import * as assert from 'node:assert/strict';
import type { ObjectID, Value } from '../../jdwp/protocol/wire-types';
import { evaluate, type EvalContext } from '../../jdwp/eval';
import { JDWP } from '../../jdwp/registry';
import {
  arrayChildren, fieldChildren, logicalChildren, preview, snapshot, snapshotAll, staticChildren, type Json,
} from '../../jdwp/values';
import { release, stopInEvalFixture, type Stopped } from '../mirror/harness';

describe('values: previews, children and snapshots against a suspended JVM', function () {
  let s: Stopped;
  let ctx: EvalContext;
  const val = async (expr: string): Promise<Value> => (await evaluate(expr, ctx)).value;
  const id = async (expr: string): Promise<ObjectID> => (await val(expr)).value as ObjectID;

  before(async function () {
    s = await stopInEvalFixture();
    ctx = { mirror: s.mirror, thread: s.thread, frame: 0 };
  });

  after(async function () {
    await release(s);
  });

  it('previews primitives, strings, boxes, enums and Optional', async function () {
    const p = async (expr: string, options = {}) => preview(s.mirror, await val(expr), options);
    assert.equal(await p('i'), '42');
    assert.equal(await p('c'), "'q'");
    assert.equal(await p('f'), '1.25');
    assert.equal(await p('z'), 'true');
    assert.equal(await p('str'), '"hello \\"world\\"\\n"');
    assert.equal(await p('longStr', { maxString: 5 }), '"abcde…"');
    assert.equal(await p('nullStr'), 'null');
    assert.equal(await p('boxed'), 'Integer(7)');
    assert.equal(await p('boxedChar'), "Character('Z')");
    assert.equal(await p('boxedDouble'), 'Double(2.5)');
    assert.equal(await p('color'), 'Color.GREEN');
    assert.equal(await p('opt'), 'Optional["present"]');
    assert.equal(await p('emptyOpt'), 'Optional.empty');
  });

  it('previews arrays with their first elements', async function () {
    const p = async (expr: string, options = {}) => preview(s.mirror, await val(expr), options);
    assert.equal(await p('ints'), 'int[3] {1, 2, 3}');
    assert.equal(await p('strs'), 'String[3] {"a", null, "c"}');
    assert.equal(await p('grid'), 'int[2][] {int[2], int[2]}');
    assert.equal(await p('longs', { maxElements: 2 }), 'long[100] {0, 0, …}');
    assert.equal(await p('mixed'), 'Object[4] {Integer(1), "two", Double(3.0), null}');
  });

  it('previews lists, sets and maps by their fields, without a thread', async function () {
    const p = async (expr: string) => preview(s.mirror, await val(expr));
    assert.equal(await p('list'), 'ArrayList size=3 ["x", "y", "z"]');
    assert.equal(await p('set'), 'LinkedHashSet size=2 [Integer(1), Integer(2)]');
    assert.equal(await p('map'), 'LinkedHashMap size=2 {"one"=Integer(1), "two"=Integer(2)}');
    assert.equal(await p('bigList'), 'ArrayList size=50 [Integer(0), Integer(1), Integer(4), Integer(9), Integer(16), …]');
  });

  it('previews other objects by class and id, with toString only where allowed', async function () {
    const point = await val('point');
    assert.equal(await preview(s.mirror, point), `Point@${point.value}`);
    assert.equal(await preview(s.mirror, point, { thread: s.thread }), `Point@${point.value}`);
    assert.equal(await preview(s.mirror, point, { thread: s.thread, invokeToString: 'always' }), `Point@${point.value} "Point(1, 2)"`);
    const sb = await val('sb');
    assert.equal(await preview(s.mirror, sb, { thread: s.thread }), `StringBuilder@${sb.value} "built"`);
    assert.equal(await preview(s.mirror, sb), `StringBuilder@${sb.value}`);
    assert.equal(await preview(s.mirror, await val('String.class')), 'class java.lang.String');
  });

  it('lists fields (inherited and hidden ones named by class), statics and array pages', async function () {
    const fields = await fieldChildren(s.mirror, await id('this'));
    const names = fields.map((f) => f.name);
    assert.ok(names.includes('i') && names.includes('baseField'));
    assert.ok(names.includes('shadow') && names.includes('shadow (Base)'));
    const shadow = fields.find((f) => f.name === 'shadow')!;
    assert.equal(shadow.value.value, 2);
    assert.equal(fields.find((f) => f.name === 'shadow (Base)')!.value.value, 1);
    const statics = await staticChildren(s.mirror, s.type);
    assert.deepEqual(statics.filter((c) => ['sCount', 'CONSTANT', 'baseStatic'].includes(c.name)).map((c) => c.name).sort(), ['CONSTANT', 'baseStatic', 'sCount']);
    const page = await arrayChildren(s.mirror, await id('longs'), 98, 10);
    assert.deepEqual(page.map((c) => c.name), ['[98]', '[99]']);
    assert.equal(page[0].signature, 'J');
  });

  it('gives the logical children of lists, sets and maps, paged', async function () {
    const list = await logicalChildren(s.mirror, await id('bigList'), { start: 10, count: 3 });
    assert.ok(list);
    assert.equal(list.size, 50);
    assert.deepEqual(list.children.map((c) => c.name), ['[10]', '[11]', '[12]']);
    assert.equal(await preview(s.mirror, list.children[2].value), 'Integer(144)');
    const map = await logicalChildren(s.mirror, await id('map'));
    assert.deepEqual(map?.children.map((c) => c.name), ['"one"', '"two"']);
    assert.equal(map?.children[1].key?.tag, JDWP.Tag.STRING);
    assert.equal(await logicalChildren(s.mirror, await id('point')), undefined);
  });

  it('reads collections it cannot walk by fields through toArray() on the thread, or not at all without one', async function () {
    const unmodifiable = await id('java.util.Collections.unmodifiableList(list)');
    await s.vm.ObjectReference.DisableCollection(unmodifiable);
    assert.equal(await logicalChildren(s.mirror, unmodifiable), undefined);
    const viaInvoke = await logicalChildren(s.mirror, unmodifiable, { thread: s.thread });
    assert.equal(viaInvoke?.size, 3);
    assert.equal(await preview(s.mirror, viaInvoke!.children[0].value), '"x"');
    const umap = await id('java.util.Collections.unmodifiableMap(map)');
    await s.vm.ObjectReference.DisableCollection(umap);
    const entries = await logicalChildren(s.mirror, umap, { thread: s.thread });
    assert.deepEqual(entries?.children.map((c) => c.name), ['"one"', '"two"']);
    assert.equal(await preview(s.mirror, { tag: JDWP.Tag.OBJECT, value: umap }, { thread: s.thread }), 'Collections.UnmodifiableMap size=2 {"one"=Integer(1), "two"=Integer(2)}');
  });

  it('snapshots objects as JSON within the depth budget, marking cuts', async function () {
    const deep = await snapshot(s.mirror, await val('deep'));
    const walk = (j: Json, ...keys: string[]) => keys.reduce<Json>((o, k) => (o as { [k: string]: Json })[k], j);
    assert.equal(walk(deep.value, '@type'), 'evalfix.Node');
    assert.equal(walk(deep.value, 'fields', 'label'), 'node-1');
    assert.equal(walk(deep.value, 'fields', 'next', 'fields', 'next', 'fields', 'depth'), 3);
    assert.deepEqual(Object.keys(walk(deep.value, 'fields', 'next', 'fields', 'next', 'fields', 'next') as object).sort(), ['@id', '@type', 'truncated']);
    assert.equal(deep.truncated, true);
    const deeper = await snapshot(s.mirror, await val('deep'), { maxDepth: 10 });
    assert.equal(walk(deeper.value, 'fields', 'next', 'fields', 'next', 'fields', 'next', 'fields', 'next', 'fields', 'next', 'fields', 'label'), 'node-6');
    assert.equal(walk(deeper.value, 'fields', 'next', 'fields', 'next', 'fields', 'next', 'fields', 'next', 'fields', 'next', 'fields', 'next'), null);
    assert.equal(deeper.truncated, false);
  });

  it('snapshots collections, arrays, strings, enums and cycles with item and string budgets', async function () {
    const all = await snapshotAll(
      s.mirror,
      await Promise.all(['bigList', 'map', 'ints', 'longStr', 'color', 'boxed', 'l', 'c', 'opt', 'self', 'nullStr'].map(async (n) => [n, await val(n)] as [string, Value])),
      { maxItems: 4, maxString: 10, thread: s.thread },
    );
    const v = all.value as { [k: string]: { [k: string]: Json } };
    assert.equal(v.bigList.size, 50);
    assert.deepEqual(v.bigList.items, [0, 1, 4, 9]);
    assert.equal(v.bigList.truncated, true);
    assert.deepEqual(v.map.entries, [{ key: 'one', value: 1 }, { key: 'two', value: 2 }]);
    assert.equal(v.map.truncated, undefined);
    assert.deepEqual([v.ints.length, v.ints.items], [3, [1, 2, 3]]);
    assert.deepEqual(v.longStr, { value: 'abcdefghij', length: 1000, truncated: true });
    assert.deepEqual(v.color, { '@type': 'evalfix.Color', value: 'GREEN' });
    assert.deepEqual([v.boxed, v.l, v.c, v.nullStr], [7, 1234567890123, 'q', null]);
    assert.deepEqual(v.opt, { '@type': 'java.util.Optional', value: 'present' });
    assert.equal((v.self.fields as { [k: string]: { [k: string]: Json } }).self.cycle, true);
    assert.equal(all.truncated, true);
    assert.equal(all.bytes, JSON.stringify(all.value).length);
  });

  it('keeps a snapshot within its total size budget', async function () {
    const big = await snapshot(s.mirror, await val('this'), { maxBytes: 1500, maxDepth: 5, maxItems: 100 });
    assert.ok(big.bytes <= 1600, `bytes ${big.bytes}`);
    assert.equal(big.truncated, true);
    assert.match(JSON.stringify(big.value), /"truncated":true/);
    const roomy = await snapshot(s.mirror, await val('this'), { maxBytes: 1 << 20, maxDepth: 2 });
    assert.ok(roomy.bytes > big.bytes);
  });
});
