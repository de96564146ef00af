import type { ObjectID, ThreadID, Value } from '../protocol/wire-types';
import type { VmMirror } from '../mirror/vm-mirror';
import type { MethodInfo, RefType } from '../mirror/type-info';
import type { ValueKind } from './kinds';

/** How to read a collection's logical contents. */
export interface ViewOptions {
  /** A suspended thread, needed to invoke size()/toArray() on collections the reader cannot walk by their fields. */
  thread?: ThreadID;
  /** Allow invoking methods in the target (default true when a thread is given). */
  allowInvoke?: boolean;
  /** First element or entry to read; default 0. */
  start?: number;
  /** How many elements or entries to read from `start`; default all. */
  count?: number;
}

/** The logical contents of a List, Set, Collection or Map: its size and a page of items or entries. */
export interface CollectionView {
  size: number;
  /** For lists, sets and collections. */
  items?: Value[];
  /** For maps. */
  entries?: Array<{ key: Value; value: Value }>;
  /** 'fields' when read without running target code, 'invoke' when through size()/toArray(). */
  via: 'fields' | 'invoke';
}

/** Reads named instance fields of an object (one request); absent names are left out. */
export async function readFields(mirror: VmMirror, object: ObjectID, names: string[]): Promise<Map<string, Value>> {
  const type = await mirror.typeOfObject(object);
  const all = await mirror.allFields(type);
  const fields = names.map((n) => all.find((f) => f.name === n && !f.isStatic)).filter((f) => f !== undefined);
  const values = await mirror.fieldValues(object, fields);
  return new Map(fields.map((f, i) => [f.name, values[i]]));
}

function page(total: number, options: ViewOptions): [number, number] {
  const start = Math.min(options.start ?? 0, total);
  return [start, Math.max(0, Math.min(options.count ?? total, total - start))];
}

const id = (v: Value | undefined) => (v?.value ?? 0n) as ObjectID;

async function arrayListView(mirror: VmMirror, object: ObjectID, options: ViewOptions): Promise<CollectionView | undefined> {
  const f = await readFields(mirror, object, ['elementData', 'size']);
  if (!f.has('elementData') || !f.has('size')) return undefined;
  const size = f.get('size')!.value as number;
  const [start, count] = page(size, options);
  const items = count ? await mirror.arrayValues(id(f.get('elementData')), start, count) : [];
  return { size, items, via: 'fields' };
}

async function linkedHashMapEntries(mirror: VmMirror, head: ObjectID, start: number, count: number): Promise<Array<{ key: Value; value: Value }>> {
  const out: Array<{ key: Value; value: Value }> = [];
  let index = 0;
  for (let node = head; node !== 0n && out.length < count; index++) {
    const f = await readFields(mirror, node, index >= start ? ['key', 'value', 'after'] : ['after']);
    if (index >= start) out.push({ key: f.get('key')!, value: f.get('value')! });
    node = id(f.get('after'));
  }
  return out;
}

async function hashMapEntries(mirror: VmMirror, table: ObjectID, start: number, count: number): Promise<Array<{ key: Value; value: Value }>> {
  const buckets = (await mirror.arrayValues(table)).map(id).filter((b) => b !== 0n);
  const chains = await Promise.all(
    buckets.map(async (first) => {
      const chain: Array<{ key: Value; value: Value }> = [];
      for (let node = first; node !== 0n; ) {
        const f = await readFields(mirror, node, ['key', 'value', 'next']);
        chain.push({ key: f.get('key')!, value: f.get('value')! });
        node = id(f.get('next'));
      }
      return chain;
    }),
  );
  return chains.flat().slice(start, start + count);
}

async function hashMapView(mirror: VmMirror, object: ObjectID, type: RefType, options: ViewOptions): Promise<CollectionView | undefined> {
  const linked = type.name === 'java.util.LinkedHashMap';
  const f = await readFields(mirror, object, linked ? ['size', 'head'] : ['size', 'table']);
  if (!f.has('size') || !(f.has('head') || f.has('table'))) return undefined;
  const size = f.get('size')!.value as number;
  const [start, count] = page(size, options);
  if (count === 0) return { size, entries: [], via: 'fields' };
  const entries = linked ? await linkedHashMapEntries(mirror, id(f.get('head')), start, count) : await hashMapEntries(mirror, id(f.get('table')), start, count);
  return { size, entries, via: 'fields' };
}

