import type { ClassObjectID, ObjectID, ThreadID, Value } from '../protocol/wire-types';
import { javaDoubleText, javaFloatText } from '../eval/numbers';
import type { VmMirror } from '../mirror/vm-mirror';
import { displayName } from '../mirror/names';
import type { RefType } from '../mirror/type-info';
import { JDWP } from '../registry';
import { collectionView, readFields } from './collections';
import { kindOf, SAFE_TO_STRING } from './kinds';
import { quoteChar, quoteString } from './text';

/** How much a preview may do and show. */
export interface PreviewOptions {
  /** A suspended thread, for toString() and for collections that cannot be read by their fields. */
  thread?: ThreadID;
  /** Allow invoking methods in the target (default true when a thread is given). */
  allowInvoke?: boolean;
  /** Which objects get their toString(): 'never', 'safe' (JDK value classes, the default) or 'always' (any class that overrides it). */
  invokeToString?: 'never' | 'safe' | 'always';
  /** Longest string shown before `…`; default 200. */
  maxString?: number;
  /** Array and collection elements shown inline; default 5. */
  maxElements?: number;
}

/** A primitive value as Java writes it: `42`, `1.5`, `'x'`, `true`, `10L` shown as `10`. */
export function previewPrimitive(value: Value): string {
  switch (value.tag) {
    case JDWP.Tag.BOOLEAN:
      return value.value ? 'true' : 'false';
    case JDWP.Tag.CHAR:
      return quoteChar(value.value as number);
    case JDWP.Tag.FLOAT:
      return javaFloatText(value.value as number);
    case JDWP.Tag.DOUBLE:
      return javaDoubleText(value.value as number);
    case JDWP.Tag.VOID:
      return 'void';
    default:
      return String(value.value);
  }
}

/** True for a primitive (or void) tag. */
export function isPrimitiveTag(tag: number): boolean {
  return 'ZBCSIJFDV'.includes(String.fromCharCode(tag));
}

function invokeAllowed(options: PreviewOptions): boolean {
  return options.thread !== undefined && options.allowInvoke !== false;
}

async function toStringText(mirror: VmMirror, object: ObjectID, type: RefType, options: PreviewOptions): Promise<string | undefined> {
  const mode = options.invokeToString ?? 'safe';
  if (!invokeAllowed(options) || mode === 'never') return undefined;
  const [m] = await mirror.methodsByName(type, 'toString', '()Ljava/lang/String;');
  if (!m || (mode === 'safe' && !SAFE_TO_STRING.has(type.name)) || (mode === 'always' && m.declaringType !== type.id && (await mirror.type(m.declaringType)).name === 'java.lang.Object')) return undefined;
  try {
    const r = await mirror.invoke(options.thread!, m, [], { object });
    return r.value ? mirror.stringValue(r.value as ObjectID) : 'null';
  } catch {
    return undefined;
  }
}

/** The one-line text of a value; `depth` 0 previews elements of arrays and collections, deeper levels do not. */
async function previewAt(mirror: VmMirror, value: Value, options: PreviewOptions, depth: number): Promise<string> {
  if (isPrimitiveTag(value.tag)) return previewPrimitive(value);
  const object = (value.value ?? 0n) as ObjectID;
  if (object === 0n) return 'null';
  const maxString = options.maxString ?? 200;
  if (value.tag === JDWP.Tag.STRING) return quoteString(await mirror.stringValue(object), maxString);
  const type = await mirror.typeOfObject(object);
  const name = displayName(type.name);
  const kind = await kindOf(mirror, type);
  const max = options.maxElements ?? 5;
  const elements = async (values: Value[], more: boolean) =>
    (await Promise.all(values.map((v) => previewAt(mirror, v, options, depth + 1)))).join(', ') + (more ? ', …' : '');
  switch (kind) {
    case 'box': {
      const f = await readFields(mirror, object, ['value']);
      return `${name}(${previewPrimitive(f.get('value')!)})`;
    }
    case 'enum': {
      const f = await readFields(mirror, object, ['name']);
      return `${name}.${f.get('name')?.value ? await mirror.stringValue(f.get('name')!.value as ObjectID) : '?'}`;
    }
    case 'array': {
      const length = await mirror.arrayLength(object);
      const head = `${displayName(type.name.replace(/\[\]/, `[${length}]`))}`;
      if (depth > 0 || length === 0) return length === 0 ? `${head} {}` : head;
      const shown = await mirror.arrayValues(object, 0, Math.min(length, max));
      return `${head} {${await elements(shown, length > max)}}`;
    }
    case 'optional': {
      const f = await readFields(mirror, object, ['value', 'isPresent']);
      const present = f.has('isPresent') ? f.get('isPresent')!.value === true : f.get('value')?.value !== 0n && f.get('value')?.value !== undefined;
      if (!present) return `${name}.empty`;
      return `${name}[${depth > 0 ? '…' : await previewAt(mirror, f.get('value')!, options, depth + 1)}]`;
    }
    case 'throwable': {
      const message = await mirror.throwableMessage(object);
      return `${name}@${object}${message !== undefined ? ` ${quoteString(message, maxString)}` : ''}`;
    }
    case 'list':
    case 'set':
    case 'collection':
    case 'map': {
      const view = await collectionView(mirror, object, type, kind, { ...options, count: depth > 0 ? 0 : max }).catch(() => undefined);
      if (!view) return `${name}@${object}`;
      const head = `${name} size=${view.size}`;
      if (depth > 0 || view.size === 0) return view.size === 0 ? `${head} ${kind === 'map' ? '{}' : '[]'}` : head;
      if (view.entries) {
        const pairs = await Promise.all(view.entries.map(async (e) => `${await previewAt(mirror, e.key, options, depth + 1)}=${await previewAt(mirror, e.value, options, depth + 1)}`));
        return `${head} {${pairs.join(', ')}${view.size > view.entries.length ? ', …' : ''}}`;
      }
      return `${head} [${await elements(view.items ?? [], view.size > (view.items?.length ?? 0))}]`;
    }
    default: {
      if (value.tag === JDWP.Tag.CLASS_OBJECT) {
        const reflected = await mirror.reflectedType(object as ClassObjectID).catch(() => undefined);
        if (reflected) return `class ${reflected.name}`;
      }
      if (value.tag === JDWP.Tag.THREAD) {
        const { threadName } = await mirror.vm.ThreadReference.Name(object as never);
        return `${name}@${object} ${quoteString(threadName, maxString)}`;
      }
      const text = depth > 0 && (options.invokeToString ?? 'safe') !== 'always' ? undefined : await toStringText(mirror, object, type, options);
      return text !== undefined ? `${name}@${object} ${quoteString(text, maxString)}` : `${name}@${object}`;
    }
  }
}

/**
 * A one-line preview of a value: `"text"` for strings (escaped, cut), `'c'`, `Integer(7)`, `Color.GREEN`,
 * `int[3] {1, 2, 3}`, `ArrayList size=3 ["x", "y", "z"]`, `HashMap size=1 {"k"=1}`, `Optional["v"]`,
 * and `Point@123` for other objects (with `"toString text"` where options allow).
 */
export function preview(mirror: VmMirror, value: Value, options: PreviewOptions = {}): Promise<string> {
  return previewAt(mirror, value, options, 0);
}

/** A preview without the elements of arrays and collections: `int[3]`, `ArrayList size=3`, `"text"`. */
export function previewShallow(mirror: VmMirror, value: Value, options: PreviewOptions = {}): Promise<string> {
  return previewAt(mirror, value, options, 1);
}
