import type { ObjectID } from '../protocol/wire-types';
import { JdwpReplyError } from '../errors';
import { signatureToName } from '../mirror/names';
import type { RefType } from '../mirror/type-info';
import { JDWP } from '../registry';
import type { BinaryExpr, CallExpr, CastExpr, Expr, FieldExpr, IndexExpr, TypeRef } from './ast';
import { EvalError, EvalErrorCode } from './errors';
import { isIntegral, isNumeric, promote1, promote2, type PrimSig } from './numbers';
import {
  box, convert, fromValue, isStringValue, NULL_TYPE, primitiveOf, STRING, stringOf, typeNameOf, unbox, UNBOXES,
  type EvalValue,
} from './operands';
import { argumentValues, chooseOverload } from './overloads';
import type { Scope } from './scope';

type Prim = EvalValue & { kind: 'prim' };

/** What a (possibly dotted) name stands for: a value, a class, or a package prefix. */
type Resolved = { kind: 'value'; value: EvalValue } | { kind: 'type'; type: RefType } | { kind: 'package'; name: string };

const PRIMITIVE_SIGS: Record<string, PrimSig> = { boolean: 'Z', byte: 'B', char: 'C', short: 'S', int: 'I', long: 'J', float: 'F', double: 'D' };

function err(code: (typeof EvalErrorCode)[keyof typeof EvalErrorCode], message: string, pos: number): EvalError {
  return new EvalError(code, message, pos + 1);
}

/** Evaluates an expression node in a scope. Errors from the target VM become EvalError 2011 at the node's column. */
export async function evalExpr(e: Expr, scope: Scope): Promise<EvalValue> {
  try {
    return await evalNode(e, scope);
  } catch (error) {
    if (error instanceof EvalError) throw error;
    const message = error instanceof JdwpReplyError ? `the target VM refused: ${error.message}` : `evaluation failed: ${(error as Error).message}`;
    throw err(EvalErrorCode.VM_ERROR, message, e.pos);
  }
}

async function evalNode(e: Expr, scope: Scope): Promise<EvalValue> {
  switch (e.kind) {
    case 'literal':
      switch (e.type) {
        case 'int':
          return { kind: 'prim', sig: 'I', value: e.value };
        case 'long':
          return { kind: 'prim', sig: 'J', value: e.value };
        case 'float':
          return { kind: 'prim', sig: 'F', value: e.value };
        case 'double':
          return { kind: 'prim', sig: 'D', value: e.value };
        case 'char':
          return { kind: 'prim', sig: 'C', value: e.value };
        case 'boolean':
          return { kind: 'prim', sig: 'Z', value: e.value };
        case 'string':
          return { kind: 'text', value: e.value };
        case 'null':
          return { kind: 'null', sig: NULL_TYPE };
      }
      break;
    case 'paren':
      return evalExpr(e.expr, scope);
    case 'this': {
      const self = await scope.thisObject();
      if (self === undefined) throw err(EvalErrorCode.UNKNOWN_NAME, "'this' is not available in a static method", e.pos);
      const { type } = await scope.place();
      return { kind: 'ref', sig: type.signature, id: self, tag: JDWP.Tag.OBJECT };
    }
    case 'name':
    case 'field': {
      const r = await resolve(e, scope);
      if (r.kind === 'value') return r.value;
      if (r.kind === 'type') throw err(EvalErrorCode.TYPE_ERROR, `'${r.type.name}' is a class, not a value`, e.pos);
      throw err(EvalErrorCode.UNKNOWN_NAME, `unknown name '${r.name}'`, e.pos);
    }
    case 'index':
      return evalIndex(e, scope);
    case 'call':
      return evalCall(e, scope);
    case 'unary':
      return evalUnary(e.op, await evalExpr(e.operand, scope), scope, e.pos);
    case 'binary':
      return evalBinary(e, scope);
    case 'conditional': {
      const test = await primitiveOf(scope, await evalExpr(e.test, scope), e.test.pos, "'?:'");
      if (test.sig !== 'Z') throw err(EvalErrorCode.TYPE_ERROR, `the condition of '?:' must be boolean, found ${signatureToName(test.sig)}`, e.test.pos);
      return evalExpr(test.value ? e.then : e.otherwise, scope);
    }
    case 'instanceof': {
      const v = await evalExpr(e.expr, scope);
      const sig = await typeSignature(e.type, scope);
      if (v.kind === 'prim' || v.kind === 'void') throw err(EvalErrorCode.TYPE_ERROR, `instanceof needs an object, found ${typeNameOf(v)}`, e.pos);
      return { kind: 'prim', sig: 'Z', value: await isInstance(v, sig, scope) };
    }
    case 'cast':
      return evalCast(e, scope);
    case 'classLiteral': {
      const type = await scope.findType(e.type.name);
      if (!type) throw err(EvalErrorCode.UNKNOWN_NAME, `unknown class '${e.type.name}'`, e.type.pos);
      const id = await scope.mirror.classObject(type);
      return { kind: 'ref', sig: 'Ljava/lang/Class;', id, tag: JDWP.Tag.CLASS_OBJECT };
    }
  }
  throw err(EvalErrorCode.PARSE_ERROR, 'unsupported expression', (e as Expr).pos);
}

