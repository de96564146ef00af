/**
 * A request header read along the fixed field path of the JDK's HTTP server, in a thread stopped at the entry of
 * its server side (`AuthFilter.doFilter(HttpExchange, Chain)`): HttpExchangeImpl.impl, ExchangeImpl.reqHdrs,
 * UnmodifiableHeaders.headers, Headers.map, then the one HashMap bucket of the header, and its LinkedList's first
 * item (JDK 17; from JDK 18 or so the LinkedList is wrapped in an unmodifiable list, one read more, learned per
 * node). The path's field IDs are resolved once per node and no object's type is asked, so a check reads 8
 * commands when the header is absent (the usual unmarked request) and 12 when it is present, each on the answer
 * of the one before. Any other shape (another JDK's classes, a wrapped exchange) gives undefined: the general
 * reader (headers.ts) then reads it.
 */
import type { ArrayID, FieldID, FrameID, ObjectID, ReferenceTypeID, StringID, ThreadID, Value } from '../protocol/wire-types';
import { Tag } from '../codec/tags';
import type { EdgeSide } from '../flow/edges';
import { hashMapHash, jdkHeadersKey } from '../flow/headers';
import type { NodeLink } from './node-link';

/** The server side this path starts from: its method, and the argument that holds the exchange (slot 1). */
const SERVER_METHOD = 'sun.net.httpserver.AuthFilter.doFilter';
const EXCHANGE_KEY = 'arg0';
const EXCHANGE_SLOT = 1;

/** The fields of the path, by the class that declares them. */
const PATH_FIELDS = {
  'Lsun/net/httpserver/HttpExchangeImpl;': ['impl'],
  'Lsun/net/httpserver/ExchangeImpl;': ['reqHdrs'],
  'Lsun/net/httpserver/UnmodifiableHeaders;': ['headers'],
  'Lcom/sun/net/httpserver/Headers;': ['map'],
  'Ljava/util/HashMap;': ['table', 'threshold', 'loadFactor'],
  'Ljava/util/HashMap$Node;': ['hash', 'key', 'value', 'next'],
  'Ljava/util/LinkedList;': ['first'],
  'Ljava/util/LinkedList$Node;': ['item'],
} as const;

/** The list a JDK that wraps header values wraps them in, and its field that holds the LinkedList. */
const WRAPPER = 'Ljava/util/Collections$UnmodifiableList;';

type FieldName = (typeof PATH_FIELDS)[keyof typeof PATH_FIELDS][number] | 'list';
type PathFields = Record<Exclude<FieldName, 'list'>, { fieldID: FieldID }> & { list?: { fieldID: FieldID } };

/** How long a node whose path could not be resolved (a class not loaded yet) waits before it is tried again. */
const RETRY_MS = 2_000;

const paths = new WeakMap<NodeLink, { at: number; fields: Promise<PathFields | undefined> }>();
/** Per node, whether its JDK wraps header value lists (learned at the first header found there). */
const wrapsLists = new WeakMap<NodeLink, boolean>();

/** True for a server side this path reads: the JDK server's, with the exchange as its key. */
export function readsJdkServer(side: EdgeSide): boolean {
  return side.method === SERVER_METHOD && side.key.trim() === EXCHANGE_KEY;
}

async function resolve(link: NodeLink): Promise<PathFields | undefined> {
  const found = await Promise.all(
    [...Object.entries(PATH_FIELDS), [WRAPPER, ['list']] as const].map(async ([signature, names]) => {
      const classes = await link.classesBySignature(signature);
      if (classes.length !== 1) return undefined;
      const { declared } = await link.client.ReferenceType.Fields(classes[0].typeID as ReferenceTypeID);
      const fields = (names as readonly string[]).map((n) => declared.find((f) => f.name === n && (f.modBits & 0x8) === 0));
      return fields.every(Boolean) ? fields.map((f, i) => [names[i], { fieldID: f!.fieldID }] as const) : undefined;
    }),
  );
  const wrapper = found.pop();
  if (!found.every(Boolean)) return undefined;
  return Object.fromEntries([...found, wrapper ?? []].flat() as Array<readonly [string, { fieldID: FieldID }]>) as PathFields;
}

