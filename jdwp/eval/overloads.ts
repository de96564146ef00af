import type { Value } from '../protocol/wire-types';
import { isPrimitiveSignature, signatureToName } from '../mirror/names';
import type { MethodInfo, RefType } from '../mirror/type-info';
import { EvalError, EvalErrorCode } from './errors';
import { widens, type PrimSig } from './numbers';
import { JDWP } from '../registry';
import { BOXES, box, convert, STRING, toJdwpValue, unbox, UNBOXES, type EvalValue } from './operands';
import type { Scope } from './scope';

/** The three phases of Java's overload resolution. */
type Phase = 'strict' | 'boxing' | 'varargs';

/** What the resolution needs to know of an argument: its primitive type, or its reference type (runtime type for objects). */
interface ArgShape {
  value: EvalValue;
  prim?: PrimSig;
  /** For non-null references: the object's runtime type. */
  type?: RefType;
  isNull: boolean;
}

async function shapeOf(scope: Scope, v: EvalValue): Promise<ArgShape> {
  switch (v.kind) {
    case 'prim':
      return { value: v, prim: v.sig, isNull: false };
    case 'null':
      return { value: v, isNull: true };
    case 'text':
      return { value: v, type: (await scope.mirror.classesBySignature(STRING))[0], isNull: false };
    case 'ref':
      return { value: v, type: await scope.mirror.typeOfObject(v.id), isNull: false };
    case 'void':
      throw new Error('void argument');
  }
}

/** Can an argument go to a parameter of type `param` in this phase (no boxing in the strict phase)? */
async function fits(scope: Scope, arg: ArgShape, param: string, boxing: boolean): Promise<boolean> {
  if (isPrimitiveSignature(param)) {
    if (arg.prim) return widens(arg.prim, param);
    if (!boxing || !arg.type) return false;
    const inner = UNBOXES[arg.type.signature];
    return inner !== undefined && widens(inner, param);
  }
  if (arg.isNull) return true;
  if (arg.prim) {
    if (!boxing) return false;
    const [boxType] = await scope.mirror.classesBySignature(BOXES[arg.prim]);
    return boxType !== undefined && scope.mirror.isSubtype(boxType, param);
  }
  return arg.type !== undefined && scope.mirror.isSubtype(arg.type, param);
}

async function applicable(scope: Scope, m: MethodInfo, args: ArgShape[], phase: Phase): Promise<boolean> {
  const params = m.argumentSignatures;
  if (phase !== 'varargs') {
    if (params.length !== args.length) return false;
    for (let i = 0; i < args.length; i++) if (!(await fits(scope, args[i], params[i], phase === 'boxing'))) return false;
    return true;
  }
  if (!m.isVarArgs || args.length < params.length - 1) return false;
  const fixed = params.length - 1;
  for (let i = 0; i < fixed; i++) if (!(await fits(scope, args[i], params[i], true))) return false;
  const component = params[fixed].slice(1);
  for (let i = fixed; i < args.length; i++) if (!(await fits(scope, args[i], component, true))) return false;
  return true;
}

/** Is parameter type `a` at least as specific as `b` (a converts to b without boxing)? */
async function moreSpecificParam(scope: Scope, a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  if (isPrimitiveSignature(a) || isPrimitiveSignature(b)) return isPrimitiveSignature(a) && isPrimitiveSignature(b) && widens(a, b);
  const [type] = await scope.mirror.classesBySignature(a);
  return type !== undefined && scope.mirror.isSubtype(type, b);
}

async function moreSpecific(scope: Scope, m1: MethodInfo, m2: MethodInfo, arity: number, phase: Phase): Promise<boolean> {
  const param = (m: MethodInfo, i: number) => {
    const p = m.argumentSignatures;
    return phase === 'varargs' && i >= p.length - 1 ? p[p.length - 1].slice(1) : p[i];
  };
  const n = phase === 'varargs' ? Math.max(arity, m1.argumentSignatures.length, m2.argumentSignatures.length) : arity;
  for (let i = 0; i < n; i++) if (!(await moreSpecificParam(scope, param(m1, i), param(m2, i)))) return false;
  return true;
}