/** Resolves a name or a dotted chain to a value, a class or a package prefix. */
async function resolve(e: Expr, scope: Scope): Promise<Resolved> {
  if (e.kind === 'name') {
    // `this` is fetched alongside the locals: a name that is no local is most often a field.
    const [locals] = await Promise.all([scope.locals(), scope.thisObject()]);
    const local = locals.get(e.name);
    if (local) return { kind: 'value', value: local };
    const field = await implicitField(e.name, scope);
    if (field) return { kind: 'value', value: field };
    const type = await scope.findType(e.name);
    return type ? { kind: 'type', type } : { kind: 'package', name: e.name };
  }
  if (e.kind === 'field') {
    const q = await resolve(e.target, scope);
    if (q.kind === 'value') return { kind: 'value', value: await readField(q.value, e, scope) };
    if (q.kind === 'type') {
      const field = await scope.mirror.fieldByName(q.type, e.name);
      if (field?.isStatic) return { kind: 'value', value: fromValue((await scope.mirror.staticValues([field]))[0], field.signature) };
      const [nested] = await scope.mirror.classesByName(`${q.type.name}$${e.name}`);
      if (nested) return { kind: 'type', type: nested };
      if (field) throw err(EvalErrorCode.TYPE_ERROR, `'${e.name}' is an instance field of ${q.type.name}; it needs an object`, e.namePos);
      throw err(EvalErrorCode.UNKNOWN_NAME, `unknown name '${e.name}' in ${q.type.name}`, e.namePos);
    }
    const name = `${q.name}.${e.name}`;
    const type = await scope.findType(name);
    return type ? { kind: 'type', type } : { kind: 'package', name };
  }
  return { kind: 'value', value: await evalExpr(e, scope) };
}

/**
 * A field of `this` (instance or static), of an enclosing instance (through `this$0` of inner classes),
 * or a static field of the frame's class in a static method.
 */
async function implicitField(name: string, scope: Scope): Promise<EvalValue | undefined> {
  const { type: here } = await scope.place();
  let self = await scope.thisObject();
  if (self === undefined) {
    const field = await scope.mirror.fieldByName(here, name);
    return field?.isStatic ? fromValue((await scope.mirror.staticValues([field]))[0], field.signature) : undefined;
  }
  for (let hops = 0; hops < 8; hops++) {
    const type = await scope.mirror.typeOfObject(self);
    const field = await scope.mirror.fieldByName(type, name);
    if (field) {
      const [value] = field.isStatic ? await scope.mirror.staticValues([field]) : await scope.mirror.fieldValues(self, [field]);
      return fromValue(value, field.signature);
    }
    const outer = await scope.mirror.fieldByName(type, 'this$0');
    if (!outer) break;
    const [value] = await scope.mirror.fieldValues(self, [outer]);
    if (!value.value) break;
    self = value.value as ObjectID;
  }
  const field = await scope.mirror.fieldByName(here, name);
  return field?.isStatic ? fromValue((await scope.mirror.staticValues([field]))[0], field.signature) : undefined;
}

