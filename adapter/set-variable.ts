import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ArrayID, ClassID, ObjectID, ThreadID, Value } from '../jdwp/protocol/wire-types';
import { Tag } from '../jdwp/codec/tags';
import { evaluate as evalJava, type EvalContext, type EvalResult } from '../jdwp/eval';
import { convertPrimitive, type PrimSig } from '../jdwp/eval/numbers';
import { isPrimitiveSignature, signatureToName } from '../jdwp/mirror';
import { fieldChildren } from '../jdwp/values';
import type { AdapterContext, FrameRef } from './context';
import { AdapterError, AdapterErrorCode, toAdapterError } from './errors';
import { evalFailure } from './evaluate';
import { container, variableOf } from './variables';

/** Evaluates the new value of a setVariable request, in the frame when there is one, else the thread's top frame. */
export async function evaluateForSet(ctx: AdapterContext, thread: ThreadID, frame: FrameRef | undefined, expression: string): Promise<{ expression: string; result: EvalResult; context: EvalContext }> {
  const context: EvalContext = { mirror: ctx.mirror, thread, frame: frame?.depth ?? 0 };
  try {
    return { expression, result: await evalJava(expression, context), context };
  } catch (err) {
    throw evalFailure(expression, err);
  }
}

const BOXES: Record<string, PrimSig> = {
  'Ljava/lang/Boolean;': 'Z',
  'Ljava/lang/Byte;': 'B',
  'Ljava/lang/Character;': 'C',
  'Ljava/lang/Short;': 'S',
  'Ljava/lang/Integer;': 'I',
  'Ljava/lang/Long;': 'J',
  'Ljava/lang/Float;': 'F',
  'Ljava/lang/Double;': 'D',
};

function mismatch(from: string, to: string): AdapterError {
  return new AdapterError(AdapterErrorCode.SET_VARIABLE_FAILED, `a ${from === 'null' ? 'null' : signatureToName(from)} cannot be assigned to a ${signatureToName(to)}`);
}

/** Converts an evaluated value to a variable's declared type as Java assignment would (with boxing), or fails clearly. */
export async function coerceForSet(ctx: AdapterContext, evaluated: Awaited<ReturnType<typeof evaluateForSet>>, signature: string): Promise<Value> {
  const { result, expression, context } = evaluated;
  if (isPrimitiveSignature(signature)) {
    let from = result.type;
    let value = result.value;
    if (BOXES[from]) {
      const unboxed = await evalJava(`(${signatureToName(BOXES[from])}) (${expression})`, context).catch(() => undefined);
      if (!unboxed) throw mismatch(from, signature);
      from = unboxed.type;
      value = unboxed.value;
    }
    if (!isPrimitiveSignature(from) || from === 'V') throw mismatch(from, signature);
    if ((from === 'Z') !== (signature === 'Z')) throw mismatch(from, signature);
    if (signature === 'Z') return { tag: Tag.BOOLEAN, value: value.value };
    return { tag: signature.charCodeAt(0), value: convertPrimitive(value.value as number | bigint, from, signature as PrimSig) };
  }
  if (result.type === 'null') return { tag: Tag.OBJECT, value: 0n as ObjectID };
  if (isPrimitiveSignature(result.type)) {
    const box = Object.entries(BOXES).find(([, p]) => p === result.type)?.[0];
    const target = BOXES[signature] ? signature : box;
    if (!target || (signature !== target && !['Ljava/lang/Object;', 'Ljava/lang/Number;', 'Ljava/io/Serializable;'].includes(signature))) throw mismatch(result.type, signature);
    const name = signatureToName(target);
    const boxed = await evalJava(`${name}.valueOf((${signatureToName(BOXES[target])}) (${expression}))`, context);
    return boxed.value;
  }
  const type = await ctx.mirror.typeOfObject(result.value.value as ObjectID);
  if (!(await ctx.mirror.isSubtype(type, signature))) throw mismatch(type.signature, signature);
  return result.value;
}

/** The `setVariable` request: a local, a field, a static field or an array element gets the value of an expression. */
export async function setVariable(ctx: AdapterContext, args: DebugProtocol.SetVariableArguments): Promise<DebugProtocol.SetVariableResponse['body']> {
  const c = container(ctx, args.variablesReference);
  const vm = ctx.requireVm();
  const m = ctx.mirror;
  const frameId = c.kind === 'locals' ? c.frame : undefined;
  try {
    const raw = await evaluateForSet(ctx, c.thread, frameId, args.value);
    let stored: Value;
    switch (c.kind) {
      case 'locals': {
        const vars = (await m.visibleVariables(c.frame.location)) ?? [];
        const local = vars.find((v) => v.name === args.name);
        if (!local) throw new AdapterError(AdapterErrorCode.SET_VARIABLE_FAILED, args.name === 'this' ? '"this" cannot be assigned' : `no local variable "${args.name}" here`);
        stored = await coerceForSet(ctx, raw, local.signature);
        const fresh = await m.frameAt(c.thread, c.frame.depth);
        await vm.StackFrame.SetValues(c.thread, fresh.id, [{ slot: local.slot, slotValue: stored }]);
        break;
      }
      case 'statics': {
        const type = await m.type(c.typeID);
        const field = type.fields.find((f) => f.isStatic && f.name === args.name);
        if (!field) throw new AdapterError(AdapterErrorCode.SET_VARIABLE_FAILED, `no static field "${args.name}" in ${type.name}`);
        stored = await coerceForSet(ctx, raw, field.signature);
        await vm.ClassType.SetValues(type.id as ClassID, [{ fieldID: field.id, value: stored }]);
        break;
      }
      case 'object':
      case 'collection':
      case 'fields': {
        const field = (await fieldChildren(m, c.object)).find((ch) => ch.name === args.name)?.field;
        if (!field) throw new AdapterError(AdapterErrorCode.SET_VARIABLE_FAILED, `no field "${args.name}" to set`);
        stored = await coerceForSet(ctx, raw, field.signature);
        await vm.ObjectReference.SetValues(c.object, [{ fieldID: field.id, value: stored }]);
        break;
      }
      case 'array': {
        const index = /^\[(\d+)\]$/.exec(args.name);
        if (!index) throw new AdapterError(AdapterErrorCode.SET_VARIABLE_FAILED, `"${args.name}" is not an array element`);
        const type = await m.typeOfObject(c.object);
        stored = await coerceForSet(ctx, raw, type.signature.slice(1));
        await vm.ArrayReference.SetValues(c.object as ArrayID, Number(index[1]), [stored]);
        break;
      }
      default:
        throw new AdapterError(AdapterErrorCode.SET_VARIABLE_FAILED, 'the elements of a collection view cannot be set; expand [raw] to set fields');
    }
    const v = await variableOf(ctx, c.thread, args.name, stored);
    return { value: v.value, type: v.type, variablesReference: v.variablesReference, indexedVariables: v.indexedVariables };
  } catch (err) {
    const e = toAdapterError(err, AdapterErrorCode.SET_VARIABLE_FAILED);
    throw e.code === AdapterErrorCode.INTERNAL || e.code === AdapterErrorCode.JDWP_ERROR ? new AdapterError(AdapterErrorCode.SET_VARIABLE_FAILED, `cannot set ${args.name}: ${e.message}`) : e;
  }
}