function pathOf(link: NodeLink): Promise<PathFields | undefined> {
  const known = paths.get(link);
  if (known && Date.now() - known.at < RETRY_MS) return known.fields;
  const fields = resolve(link).catch(() => undefined);
  // A resolved path is kept for good; a missing one is looked up again after a while.
  void fields.then((f) => paths.set(link, { at: f ? Infinity : Date.now(), fields }));
  paths.set(link, { at: Date.now(), fields });
  return fields;
}

const idOf = (v: Value | undefined) => (v?.value ?? 0n) as ObjectID;

/**
 * The first value of header `name` of the request a thread serves, the thread stopped at the JDK server side's
 * entry: `{ value }` (undefined when the request has no such header), or undefined when the path does not apply.
 */
export async function jdkServerHeader(link: NodeLink, thread: bigint, name: string): Promise<{ value: string | undefined } | undefined> {
  const path = await pathOf(link);
  if (!path) return undefined;
  const c = link.client;
  const get = async (object: ObjectID, ...names: FieldName[]) => (await c.ObjectReference.GetValues(object, names.map((n) => path[n]!))).values;
  const absent = { value: undefined };
  const firstNode = async (list: ObjectID): Promise<Value> => {
    const wraps = wrapsLists.get(link);
    if (wraps !== true) {
      try {
        const [first] = await get(list, 'first');
        wrapsLists.set(link, false);
        return first;
      } catch (err) {
        if (wraps === false || !path.list) throw err;
      }
    }
    const [first] = await get(idOf((await get(list, 'list'))[0]), 'first');
    wrapsLists.set(link, true);
    return first;
  };
  try {
    const t = thread as ThreadID;
    const { frames } = await c.ThreadReference.Frames(t, 0, 1);
    const [exchange] = (await c.StackFrame.GetValues(t, frames[0].frameID as FrameID, [{ slot: EXCHANGE_SLOT, sigbyte: Tag.OBJECT }])).values;
    let object = idOf(exchange);
    for (const step of ['impl', 'reqHdrs', 'headers', 'map'] as const) {
      if (object === 0n) return undefined;
      object = idOf((await get(object, step))[0]);
    }
    if (object === 0n) return undefined;
    const [table, threshold, loadFactor] = await get(object, 'table', 'threshold', 'loadFactor');
    if (idOf(table) === 0n) return absent;
    // An allocated table's threshold is its length times the load factor (the table of an empty HashMap(n) is null).
    const length = Math.round((threshold.value as number) / (loadFactor.value as number));
    if (length <= 0 || (length & (length - 1)) !== 0) return undefined;
    const key = jdkHeadersKey(name);
    const hash = hashMapHash(key);
    let node = idOf((await c.ArrayReference.GetValues(idOf(table) as ArrayID, hash & (length - 1), 1)).values.values[0]);
    for (let hops = 0; node !== 0n && hops < 64; hops++) {
      const [h, k, v, next] = await get(node, 'hash', 'key', 'value', 'next');
      if (h.value === hash) {
        // The key's text is read with the list's first node: the same hash is nearly always the same key.
        const [{ stringValue }, first] = await Promise.all([c.StringReference.Value(idOf(k) as StringID), firstNode(idOf(v))]);
        if (stringValue === key) {
          if (idOf(first) === 0n) return absent;
          const [item] = await get(idOf(first), 'item');
          return idOf(item) === 0n ? absent : { value: (await c.StringReference.Value(idOf(item) as StringID)).stringValue };
        }
      }
      node = idOf(next);
    }
    return absent;
  } catch {
    return undefined;
  }
}