async function readField(target: EvalValue, e: FieldExpr, scope: Scope): Promise<EvalValue> {
  if (target.kind === 'null') throw err(EvalErrorCode.NULL_POINTER, `cannot read field '${e.name}' because the value is null`, e.namePos);
  if (target.kind !== 'ref') throw err(EvalErrorCode.TYPE_ERROR, `${typeNameOf(target)} has no field '${e.name}'`, e.namePos);
  if (target.tag === JDWP.Tag.ARRAY || target.sig.startsWith('[')) {
    if (e.name === 'length') return { kind: 'prim', sig: 'I', value: await scope.mirror.arrayLength(target.id) };
    throw err(EvalErrorCode.UNKNOWN_NAME, `an array has no field '${e.name}'`, e.namePos);
  }
  const type = await scope.mirror.typeOfObject(target.id);
  const field = await scope.mirror.fieldByName(type, e.name);
  if (!field) throw err(EvalErrorCode.UNKNOWN_NAME, `unknown field '${e.name}' in ${type.name}`, e.namePos);
  const [value] = field.isStatic ? await scope.mirror.staticValues([field]) : await scope.mirror.fieldValues(target.id, [field]);
  return fromValue(value, field.signature);
}

async function evalIndex(e: IndexExpr, scope: Scope): Promise<EvalValue> {
  const target = await evalExpr(e.target, scope);
  const index = await primitiveOf(scope, await evalExpr(e.index, scope), e.index.pos, 'an array index');
  if (target.kind === 'null') throw err(EvalErrorCode.NULL_POINTER, 'cannot index into null', e.pos);
  if (target.kind !== 'ref' || !(target.tag === JDWP.Tag.ARRAY || target.sig.startsWith('['))) {
    throw err(EvalErrorCode.TYPE_ERROR, `${typeNameOf(target)} is not an array`, e.pos);
  }
  if (!isIntegral(index.sig) || index.sig === 'J') throw err(EvalErrorCode.TYPE_ERROR, `an array index must be an int, found ${signatureToName(index.sig)}`, e.index.pos);
  const i = index.value as number;
  const length = await scope.mirror.arrayLength(target.id);
  if (i < 0 || i >= length) throw err(EvalErrorCode.INDEX_OUT_OF_BOUNDS, `index ${i} is out of bounds for length ${length}`, e.index.pos);
  const sig = target.sig.startsWith('[') ? target.sig : (await scope.mirror.typeOfObject(target.id)).signature;
  const [element] = await scope.mirror.arrayValues(target.id, i, 1);
  return fromValue(element, sig.slice(1));
}

async function evalCall(e: CallExpr, scope: Scope): Promise<EvalValue> {
  let type: RefType;
  let receiver: ObjectID | undefined;
  let staticOnly = false;
  if (!e.target) {
    receiver = await scope.thisObject();
    type = receiver !== undefined ? await scope.mirror.typeOfObject(receiver) : (await scope.place()).type;
    staticOnly = receiver === undefined;
  } else {
    const q = await resolve(e.target, scope);
    if (q.kind === 'package') throw err(EvalErrorCode.UNKNOWN_NAME, `unknown name '${q.name}'`, e.target.pos);
    if (q.kind === 'type') {
      type = q.type;
      staticOnly = true;
    } else {
      let v = q.value;
      if (v.kind === 'null') throw err(EvalErrorCode.NULL_POINTER, `cannot call '${e.name}' because the value is null`, e.namePos);
      if (v.kind === 'text') {
        const id = await scope.createString(v.value);
        v = { kind: 'ref', sig: STRING, id, tag: JDWP.Tag.STRING };
      }
      if (v.kind !== 'ref') throw err(EvalErrorCode.TYPE_ERROR, `cannot call '${e.name}' on ${typeNameOf(v)}`, e.namePos);
      receiver = v.id;
      type = await scope.mirror.typeOfObject(v.id);
      if (type.tag === JDWP.TypeTag.ARRAY && !type.superclass) {
        const [object] = await scope.mirror.classesBySignature('Ljava/lang/Object;');
        type = object ?? type;
      }
    }
  }
  const args: EvalValue[] = [];
  for (const a of e.args) {
    const v = await evalExpr(a, scope);
    if (v.kind === 'void') throw err(EvalErrorCode.TYPE_ERROR, 'a void method has no value', a.pos);
    args.push(v);
  }
  const all = (await scope.mirror.methodsByName(type, e.name)).filter((m) => !m.isConstructor);
  const candidates = staticOnly ? all.filter((m) => m.isStatic) : all;
  if (candidates.length === 0) {
    if (all.length) throw err(EvalErrorCode.NO_SUCH_METHOD, `'${e.name}' is an instance method of ${type.name}; it needs an object`, e.namePos);
    throw err(EvalErrorCode.NO_SUCH_METHOD, `no method '${e.name}' in ${type.name}`, e.namePos);
  }
  const chosen = await chooseOverload(scope, candidates, args, e.name, e.namePos);
  const values = await argumentValues(scope, chosen, args, e.namePos);
  const result = await scope.invoke(chosen.method, values, chosen.method.isStatic ? undefined : receiver, e.namePos);
  return fromValue(result, chosen.method.returnSignature);
}

