import { ID_KINDS, type Field, type ScalarKind } from '../protocol/kinds';
import type { IdSizes } from '../protocol/wire-types';

/** The wire width of a scalar kind under the given sizes, or undefined where it varies (strings, values, regions). */
export function scalarWidth(kind: ScalarKind, s: IdSizes): number | undefined {
  switch (kind) {
    case 'byte':
    case 'boolean':
      return 1;
    case 'int':
      return 4;
    case 'long':
      return 8;
    case 'taggedObjectID':
      return 1 + s.objectIDSize;
    case 'location':
      return 1 + s.referenceTypeIDSize + s.methodIDSize + 8;
    case 'string':
    case 'value':
    case 'untaggedValue':
    case 'arrayRegion':
      return undefined;
    default:
      return s[ID_KINDS[kind].size];
  }
}

function fieldWidth(f: Field, s: IdSizes): number | undefined {
  if (f.kind === 'repeat' || f.kind === 'select') return undefined;
  if (f.kind !== 'group') return scalarWidth(f.kind, s);
  let sum = 0;
  for (const g of f.fields) {
    const w = fieldWidth(g, s);
    if (w === undefined) return undefined;
    sum += w;
  }
  return sum;
}

function inFields(fields: readonly Field[], path: readonly string[], s: IdSizes, alt: number | undefined): number | undefined {
  let offset = 0;
  for (const f of fields) {
    if (f.name === path[0]) {
      if (path.length === 1) return offset;
      const inner = inField(f, path.slice(1), s, alt);
      return inner === undefined ? undefined : offset + inner;
    }
    const w = fieldWidth(f, s);
    if (w === undefined) return undefined;
    offset += w;
  }
  return undefined;
}

/** The offset of `path` inside a field: a group's fields, a repeat's first item (after its count), a select's selector or its alternative `alt`. */
function inField(f: Field, path: readonly string[], s: IdSizes, alt: number | undefined): number | undefined {
  switch (f.kind) {
    case 'group':
      return inFields(f.fields, path, s, alt);
    case 'repeat': {
      const item = f.of.kind === 'group' || f.of.kind === 'select' ? inField(f.of, path, s, alt) : f.of.name === path[0] && path.length === 1 ? 0 : undefined;
      return item === undefined ? undefined : 4 + item;
    }
    case 'select': {
      if (f.selector.name === path[0]) return path.length === 1 ? 0 : undefined;
      const chosen = f.alts.find((a) => a.value === alt);
      const selector = scalarWidth(f.selector.kind, s);
      const inner = chosen && selector !== undefined ? inFields(chosen.fields, path, s, alt) : undefined;
      return inner === undefined ? undefined : selector! + inner;
    }
    default:
      return undefined;
  }
}

/**
 * The byte offset of a field in a layout's data, where every field before it has a fixed width. `path` names it
 * through groups, the first item of a repeat (a repeat's path element is the repeat's own name) and, for a
 * select, the alternative whose selector value is `alt`. Throws when the field is not there or not at a fixed
 * offset.
 */
export function offsetOf(fields: readonly Field[], path: readonly string[], s: IdSizes, alt?: number): number {
  const at = inFields(fields, path, s, alt);
  if (at === undefined) throw new Error(`${path.join('.')}${alt === undefined ? '' : ` (alternative ${alt})`} has no fixed offset`);
  return at;
}
