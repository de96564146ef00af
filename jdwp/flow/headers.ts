/**
 * Reads one request header out of a JVM's heap by fields alone, never running target code: the thread that holds
 * the request may be blocked in a call, where a method cannot be invoked, and a debugger's frames must stay valid.
 */
import type { ObjectID, Value } from '../protocol/wire-types';
import type { VmMirror } from '../mirror/vm-mirror';
import { Tag } from '../codec/tags';
import { collectionView, readFields } from '../values/collections';

const idOf = (v: Value | undefined) => (v?.value ?? 0n) as ObjectID;

/** Fields that lead from a request, exchange or headers object toward its header map, tried in this order. */
const HOLDER_FIELDS = ['impl', 'reqHdrs', 'userHeaders', 'headers', 'map', 'm', '_metaData', '_fields', 'request'];
const MAX_DEPTH = 6;

/** The text of a String, or undefined for anything else. */
async function textOf(mirror: VmMirror, v: Value | undefined): Promise<string | undefined> {
  if (!v || v.tag !== Tag.STRING || idOf(v) === 0n) return undefined;
  return mirror.stringValue(idOf(v));
}

/** The first element of a list of any common JDK shape, or the value itself when it is a String. */
async function firstOf(mirror: VmMirror, v: Value | undefined, depth = 0): Promise<string | undefined> {
  if (!v || idOf(v) === 0n || depth > 3) return undefined;
  if (v.tag === Tag.STRING) return textOf(mirror, v);
  const object = idOf(v);
  const type = await mirror.typeOfObject(object);
  if (type.name === 'java.util.ArrayList') {
    const view = await collectionView(mirror, object, type, 'list', { allowInvoke: false, count: 1 });
    return textOf(mirror, view?.items?.[0]);
  }
  const f = await readFields(mirror, object, ['e0', 'elements', 'element', 'list', 'first', 'item']);
  if (f.has('e0')) return textOf(mirror, f.get('e0'));
  if (f.has('elements')) return textOf(mirror, (await mirror.arrayValues(idOf(f.get('elements')), 0, 1))[0]);
  if (f.has('element')) return textOf(mirror, f.get('element'));
  if (f.has('item')) return firstOf(mirror, f.get('item'), depth + 1);
  if (f.has('list')) return firstOf(mirror, f.get('list'), depth + 1);
  if (f.has('first')) return firstOf(mirror, f.get('first'), depth + 1);
  return undefined;
}

async function treeMapLookup(mirror: VmMirror, root: ObjectID, name: string): Promise<Value | undefined> {
  const stack = [root];
  let visited = 0;
  while (stack.length && visited++ < 512) {
    const node = stack.pop()!;
    if (node === 0n) continue;
    const f = await readFields(mirror, node, ['key', 'value', 'left', 'right']);
    if ((await textOf(mirror, f.get('key')))?.toLowerCase() === name) return f.get('value');
    stack.push(idOf(f.get('left')), idOf(f.get('right')));
  }
  return undefined;
}

/** Jetty's HttpFields: an array of HttpField (`_name`, `_value`) and a size. */
async function httpFieldsLookup(mirror: VmMirror, fields: Map<string, Value>, name: string): Promise<string | undefined> {
  const size = fields.get('_size')!.value as number;
  const array = idOf(fields.get('_fields'));
  if (array === 0n || size <= 0) return undefined;
  const items = await mirror.arrayValues(array, 0, Math.min(size, 256));
  for (const item of items) {
    if (idOf(item) === 0n) continue;
    const f = await readFields(mirror, idOf(item), ['_name', '_value']);
    if ((await textOf(mirror, f.get('_name')))?.toLowerCase() === name) return textOf(mirror, f.get('_value'));
  }
  return undefined;
}

/** Java's String.hashCode, spread as HashMap spreads it. */
export function hashMapHash(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(31, h) + key.charCodeAt(i)) | 0;
  return h ^ (h >>> 16);
}

/** A HashMap's entry for one exact key, read from its bucket alone (a few round trips, whatever the map's size). */
async function hashMapGet(mirror: VmMirror, map: ObjectID, key: string): Promise<Value | undefined> {
  const f = await readFields(mirror, map, ['table']);
  const table = idOf(f.get('table'));
  if (table === 0n) return undefined;
  const length = await mirror.arrayLength(table);
  if (length === 0) return undefined;
  const hash = hashMapHash(key);
  let node = idOf((await mirror.arrayValues(table, hash & (length - 1), 1))[0]);
  for (let hops = 0; node !== 0n && hops < 64; hops++) {
    const n = await readFields(mirror, node, ['hash', 'key', 'value', 'next']);
    if (n.get('hash')?.value === hash && (await textOf(mirror, n.get('key'))) === key) return n.get('value');
    node = idOf(n.get('next'));
  }
  return undefined;
}

/** The JDK server's Headers keep names with the first letter upper case and the rest lower case. */
export function jdkHeadersKey(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1).toLowerCase();
}

/**
 * The first value of header `name` (case-insensitive) held by `object`: a String, a Map of names to values or
 * value lists (HashMap, LinkedHashMap, TreeMap, unmodifiable views), or an object that leads to one through the
 * usual holder fields (the JDK's HttpExchange, Headers, HttpRequest and HttpHeaders; Jetty's Request and
 * HttpFields; servlet request wrappers). Undefined when no such header is found.
 */
export async function headerByFields(mirror: VmMirror, object: ObjectID, name: string, depth = 0): Promise<string | undefined> {
  if (object === 0n || depth > MAX_DEPTH) return undefined;
  const wanted = name.toLowerCase();
  const type = await mirror.typeOfObject(object);
  if (type.name === 'java.lang.String') return mirror.stringValue(object);
  if (type.name === 'sun.net.httpserver.UnmodifiableHeaders') {
    // It wraps the Headers it was made of (its own inherited map is empty from JDK 18 on).
    const wrapped = idOf((await readFields(mirror, object, ['headers'])).get('headers'));
    if (wrapped !== 0n) return headerByFields(mirror, wrapped, name, depth + 1);
  }
  if (type.name === 'com.sun.net.httpserver.Headers' || type.name === 'sun.net.httpserver.UnmodifiableHeaders') {
    const map = idOf((await readFields(mirror, object, ['map'])).get('map'));
    if (map !== 0n && (await mirror.typeOfObject(map)).name === 'java.util.HashMap') return firstOf(mirror, await hashMapGet(mirror, map, jdkHeadersKey(name)));
  }
  if (type.name === 'java.util.HashMap' || type.name === 'java.util.LinkedHashMap') {
    const view = await collectionView(mirror, object, type, 'map', { allowInvoke: false });
    for (const e of view?.entries ?? []) if ((await textOf(mirror, e.key))?.toLowerCase() === wanted) return firstOf(mirror, e.value);
    return undefined;
  }
  if (type.name === 'java.util.TreeMap') {
    const f = await readFields(mirror, object, ['root']);
    return firstOf(mirror, await treeMapLookup(mirror, idOf(f.get('root')), wanted));
  }
  const f = await readFields(mirror, object, [...HOLDER_FIELDS, '_size']);
  if (f.has('_fields') && f.has('_size')) return httpFieldsLookup(mirror, f, wanted);
  for (const holder of HOLDER_FIELDS) {
    const v = f.get(holder);
    if (!v || idOf(v) === 0n || v.tag === Tag.ARRAY) continue;
    const found = await headerByFields(mirror, idOf(v), name, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