function evalUnaryPrim(op: '-' | '+' | '~', p: Prim, pos: number): Prim {
  if (!isNumeric(p.sig) || (op === '~' && !isIntegral(p.sig))) throw err(EvalErrorCode.TYPE_ERROR, `operator '${op}' cannot be applied to ${signatureToName(p.sig)}`, pos);
  const v = convert(p, promote1(p.sig));
  if (op === '+') return v;
  if (v.sig === 'J') return { kind: 'prim', sig: 'J', value: BigInt.asIntN(64, op === '-' ? -(v.value as bigint) : ~(v.value as bigint)) };
  if (v.sig === 'I') return { kind: 'prim', sig: 'I', value: op === '-' ? -(v.value as number) | 0 : ~(v.value as number) };
  return { kind: 'prim', sig: v.sig, value: v.sig === 'F' ? Math.fround(-(v.value as number)) : -(v.value as number) };
}

async function evalUnary(op: '-' | '+' | '!' | '~', operand: EvalValue, scope: Scope, pos: number): Promise<EvalValue> {
  const p = await primitiveOf(scope, operand, pos, `operator '${op}'`);
  if (op === '!') {
    if (p.sig !== 'Z') throw err(EvalErrorCode.TYPE_ERROR, `operator '!' cannot be applied to ${signatureToName(p.sig)}`, pos);
    return { kind: 'prim', sig: 'Z', value: !p.value };
  }
  return evalUnaryPrim(op, p, pos);
}

async function evalBinary(e: BinaryExpr, scope: Scope): Promise<EvalValue> {
  const op = e.op;
  if (op === '&&' || op === '||') {
    const left = await booleanOperand(await evalExpr(e.left, scope), scope, e.left.pos, op);
    if (op === '&&' ? !left : left) return { kind: 'prim', sig: 'Z', value: left };
    return { kind: 'prim', sig: 'Z', value: await booleanOperand(await evalExpr(e.right, scope), scope, e.right.pos, op) };
  }
  const left = await evalExpr(e.left, scope);
  const right = await evalExpr(e.right, scope);
  if (op === '+' && (isStringValue(left) || isStringValue(right))) {
    const [a, b] = await Promise.all([stringOf(scope, left, e.left.pos), stringOf(scope, right, e.right.pos)]);
    return { kind: 'text', value: a + b };
  }
  if (op === '==' || op === '!=') {
    const same = await equals(left, right, scope, e);
    return { kind: 'prim', sig: 'Z', value: op === '==' ? same : !same };
  }
  const a = await primitiveOf(scope, left, e.left.pos, `operator '${op}'`);
  const b = await primitiveOf(scope, right, e.right.pos, `operator '${op}'`);
  return arithmetic(op, a, b, e.opPos);
}

async function booleanOperand(v: EvalValue, scope: Scope, pos: number, op: string): Promise<boolean> {
  const p = await primitiveOf(scope, v, pos, `operator '${op}'`);
  if (p.sig !== 'Z') throw err(EvalErrorCode.TYPE_ERROR, `operator '${op}' needs boolean operands, found ${signatureToName(p.sig)}`, pos);
  return p.value as boolean;
}

