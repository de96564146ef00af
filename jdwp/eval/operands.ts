import type { ObjectID, Value } from '../protocol/wire-types';
import { signatureToName } from '../mirror/names';
import { JDWP } from '../registry';
import { EvalError, EvalErrorCode } from './errors';
import { convertPrimitive, javaDoubleText, javaFloatText, type PrimSig } from './numbers';
import type { Scope } from './scope';

/**
 * A value during evaluation. `prim` and `ref` live in the target; `text` is a String made by the
 * evaluator (a literal or a concatenation) that only goes to the target when it has to.
 */
export type EvalValue =
  | { kind: 'prim'; sig: PrimSig; value: number | bigint | boolean }
  | { kind: 'ref'; sig: string; id: ObjectID; tag: number }
  | { kind: 'null'; sig: string }
  | { kind: 'text'; value: string }
  | { kind: 'void' };

/** The null literal's type. */
export const NULL_TYPE = 'null';
/** java.lang.String's signature. */
export const STRING = 'Ljava/lang/String;';

/** Box class signatures by primitive signature. */
export const BOXES: Record<PrimSig, string> = {
  Z: 'Ljava/lang/Boolean;',
  B: 'Ljava/lang/Byte;',
  C: 'Ljava/lang/Character;',
  S: 'Ljava/lang/Short;',
  I: 'Ljava/lang/Integer;',
  J: 'Ljava/lang/Long;',
  F: 'Ljava/lang/Float;',
  D: 'Ljava/lang/Double;',
};

/** Primitive signatures by box class signature. */
export const UNBOXES: Record<string, PrimSig> = Object.fromEntries(Object.entries(BOXES).map(([p, b]) => [b, p as PrimSig]));

/** An EvalValue from a JDWP value and the static type it was read as. */
export function fromValue(v: Value, staticSig: string): EvalValue {
  if (v.tag === JDWP.Tag.VOID) return { kind: 'void' };
  if (v.tag === JDWP.Tag.BOOLEAN) return { kind: 'prim', sig: 'Z', value: v.value === true || v.value === 1 };
  const prim = String.fromCharCode(v.tag);
  if ('BCSIJFD'.includes(prim)) return { kind: 'prim', sig: prim as PrimSig, value: v.value as number | bigint };
  const id = (v.value ?? 0n) as ObjectID;
  const sig = staticSig.startsWith('L') || staticSig.startsWith('[') ? staticSig : 'Ljava/lang/Object;';
  return id === 0n ? { kind: 'null', sig } : { kind: 'ref', sig, id, tag: v.tag };
}

/** The static type of a value, as a JNI signature ('null' for the null literal, 'V' for void). */
export function typeOf(v: EvalValue): string {
  switch (v.kind) {
    case 'prim':
      return v.sig;
    case 'ref':
    case 'null':
      return v.sig;
    case 'text':
      return STRING;
    case 'void':
      return 'V';
  }
}

/** A type for messages: `int`, `java.lang.String`, `null`. */
export function typeNameOf(v: EvalValue): string {
  const t = typeOf(v);
  return t === NULL_TYPE ? 'null' : signatureToName(t);
}

/** True when a value is a String: typed so, made here, or a target object the VM tags as a string. */
export function isStringValue(v: EvalValue): boolean {
  return v.kind === 'text' || (v.kind === 'ref' && (v.tag === JDWP.Tag.STRING || v.sig === STRING)) || (v.kind === 'null' && v.sig === STRING);
}

/** The primitive a box object holds, read from its `value` field without running code; undefined for a non-box. */
export async function unbox(scope: Scope, v: EvalValue): Promise<EvalValue & { kind: 'prim' } | undefined> {
  if (v.kind !== 'ref') return undefined;
  const type = await scope.mirror.typeOfObject(v.id);
  const prim = UNBOXES[type.signature];
  if (!prim) return undefined;
  const field = type.fields.find((f) => f.name === 'value' && !f.isStatic);
  if (!field) return undefined;
  const [raw] = await scope.mirror.fieldValues(v.id, [field]);
  return fromValue(raw, prim) as EvalValue & { kind: 'prim' };
}

