import type { ObjectID, Value } from '../protocol/wire-types';
import type { VmMirror } from '../mirror/vm-mirror';
import { componentSignature, displayName } from '../mirror/names';
import type { FieldInfo, RefType } from '../mirror/type-info';
import { collectionView, type ViewOptions } from './collections';
import { kindOf } from './kinds';
import { previewShallow } from './preview';

/** One child of a value in a variables tree. */
export interface Child {
  /** `id`, `shadow (Base)`, `[3]`, or for a map entry the key's preview. */
  name: string;
  value: Value;
  /** The declared type's JNI signature, where there is one (fields, array elements). */
  signature?: string;
  /** The field a field child reads. */
  field?: FieldInfo;
  /** For a map entry: the key (the value is `value`). */
  key?: Value;
}

function nameFields(fields: FieldInfo[], types: Map<bigint, RefType>): string[] {
  const counts = new Map<string, number>();
  for (const f of fields) counts.set(f.name, (counts.get(f.name) ?? 0) + 1);
  const seen = new Set<string>();
  return fields.map((f) => {
    if (counts.get(f.name) === 1 || !seen.has(f.name)) {
      seen.add(f.name);
      return f.name;
    }
    return `${f.name} (${displayName(types.get(f.declaringType)?.name ?? '?')})`;
  });
}

/** An object's instance fields, own first then inherited, as children; a hidden inherited field is named `name (Class)`. */
export async function fieldChildren(mirror: VmMirror, object: ObjectID): Promise<Child[]> {
  const type = await mirror.typeOfObject(object);
  const supers = await mirror.supertypes(type);
  const fields = (await mirror.allFields(type)).filter((f) => !f.isStatic);
  const values = await mirror.fieldValues(object, fields);
  const names = nameFields(fields, new Map(supers.map((t) => [t.id, t])));
  return fields.map((f, i) => ({ name: names[i], value: values[i], signature: f.signature, field: f }));
}

/** A type's static fields (its own and inherited ones), as children. */
export async function staticChildren(mirror: VmMirror, type: RefType): Promise<Child[]> {
  const supers = await mirror.supertypes(type);
  const fields = (await mirror.allFields(type)).filter((f) => f.isStatic);
  const values = await mirror.staticValues(fields);
  const names = nameFields(fields, new Map(supers.map((t) => [t.id, t])));
  return fields.map((f, i) => ({ name: names[i], value: values[i], signature: f.signature, field: f }));
}

/** A page of array elements as children named `[i]`. */
export async function arrayChildren(mirror: VmMirror, array: ObjectID, start = 0, count?: number): Promise<Child[]> {
  const length = await mirror.arrayLength(array);
  const n = Math.max(0, Math.min(count ?? length, length - start));
  const [values, type] = await Promise.all([mirror.arrayValues(array, start, n), mirror.typeOfObject(array)]);
  const signature = componentSignature(type.signature);
  return values.map((value, i) => ({ name: `[${start + i}]`, value, signature }));
}

/**
 * The logical children of a List, Set, Collection or Map: elements named `[i]`, or map entries named
 * by their key's preview with `key` set. Undefined for other objects, or when the collection cannot be
 * read without a thread; show fieldChildren then.
 */
export async function logicalChildren(mirror: VmMirror, object: ObjectID, options: ViewOptions = {}): Promise<{ size: number; children: Child[] } | undefined> {
  const type = await mirror.typeOfObject(object);
  const kind = await kindOf(mirror, type);
  if (kind !== 'list' && kind !== 'set' && kind !== 'collection' && kind !== 'map') return undefined;
  const view = await collectionView(mirror, object, type, kind, options);
  if (!view) return undefined;
  const start = options.start ?? 0;
  if (view.entries) {
    const names = await Promise.all(view.entries.map((e) => previewShallow(mirror, e.key, options)));
    return { size: view.size, children: view.entries.map((e, i) => ({ name: names[i], value: e.value, key: e.key })) };
  }
  return { size: view.size, children: (view.items ?? []).map((value, i) => ({ name: `[${start + i}]`, value })) };
}