async function equals(left: EvalValue, right: EvalValue, scope: Scope, e: BinaryExpr): Promise<boolean> {
  if (left.kind === 'void' || right.kind === 'void') throw err(EvalErrorCode.TYPE_ERROR, 'a void method has no value', e.opPos);
  if (left.kind === 'prim' || right.kind === 'prim') {
    const a = await primitiveOf(scope, left, e.left.pos, `operator '${e.op}'`);
    const b = await primitiveOf(scope, right, e.right.pos, `operator '${e.op}'`);
    if ((a.sig === 'Z') !== (b.sig === 'Z')) throw err(EvalErrorCode.TYPE_ERROR, `cannot compare ${signatureToName(a.sig)} with ${signatureToName(b.sig)}`, e.opPos);
    if (a.sig === 'Z') return a.value === b.value;
    const t = promote2(a.sig, b.sig);
    return convert(a, t).value === convert(b, t).value;
  }
  if (left.kind === 'null' || right.kind === 'null') return left.kind === right.kind;
  if (left.kind === 'text' || right.kind === 'text') {
    if (!isStringValue(left) || !isStringValue(right)) return false;
    return (await stringOf(scope, left, e.left.pos)) === (await stringOf(scope, right, e.right.pos));
  }
  return left.id === right.id;
}

function arithmetic(op: BinaryExpr['op'], a: Prim, b: Prim, pos: number): EvalValue {
  const bool = a.sig === 'Z' && b.sig === 'Z';
  if (op === '&' || op === '|' || op === '^') {
    if (bool) return { kind: 'prim', sig: 'Z', value: op === '&' ? (a.value && b.value) as boolean : op === '|' ? (a.value || b.value) as boolean : a.value !== b.value };
    if (!isIntegral(a.sig) || !isIntegral(b.sig)) throw err(EvalErrorCode.TYPE_ERROR, `operator '${op}' cannot be applied to ${signatureToName(a.sig)} and ${signatureToName(b.sig)}`, pos);
  } else if (!isNumeric(a.sig) || !isNumeric(b.sig)) {
    throw err(EvalErrorCode.TYPE_ERROR, `operator '${op}' cannot be applied to ${signatureToName(a.sig)} and ${signatureToName(b.sig)}`, pos);
  }
  if (op === '<<' || op === '>>' || op === '>>>') {
    if (!isIntegral(a.sig) || !isIntegral(b.sig)) throw err(EvalErrorCode.TYPE_ERROR, `operator '${op}' needs integral operands`, pos);
    const x = convert(a, promote1(a.sig));
    const n = Number(convert(b, 'J').value as bigint);
    if (x.sig === 'J') {
      const v = x.value as bigint;
      const s = BigInt(n & 63);
      const r = op === '<<' ? v << s : op === '>>' ? v >> s : BigInt.asUintN(64, v) >> s;
      return { kind: 'prim', sig: 'J', value: BigInt.asIntN(64, r) };
    }
    const v = x.value as number;
    const s = n & 31;
    return { kind: 'prim', sig: 'I', value: op === '<<' ? v << s : op === '>>' ? v >> s : (v >>> s) | 0 };
  }
  const t = promote2(a.sig, b.sig);
  const x = convert(a, t).value;
  const y = convert(b, t).value;
  switch (op) {
    case '<':
      return { kind: 'prim', sig: 'Z', value: x < y };
    case '>':
      return { kind: 'prim', sig: 'Z', value: x > y };
    case '<=':
      return { kind: 'prim', sig: 'Z', value: x <= y };
    case '>=':
      return { kind: 'prim', sig: 'Z', value: x >= y };
  }
  if (t === 'J') {
    const p = x as bigint;
    const q = y as bigint;
    if ((op === '/' || op === '%') && q === 0n) throw err(EvalErrorCode.DIVIDE_BY_ZERO, `${op === '/' ? 'division' : 'remainder'} by zero`, pos);
    const r = op === '+' ? p + q : op === '-' ? p - q : op === '*' ? p * q : op === '/' ? p / q : op === '%' ? p % q : op === '&' ? p & q : op === '|' ? p | q : p ^ q;
    return { kind: 'prim', sig: 'J', value: BigInt.asIntN(64, r) };
  }
  const p = x as number;
  const q = y as number;
  if (t === 'I') {
    if ((op === '/' || op === '%') && q === 0) throw err(EvalErrorCode.DIVIDE_BY_ZERO, `${op === '/' ? 'division' : 'remainder'} by zero`, pos);
    const r = op === '+' ? p + q : op === '-' ? p - q : op === '*' ? Math.imul(p, q) : op === '/' ? Math.trunc(p / q) : op === '%' ? p % q : op === '&' ? p & q : op === '|' ? p | q : p ^ q;
    return { kind: 'prim', sig: 'I', value: r | 0 };
  }
  const r = op === '+' ? p + q : op === '-' ? p - q : op === '*' ? p * q : op === '/' ? p / q : p % q;
  return { kind: 'prim', sig: t, value: t === 'F' ? Math.fround(r) : r };
}