/** The chosen method and how its arguments are passed. */
export interface Chosen {
  method: MethodInfo;
  varargs: boolean;
}

/** Picks the overload Java would: strict, then with boxing, then variable arity, then the most specific of those. */
export async function chooseOverload(scope: Scope, candidates: MethodInfo[], args: EvalValue[], name: string, pos: number): Promise<Chosen> {
  const shapes = await Promise.all(args.map((a) => shapeOf(scope, a)));
  for (const phase of ['strict', 'boxing', 'varargs'] as Phase[]) {
    const ok: MethodInfo[] = [];
    for (const m of candidates) if (await applicable(scope, m, shapes, phase)) ok.push(m);
    if (ok.length === 0) continue;
    const best: MethodInfo[] = [];
    for (const m of ok) {
      let maximal = true;
      for (const other of ok) {
        if (other !== m && !(await moreSpecific(scope, m, other, args.length, phase))) {
          maximal = false;
          break;
        }
      }
      if (maximal) best.push(m);
    }
    if (best.length === 1) return { method: best[0], varargs: phase === 'varargs' };
    const listed = (best.length ? best : ok).map((m) => describe(m)).join(', ');
    throw new EvalError(EvalErrorCode.NO_SUCH_METHOD, `call to ${name} is ambiguous: ${listed}`, pos + 1);
  }
  const argTypes = shapes.map((s) => (s.prim ? signatureToName(s.prim) : s.isNull ? 'null' : (s.type?.name ?? '?'))).join(', ');
  const known = candidates.length ? `; candidates: ${candidates.map((m) => describe(m)).join(', ')}` : '';
  throw new EvalError(EvalErrorCode.NO_SUCH_METHOD, `no method ${name}(${argTypes})${known}`, pos + 1);
}

/** `name(int, java.lang.String)`. */
export function describe(m: MethodInfo): string {
  return `${m.name}(${m.argumentSignatures.map(signatureToName).join(', ')})`;
}

/** Converts one argument to its parameter's type: widening, boxing, unboxing, or a String created in the target. */
async function argument(scope: Scope, v: EvalValue, param: string, pos: number): Promise<Value> {
  if (isPrimitiveSignature(param)) {
    const p = v.kind === 'prim' ? v : await unbox(scope, v);
    if (!p) throw new EvalError(EvalErrorCode.TYPE_ERROR, `cannot pass ${v.kind} as ${signatureToName(param)}`, pos + 1);
    const c = convert(p, param as PrimSig);
    return { tag: param.charCodeAt(0), value: c.value };
  }
  if (v.kind === 'prim') return toJdwpValue(scope, await box(scope, v, pos));
  return toJdwpValue(scope, v);
}

/** The JDWP argument values for a chosen method, packing variable arity arguments into a new array. */
export async function argumentValues(scope: Scope, chosen: Chosen, args: EvalValue[], pos: number): Promise<Value[]> {
  const params = chosen.method.argumentSignatures;
  if (!chosen.varargs) return Promise.all(args.map((a, i) => argument(scope, a, params[i], pos)));
  const fixed = params.length - 1;
  const arraySig = params[fixed];
  const [arrayType] = await scope.mirror.classesBySignature(arraySig);
  if (!arrayType) throw new EvalError(EvalErrorCode.TYPE_ERROR, `cannot build the ${signatureToName(arraySig)} for ${chosen.method.name}: that array type is not loaded`, pos + 1);
  const head = await Promise.all(args.slice(0, fixed).map((a, i) => argument(scope, a, params[i], pos)));
  const rest = await Promise.all(args.slice(fixed).map((a) => argument(scope, a, arraySig.slice(1), pos)));
  const array = await scope.newArray(arrayType, rest);
  return [...head, { tag: JDWP.Tag.ARRAY, value: array }];
}
