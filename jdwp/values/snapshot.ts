import type { ObjectID, ThreadID, Value } from '../protocol/wire-types';
import type { VmMirror } from '../mirror/vm-mirror';
import { JDWP } from '../registry';
import { collectionView, readFields } from './collections';
import { kindOf, SAFE_TO_STRING } from './kinds';
import { isPrimitiveTag } from './preview';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Budgets and permissions of a snapshot. */
export interface SnapshotOptions {
  /** A suspended thread, for collections that cannot be read by their fields and for JDK value classes' toString(). */
  thread?: ThreadID;
  /** Allow invoking methods in the target (default true when a thread is given). */
  allowInvoke?: boolean;
  /** Object levels expanded (the snapshot's values are level 1); deeper objects become `{"@type", "@id", "truncated": true}`. Default 3. */
  maxDepth?: number;
  /** Array and collection items (and map entries) kept; default 20. */
  maxItems?: number;
  /** String characters kept; default 512. */
  maxString?: number;
  /** Total JSON size in characters; objects past it become `{"truncated": true}`. Default 65536. */
  maxBytes?: number;
}

/** A snapshot and whether any budget cut it. */
export interface SnapshotResult<T> {
  value: T;
  /** True when something was left out (depth, items, string length or total size). */
  truncated: boolean;
  /** Size of the JSON text of `value`. */
  bytes: number;
}

interface Pending {
  value: Value;
  depth: number;
  /** Object IDs on the way from the root, to stop at cycles. */
  path: ReadonlySet<bigint>;
  assign: (json: Json) => void;
  /** JSON text length of the key this node sits under. */
  keyCost: number;
  /** The container this node sits in; it is marked truncated when the node is dropped for the size budget. */
  parent?: { [key: string]: Json };
}

/** Stands in for a node dropped for the size budget until the final pass removes it. */
const DROPPED: Json = Object.freeze({}) as Json;

/** Removes dropped nodes from arrays and objects. */
function prune(j: Json): Json {
  if (Array.isArray(j)) return j.filter((x) => x !== DROPPED).map(prune);
  if (j && typeof j === 'object') {
    for (const [k, v] of Object.entries(j)) {
      if (v === DROPPED) delete j[k];
      else j[k] = prune(v);
    }
  }
  return j;
}

const CHUNK = 32;

function primitiveJson(v: Value): Json {
  switch (v.tag) {
    case JDWP.Tag.BOOLEAN:
      return v.value === true;
    case JDWP.Tag.CHAR:
      return String.fromCharCode(v.value as number);
    case JDWP.Tag.LONG: {
      const n = v.value as bigint;
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
    }
    case JDWP.Tag.FLOAT:
    case JDWP.Tag.DOUBLE: {
      const n = v.value as number;
      return Number.isFinite(n) ? n : String(n);
    }
    case JDWP.Tag.VOID:
      return null;
    default:
      return v.value as number;
  }
}

/** Builds JSON snapshots breadth first, so budgets cut the deepest and last parts first. */
class Snapshotter {
  truncated = false;
  private bytes = 0;
  private readonly maxDepth: number;
  private readonly maxItems: number;
  private readonly maxString: number;
  private readonly maxBytes: number;
  private readonly invoke: boolean;

  constructor(
    private readonly mirror: VmMirror,
    private readonly options: SnapshotOptions,
  ) {
    this.maxDepth = options.maxDepth ?? 3;
    this.maxItems = options.maxItems ?? 20;
    this.maxString = options.maxString ?? 512;
    this.maxBytes = options.maxBytes ?? 65536;
    this.invoke = options.thread !== undefined && options.allowInvoke !== false;
  }

  async run(roots: Pending[]): Promise<void> {
    let level = roots;
    while (level.length) {
      const next: Pending[] = [];
      for (let i = 0; i < level.length; i += CHUNK) {
        const chunk = level.slice(i, i + CHUNK);
        if (this.bytes >= this.maxBytes) {
          for (const p of chunk) this.cut(p);
          continue;
        }
        const expanded = await Promise.all(chunk.map((p) => this.expand(p)));
        expanded.forEach(([json, children], k) => {
          const cost = JSON.stringify(json).length + chunk[k].keyCost + 1;
          if (this.bytes + cost > this.maxBytes) {
            this.cut(chunk[k]);
            return;
          }
          this.bytes += cost;
          chunk[k].assign(json);
          next.push(...children);
        });
      }
      level = next;
    }
  }

  private cut(p: Pending): void {
    this.truncated = true;
    if (!p.parent) {
      p.assign({ truncated: true });
      return;
    }
    p.assign(DROPPED);
    if (p.parent.truncated !== true) {
      p.parent.truncated = true;
      this.bytes += 17;
    }
  }

