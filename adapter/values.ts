import type { ObjectID, ThreadID, Value } from '../jdwp/protocol/wire-types';
import { Tag } from '../jdwp/codec/tags';
import { signatureToName } from '../jdwp/mirror';
import { collectionView, isPrimitiveTag, kindOf, logicalChildren, preview, type Child, type ValueKind } from '../jdwp/values';
import type { AdapterContext } from './context';

/** How a value reads in the Variables view. */
export interface ValueDescription {
  /** The one-line preview. */
  text: string;
  typeName?: string;
  /** Set for arrays: their length, for paging. */
  arrayLength?: number;
  /** Set for lists, sets and maps: their size, for the logical view. */
  collection?: { kind: ValueKind; size: number };
  /** True when the value has children (a non-null object that is not a string). */
  expandable: boolean;
}

const COLLECTION_KINDS = new Set<ValueKind>(['list', 'set', 'map', 'collection']);

/**
 * Describes a value with jdwp/values' one-line preview, plus what the tree needs: the array length
 * or collection size for paging, and whether it expands. `allowInvoke` false (hovers) keeps target
 * code from running, so collections that are not read by their fields show their fields instead.
 */
export async function describeValue(ctx: AdapterContext, thread: ThreadID, value: Value, allowInvoke = true): Promise<ValueDescription> {
  const m = ctx.mirror;
  const text = await preview(m, value, { thread, allowInvoke });
  if (isPrimitiveTag(value.tag)) return { text, typeName: signatureToName(String.fromCharCode(value.tag)), expandable: false };
  const id = (value.value ?? 0n) as ObjectID;
  if (id === 0n) return { text, expandable: false };
  if (value.tag === Tag.STRING) return { text, typeName: 'java.lang.String', expandable: false };
  const type = await m.typeOfObject(id);
  if (value.tag === Tag.ARRAY) {
    const length = await m.arrayLength(id);
    return { text, typeName: type.name, arrayLength: length, expandable: length > 0 };
  }
  const kind = await kindOf(m, type);
  if (COLLECTION_KINDS.has(kind)) {
    const view = await collectionView(m, id, type, kind, { thread, allowInvoke, count: 0 }).catch(() => undefined);
    if (view) return { text, typeName: type.name, collection: { kind, size: view.size }, expandable: true };
  }
  return { text, typeName: type.name, expandable: kind !== 'string' };
}

/** A page of a collection's logical children: elements `[i]`, or map values named by their key. */
export async function collectionPage(ctx: AdapterContext, thread: ThreadID, object: ObjectID, start: number, count: number): Promise<Child[]> {
  return (await logicalChildren(ctx.mirror, object, { thread, start, count }))?.children ?? [];
}