/** A primitive value or the primitive a box holds; null boxes raise NULL_POINTER, anything else TYPE_ERROR. */
export async function primitiveOf(scope: Scope, v: EvalValue, pos: number, what: string): Promise<EvalValue & { kind: 'prim' }> {
  if (v.kind === 'prim') return v;
  if (v.kind === 'null' && (UNBOXES[v.sig] || v.sig === 'Ljava/lang/Object;')) {
    throw new EvalError(EvalErrorCode.NULL_POINTER, `null cannot be unboxed for ${what}`, pos + 1);
  }
  const p = await unbox(scope, v);
  if (p) return p;
  throw new EvalError(EvalErrorCode.TYPE_ERROR, `${what} cannot be applied to ${typeNameOf(v)}`, pos + 1);
}

/** Boxes a primitive by invoking the box class's valueOf. */
export async function box(scope: Scope, v: EvalValue & { kind: 'prim' }, pos: number): Promise<EvalValue & { kind: 'ref' }> {
  const sig = BOXES[v.sig];
  const [type] = await scope.mirror.classesBySignature(sig);
  const [valueOf] = type ? await scope.mirror.methodsByName(type, 'valueOf', `(${v.sig})${sig}`) : [];
  if (!valueOf) throw new EvalError(EvalErrorCode.TYPE_ERROR, `cannot box ${signatureToName(v.sig)}: ${signatureToName(sig)} is not loaded`, pos + 1);
  const r = await scope.invoke(valueOf, [primitiveValue(v)], undefined, pos);
  return { kind: 'ref', sig, id: r.value as ObjectID, tag: r.tag };
}

/** A primitive as a JDWP value. */
export function primitiveValue(v: EvalValue & { kind: 'prim' }): Value {
  return { tag: v.sig.charCodeAt(0), value: v.value };
}

/** Converts a primitive to another primitive type, as a cast or a widening would. */
export function convert(v: EvalValue & { kind: 'prim' }, to: PrimSig): EvalValue & { kind: 'prim' } {
  if (v.sig === to) return v;
  return { kind: 'prim', sig: to, value: convertPrimitive(v.value as number | bigint, v.sig, to) };
}

/** A value as a JDWP value, creating a String in the target for text made here. */
export async function toJdwpValue(scope: Scope, v: EvalValue): Promise<Value> {
  switch (v.kind) {
    case 'prim':
      return primitiveValue(v);
    case 'ref':
      return { tag: v.tag, value: v.id };
    case 'null':
      return { tag: v.sig.startsWith('[') ? JDWP.Tag.ARRAY : JDWP.Tag.OBJECT, value: 0n as ObjectID };
    case 'text':
      return { tag: JDWP.Tag.STRING, value: await scope.createString(v.value) };
    case 'void':
      return { tag: JDWP.Tag.VOID, value: undefined };
  }
}

/** The text of a primitive, as Java's String.valueOf writes it. */
export function primitiveText(v: EvalValue & { kind: 'prim' }): string {
  switch (v.sig) {
    case 'Z':
      return v.value ? 'true' : 'false';
    case 'C':
      return String.fromCharCode(v.value as number);
    case 'F':
      return javaFloatText(v.value as number);
    case 'D':
      return javaDoubleText(v.value as number);
    default:
      return String(v.value);
  }
}

/** String.valueOf(v): strings and boxes are read directly, other objects through toString(). */
export async function stringOf(scope: Scope, v: EvalValue, pos: number): Promise<string> {
  switch (v.kind) {
    case 'prim':
      return primitiveText(v);
    case 'text':
      return v.value;
    case 'null':
      return 'null';
    case 'void':
      throw new EvalError(EvalErrorCode.TYPE_ERROR, 'a void method has no value', pos + 1);
    case 'ref': {
      if (v.tag === JDWP.Tag.STRING) return scope.mirror.stringValue(v.id);
      const boxed = await unbox(scope, v);
      if (boxed) return primitiveText(boxed);
      const type = await scope.mirror.typeOfObject(v.id);
      const [toString] = await scope.mirror.methodsByName(type, 'toString', '()Ljava/lang/String;');
      if (!toString) return `${type.name}@${v.id.toString(16)}`;
      const r = await scope.invoke(toString, [], v.id, pos);
      return r.value ? scope.mirror.stringValue(r.value as ObjectID) : 'null';
    }
  }
}