async function hashSetView(mirror: VmMirror, object: ObjectID, options: ViewOptions): Promise<CollectionView | undefined> {
  const f = await readFields(mirror, object, ['map']);
  const map = id(f.get('map'));
  if (map === 0n) return undefined;
  const mapType = await mirror.typeOfObject(map);
  const view = await hashMapView(mirror, map, mapType, options);
  return view && { size: view.size, items: view.entries!.map((e) => e.key), via: 'fields' };
}

async function method(mirror: VmMirror, type: RefType, name: string, signature: string): Promise<MethodInfo | undefined> {
  return (await mirror.methodsByName(type, name, signature)).find((m) => !m.isAbstract) ?? (await mirror.methodsByName(type, name, signature))[0];
}

async function invokeView(mirror: VmMirror, object: ObjectID, type: RefType, kind: ValueKind, options: ViewOptions): Promise<CollectionView | undefined> {
  const thread = options.thread!;
  const size = await method(mirror, type, 'size', '()I');
  if (!size) return undefined;
  const total = (await mirror.invoke(thread, size, [], { object })).value as number;
  const [start, count] = page(total, options);
  if (count === 0) return kind === 'map' ? { size: total, entries: [], via: 'invoke' } : { size: total, items: [], via: 'invoke' };
  if (kind !== 'map') {
    const toArray = await method(mirror, type, 'toArray', '()[Ljava/lang/Object;');
    if (!toArray) return undefined;
    const array = id(await mirror.invoke(thread, toArray, [], { object }));
    return { size: total, items: await mirror.arrayValues(array, start, Math.min(count, (await mirror.arrayLength(array)) - start)), via: 'invoke' };
  }
  const entrySet = await method(mirror, type, 'entrySet', '()Ljava/util/Set;');
  if (!entrySet) return undefined;
  const set = id(await mirror.invoke(thread, entrySet, [], { object }));
  const setType = await mirror.typeOfObject(set);
  const toArray = await method(mirror, setType, 'toArray', '()[Ljava/lang/Object;');
  if (!toArray) return undefined;
  const array = id(await mirror.invoke(thread, toArray, [], { object: set }));
  const raw = await mirror.arrayValues(array, start, Math.min(count, (await mirror.arrayLength(array)) - start));
  const entries = await Promise.all(
    raw.map(async (e) => {
      const f = await readFields(mirror, id(e), ['key', 'value']);
      if (f.has('key') && f.has('value')) return { key: f.get('key')!, value: f.get('value')! };
      const entryType = await mirror.typeOfObject(id(e));
      const [getKey, getValue] = await Promise.all([method(mirror, entryType, 'getKey', '()Ljava/lang/Object;'), method(mirror, entryType, 'getValue', '()Ljava/lang/Object;')]);
      const key = await mirror.invoke(thread, getKey!, [], { object: id(e) });
      const value = await mirror.invoke(thread, getValue!, [], { object: id(e) });
      return { key, value };
    }),
  );
  return { size: total, entries, via: 'invoke' };
}

/**
 * The logical contents of a List, Set, Collection or Map. ArrayList, HashMap, LinkedHashMap, HashSet and
 * LinkedHashSet are read from their fields without running target code; any other collection through
 * size() and toArray() (entrySet().toArray() for maps) on `options.thread`. Undefined when neither works
 * (no thread, or invocation not allowed): show the object's fields instead.
 */
export async function collectionView(mirror: VmMirror, object: ObjectID, type: RefType, kind: ValueKind, options: ViewOptions = {}): Promise<CollectionView | undefined> {
  let view: CollectionView | undefined;
  if (type.name === 'java.util.ArrayList') view = await arrayListView(mirror, object, options);
  else if (type.name === 'java.util.HashMap' || type.name === 'java.util.LinkedHashMap') view = await hashMapView(mirror, object, type, options);
  else if (type.name === 'java.util.HashSet' || type.name === 'java.util.LinkedHashSet') view = await hashSetView(mirror, object, options);
  if (view) return view;
  if (!options.thread || options.allowInvoke === false) return undefined;
  return invokeView(mirror, object, type, kind, options);
}