  /** One node's JSON, with null placeholders its children fill in later. */
  private async expand(p: Pending): Promise<[Json, Pending[]]> {
    const v = p.value;
    if (isPrimitiveTag(v.tag)) return [primitiveJson(v), []];
    const id = (v.value ?? 0n) as ObjectID;
    if (id === 0n) return [null, []];
    if (v.tag === JDWP.Tag.STRING) return [this.text(await this.mirror.stringValue(id)), []];
    const type = await this.mirror.typeOfObject(id);
    const kind = await kindOf(this.mirror, type);
    const head: { [key: string]: Json } = { '@type': type.name, '@id': id.toString() };
    if (kind === 'box') return [primitiveJson((await readFields(this.mirror, id, ['value'])).get('value')!), []];
    if (kind === 'enum') {
      const name = (await readFields(this.mirror, id, ['name'])).get('name');
      return [{ '@type': type.name, value: name?.value ? await this.mirror.stringValue(name.value as ObjectID) : null }, []];
    }
    if (p.path.has(id)) return [{ ...head, cycle: true }, []];
    if (p.depth > this.maxDepth) {
      this.truncated = true;
      return [{ ...head, truncated: true }, []];
    }
    const path = new Set(p.path).add(id);
    const children: Pending[] = [];
    let container: { [key: string]: Json } | undefined;
    const child = (value: Value, assign: (j: Json) => void, key: string) =>
      children.push({ value, depth: p.depth + 1, path, assign, keyCost: key.length + 3, parent: container });
    switch (kind) {
      case 'array': {
        const length = await this.mirror.arrayLength(id);
        const values = await this.mirror.arrayValues(id, 0, Math.min(length, this.maxItems));
        const items: Json[] = values.map(() => null);
        container = { ...head, length, items, ...this.more(length > values.length) };
        values.forEach((value, i) => child(value, (j) => (items[i] = j), ''));
        return [container, children];
      }
      case 'list':
      case 'set':
      case 'collection':
      case 'map': {
        const view = await collectionView(this.mirror, id, type, kind, { thread: this.options.thread, allowInvoke: this.invoke, count: this.maxItems }).catch(() => undefined);
        if (!view) break;
        if (view.entries) {
          const entries = view.entries.map(() => ({ key: null, value: null }) as { [key: string]: Json });
          container = { ...head, size: view.size, entries, ...this.more(view.size > entries.length) };
          view.entries.forEach((e, i) => {
            child(e.key, (j) => (entries[i].key = j), 'key');
            child(e.value, (j) => (entries[i].value = j), 'value');
          });
          return [container, children];
        }
        const items: Json[] = (view.items ?? []).map(() => null);
        container = { ...head, size: view.size, items, ...this.more(view.size > items.length) };
        (view.items ?? []).forEach((value, i) => child(value, (j) => (items[i] = j), ''));
        return [container, children];
      }
      case 'optional': {
        const f = await readFields(this.mirror, id, ['value', 'isPresent']);
        const out: { [key: string]: Json } = { '@type': type.name, value: null };
        container = out;
        if (f.get('isPresent')?.value !== false && f.get('value')) child(f.get('value')!, (j) => (out.value = j), 'value');
        return [out, children];
      }
      case 'throwable': {
        const message = await this.mirror.throwableMessage(id);
        return [{ ...head, message: message === undefined ? null : this.text(message) }, []];
      }
    }
    if (this.invoke && SAFE_TO_STRING.has(type.name)) {
      const [toString] = await this.mirror.methodsByName(type, 'toString', '()Ljava/lang/String;');
      const r = toString && (await this.mirror.invoke(this.options.thread!, toString, [], { object: id }).catch(() => undefined));
      if (r?.value) return [{ ...head, value: this.text(await this.mirror.stringValue(r.value as ObjectID)) }, []];
    }
    const fields = (await this.mirror.allFields(type)).filter((f) => !f.isStatic);
    const values = await this.mirror.fieldValues(id, fields);
    const owners = new Map((await this.mirror.supertypes(type)).map((t) => [t.id, t.name]));
    const out: { [key: string]: Json } = {};
    container = { ...head, fields: out };
    fields.forEach((f, i) => {
      const key = f.name in out ? `${f.name} (${owners.get(f.declaringType)})` : f.name;
      out[key] = null;
      child(values[i], (j) => (out[key] = j), key);
    });
    return [container, children];
  }

  private more(cut: boolean): { truncated?: true } {
    if (!cut) return {};
    this.truncated = true;
    return { truncated: true };
  }

  private text(s: string): Json {
    if (s.length <= this.maxString) return s;
    this.truncated = true;
    return { value: s.slice(0, this.maxString), length: s.length, truncated: true };
  }
}

/**
 * A JSON snapshot of one value within budgets. Primitives are JSON numbers, booleans or strings (char;
 * longs beyond 2^53 and NaN/Infinity as strings); boxes their primitive; strings themselves or
 * `{"value", "length", "truncated": true}` when cut; objects `{"@type", "@id", "fields": {...}}`;
 * arrays `{"@type", "@id", "length", "items": [...]}`; lists and sets `{"@type", "@id", "size", "items"}`;
 * maps `{"@type", "@id", "size", "entries": [{"key", "value"}]}`; enums `{"@type", "value": "NAME"}`;
 * Optional `{"@type", "value"}`; throwables `{"@type", "@id", "message"}`. Anything cut says `"truncated": true`;
 * an object met again on its own path says `"cycle": true`.
 */
export async function snapshot(mirror: VmMirror, value: Value, options: SnapshotOptions = {}): Promise<SnapshotResult<Json>> {
  const s = new Snapshotter(mirror, options);
  let out: Json = null;
  await s.run([{ value, depth: 1, path: new Set(), assign: (j) => (out = j), keyCost: 0 }]);
  out = prune(out);
  return { value: out, truncated: s.truncated, bytes: JSON.stringify(out).length };
}

/** Snapshots of several named values (locals, captures) sharing one budget, in the order given. */
export async function snapshotAll(mirror: VmMirror, values: Array<[string, Value]>, options: SnapshotOptions = {}): Promise<SnapshotResult<{ [name: string]: Json }>> {
  const s = new Snapshotter(mirror, options);
  const out: { [name: string]: Json } = {};
  for (const [name] of values) out[name] = null;
  await s.run(values.map(([name, value]) => ({ value, depth: 1, path: new Set(), assign: (j: Json) => (out[name] = j), keyCost: name.length + 3 })));
  prune(out);
  return { value: out, truncated: s.truncated, bytes: JSON.stringify(out).length };
}
