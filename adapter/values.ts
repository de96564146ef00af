import type { ObjectID, ThreadID, Value } from '../jdwp/codec/types';
import { Tag } from '../jdwp/codec/tags';
import { javaDoubleText, javaFloatText } from '../jdwp/eval/numbers';
import { displayName } from '../jdwp/mirror';
import type { AdapterContext } from './context';

/** How a value reads in the Variables view. */
export interface ValueDescription {
  text: string;
  typeName?: string;
  /** Set for arrays: their length, for paging. */
  arrayLength?: number;
  /** True when the value has children (a non-null object). */
  expandable: boolean;
  evaluateName?: string;
}

/** One child of a logical view: an element, or a map entry. */
export interface LogicalChild {
  name: string;
  value?: Value;
  entry?: { key: Value; value: Value };
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/** Describes a value: primitives by their Java text, strings quoted, objects by a one-line preview. */
export async function describeValue(ctx: AdapterContext, thread: ThreadID, value: Value): Promise<ValueDescription> {
  void thread;
  switch (value.tag) {
    case Tag.BOOLEAN:
      return { text: String(value.value), typeName: 'boolean', expandable: false };
    case Tag.CHAR:
      return { text: quote(String.fromCharCode(value.value as number)).replace(/^"|"$/g, "'"), typeName: 'char', expandable: false };
    case Tag.BYTE:
    case Tag.SHORT:
    case Tag.INT:
      return { text: String(value.value), typeName: value.tag === Tag.INT ? 'int' : value.tag === Tag.BYTE ? 'byte' : 'short', expandable: false };
    case Tag.LONG:
      return { text: String(value.value), typeName: 'long', expandable: false };
    case Tag.FLOAT:
      return { text: javaFloatText(value.value as number), typeName: 'float', expandable: false };
    case Tag.DOUBLE:
      return { text: javaDoubleText(value.value as number), typeName: 'double', expandable: false };
    case Tag.VOID:
      return { text: 'void', typeName: 'void', expandable: false };
  }
  const id = value.value as ObjectID;
  if (id === 0n || id === undefined) return { text: 'null', expandable: false };
  if (value.tag === Tag.STRING) return { text: quote(await ctx.mirror.stringValue(id)), typeName: 'String', expandable: false };
  const type = await ctx.mirror.typeOfObject(id);
  if (value.tag === Tag.ARRAY) {
    const length = await ctx.mirror.arrayLength(id);
    return { text: `${displayName(type.name).replace(/\[\]$/, `[${length}]`)}`, typeName: type.name, arrayLength: length, expandable: length > 0 };
  }
  return { text: `${displayName(type.name)}@${id}`, typeName: type.name, expandable: true };
}

/** The logical children of a List, Set or Map; undefined for other objects. */
export async function logicalChildren(ctx: AdapterContext, thread: ThreadID, object: ObjectID): Promise<LogicalChild[] | undefined> {
  void ctx;
  void thread;
  void object;
  return undefined;
}
