import type { ObjectID, ThreadID, Value } from '../jdwp/codec/types';
import { Tag } from '../jdwp/codec/tags';
import { javaDoubleText, javaFloatText } from '../jdwp/eval/numbers';
import { displayName } from '../jdwp/mirror';
import { collectionView, readFields } from '../jdwp/values/collections';
import { kindOf, type ValueKind } from '../jdwp/values/kinds';
import { quoteChar, quoteString } from '../jdwp/values/text';
import type { AdapterContext } from './context';

/** How a value reads in the Variables view. */
export interface ValueDescription {
  text: string;
  typeName?: string;
  /** Set for arrays: their length, for paging. */
  arrayLength?: number;
  /** Set for lists, sets and maps: their size, for the logical view. */
  collection?: { kind: ValueKind; size: number };
  /** True when the value has children (a non-null object). */
  expandable: boolean;
}

/** A page of a collection's logical view: elements, or map entries. */
export interface CollectionPage {
  items?: Value[];
  entries?: Array<{ key: Value; value: Value }>;
}

const PRIMITIVE_NAMES: Record<number, string> = {
  [Tag.BOOLEAN]: 'boolean',
  [Tag.BYTE]: 'byte',
  [Tag.CHAR]: 'char',
  [Tag.SHORT]: 'short',
  [Tag.INT]: 'int',
  [Tag.LONG]: 'long',
  [Tag.FLOAT]: 'float',
  [Tag.DOUBLE]: 'double',
  [Tag.VOID]: 'void',
};

/** The Java text of a primitive value. */
export function primitiveText(value: Value): string {
  switch (value.tag) {
    case Tag.CHAR:
      return quoteChar(value.value as number);
    case Tag.FLOAT:
      return javaFloatText(value.value as number);
    case Tag.DOUBLE:
      return javaDoubleText(value.value as number);
    case Tag.VOID:
      return 'void';
    default:
      return String(value.value);
  }
}

const COLLECTION_KINDS = new Set<ValueKind>(['list', 'set', 'map', 'collection']);

/** Describes a value: primitives by their Java text, strings quoted, boxes and enums by value, collections by size, others by class. */
export async function describeValue(ctx: AdapterContext, thread: ThreadID, value: Value): Promise<ValueDescription> {
  const primitive = PRIMITIVE_NAMES[value.tag];
  if (primitive) return { text: primitiveText(value), typeName: primitive, expandable: false };
  const id = value.value as ObjectID;
  if (id === 0n || id === undefined) return { text: 'null', expandable: false };
  const m = ctx.mirror;
  if (value.tag === Tag.STRING) return { text: quoteString(await m.stringValue(id)), typeName: 'String', expandable: false };
  const type = await m.typeOfObject(id);
  const shortName = displayName(type.name);
  if (value.tag === Tag.ARRAY) {
    const length = await m.arrayLength(id);
    return { text: shortName.replace(/\[\]/, `[${length}]`), typeName: type.name, arrayLength: length, expandable: length > 0 };
  }
  const kind = await kindOf(m, type);
  const label = `${shortName}@${ctx.objectNumbers.number(id)}`;
  if (kind === 'string') return { text: quoteString(await m.stringValue(id)), typeName: 'String', expandable: false };
  if (kind === 'box') {
    const f = await readFields(m, id, ['value']);
    const v = f.get('value');
    return { text: v ? primitiveText(v) : label, typeName: type.name, expandable: true };
  }
  if (kind === 'enum') {
    const f = await readFields(m, id, ['name']);
    const name = f.get('name')?.value as ObjectID | undefined;
    return { text: name ? `${shortName}.${await m.stringValue(name)}` : label, typeName: type.name, expandable: true };
  }
  if (kind === 'throwable') {
    const message = await m.throwableMessage(id).catch(() => undefined);
    return { text: message === undefined ? shortName : `${shortName}: ${message}`, typeName: type.name, expandable: true };
  }
  if (COLLECTION_KINDS.has(kind)) {
    const view = await collectionView(m, id, type, kind, { thread, count: 0 }).catch(() => undefined);
    if (view) return { text: `${shortName} (size=${view.size})`, typeName: type.name, collection: { kind, size: view.size }, expandable: true };
  }
  return { text: label, typeName: type.name, expandable: true };
}

/** A page of a collection's logical view, read from fields where the reader knows the class, else by invoking size()/toArray(). */
export async function collectionPage(ctx: AdapterContext, thread: ThreadID, object: ObjectID, start: number, count: number): Promise<CollectionPage> {
  const type = await ctx.mirror.typeOfObject(object);
  const kind = await kindOf(ctx.mirror, type);
  const view = await collectionView(ctx.mirror, object, type, kind, { thread, start, count });
  return view ? { items: view.items, entries: view.entries } : {};
}