/** The signature a written type stands for, resolving class names in the frame's context. */
async function typeSignature(t: TypeRef, scope: Scope): Promise<string> {
  const dims = '['.repeat(t.dims);
  const prim = PRIMITIVE_SIGS[t.name];
  if (prim) return dims + prim;
  const type = await scope.findType(t.name);
  if (!type) throw err(EvalErrorCode.UNKNOWN_NAME, `unknown class '${t.name}'`, t.pos);
  return dims + type.signature;
}

async function isInstance(v: EvalValue, sig: string, scope: Scope): Promise<boolean> {
  if (v.kind === 'null') return false;
  if (v.kind === 'text') {
    const [string] = await scope.mirror.classesBySignature(STRING);
    return string !== undefined && scope.mirror.isSubtype(string, sig);
  }
  if (v.kind !== 'ref') return false;
  return scope.mirror.isSubtype(await scope.mirror.typeOfObject(v.id), sig);
}

async function evalCast(e: CastExpr, scope: Scope): Promise<EvalValue> {
  const v = await evalExpr(e.expr, scope);
  const sig = await typeSignature(e.type, scope);
  if (v.kind === 'void') throw err(EvalErrorCode.TYPE_ERROR, 'a void method has no value', e.expr.pos);
  const target = signatureToName(sig);
  if (sig.length === 1) {
    const p = v.kind === 'prim' ? v : v.kind === 'null' ? undefined : await unbox(scope, v);
    if (v.kind === 'null') throw err(EvalErrorCode.NULL_POINTER, `null cannot be cast to ${target}`, e.pos);
    if (!p) throw err(EvalErrorCode.TYPE_ERROR, `${typeNameOf(v)} cannot be cast to ${target}`, e.pos);
    if ((p.sig === 'Z') !== (sig === 'Z')) throw err(EvalErrorCode.TYPE_ERROR, `${signatureToName(p.sig)} cannot be cast to ${target}`, e.pos);
    return convert(p, sig as PrimSig);
  }
  if (v.kind === 'null') return { kind: 'null', sig };
  if (v.kind === 'prim') {
    const boxed = UNBOXES[sig] ? await box(scope, convert(v, UNBOXES[sig]), e.pos) : await box(scope, v, e.pos);
    if (!(await isInstance(boxed, sig, scope))) throw err(EvalErrorCode.CLASS_CAST, `${signatureToName(v.sig)} cannot be cast to ${target}`, e.pos);
    return { ...boxed, sig };
  }
  if (!(await isInstance(v, sig, scope))) {
    const actual = v.kind === 'ref' ? (await scope.mirror.typeOfObject(v.id)).name : 'java.lang.String';
    throw err(EvalErrorCode.CLASS_CAST, `${actual} cannot be cast to ${target}`, e.pos);
  }
  if (v.kind !== 'text') return { ...v, sig };
  if (sig === STRING) return v;
  return { kind: 'ref', sig, id: await scope.createString(v.value), tag: JDWP.Tag.STRING };
}

