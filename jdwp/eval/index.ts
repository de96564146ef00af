/**
 * A Java expression evaluator of our own that runs over JDWP, for DAP evaluate/hover/watch,
 * breakpoint conditions, logpoints and the CLI's --when/--capture/--log.
 *
 *   const ctx = { mirror, thread, frame: 0 };
 *   const r = await evaluate('order.items.size() > 2 && total >= 10.5', ctx);   // r.value: JDWP Value, r.type: 'Z'
 *   if (await evaluateCondition('i % 100 == 0', ctx)) ...
 *   const line = await interpolate('order {order.id} costs {total}', ctx);
 *
 * Errors are EvalError with a stable `code` (EvalErrorCode, 2001..2014) and a message that ends with
 * "at column N"; formatEvalError(source, err) adds the expression and a caret line.
 *
 * Supported: literals (int, long, float, double, char, String, boolean, null; hex, octal, binary,
 * underscores, suffixes), locals, `this`, fields and static fields (simple or qualified class names,
 * nested classes, the frame's package and java.lang searched, then any loaded class with that simple
 * name), array indexing and `.length`, method calls (instance, static, implicit `this`) with Java's
 * overload choice (widening, boxing/unboxing, varargs), string concatenation, unary and binary
 * arithmetic with Java's numeric promotion, comparison, `&&`/`||` with short-circuit, bitwise and shift
 * operators, `?:`, instanceof, casts (primitive conversions, checked reference casts) and `Type.class`.
 * Not supported: assignment, ++/--, `new`, lambdas, generics in casts, `super`.
 * Deviations meant for debugging: members are looked up on an object's runtime class, and `==`
 * between a String and a string literal (or concatenation) compares contents.
 */
import type { Value } from '../protocol/wire-types';
import { signatureToName } from '../mirror/names';
import type { Expr, ParsedExpression } from './ast';
import { EvalError, EvalErrorCode } from './errors';
import { evalExpr } from './evaluator';
import { JDWP } from '../registry';
import { stringOf, toJdwpValue, typeNameOf, typeOf, unbox } from './operands';
import { parseExpression } from './parser';
import { Scope, type EvalContext, type EvalOptions } from './scope';
import { parseTemplate, type ParsedTemplate } from './template';

export { EvalError, EvalErrorCode, caretLine, formatEvalError, type EvalErrorCodeValue } from './errors';
export { parseExpression } from './parser';
export { parseTemplate, type ParsedTemplate } from './template';
export { tokenize, type Token, type TokenKind } from './lexer';
export type * from './ast';
export type { EvalContext, EvalOptions } from './scope';

/** The outcome of an evaluation. */
export interface EvalResult {
  /** The value as JDWP carries it (a String made by the evaluator is created in the target). */
  value: Value;
  /** The static type as a JNI signature: `I`, `Ljava/lang/String;`; 'null' for the null literal, `V` for void. */
  type: string;
  /** The static type as a Java name: `int`, `java.lang.String`, `null`, `void`. */
  typeName: string;
  /** For a String result: its text, so callers need not read it back. */
  text?: string;
}

const parsed = new Map<string, ParsedExpression>();

/** Parses with a small cache, since conditions and logpoints run the same text again and again. */
function parseCached(source: string): ParsedExpression {
  let p = parsed.get(source);
  if (!p) {
    p = parseExpression(source);
    if (parsed.size >= 500) parsed.clear();
    parsed.set(source, p);
  }
  return p;
}

function rootOf(expr: string | ParsedExpression | Expr): Expr {
  if (typeof expr === 'string') return parseCached(expr).root;
  return 'root' in expr ? expr.root : expr;
}

/** Runs `body` with a fresh scope, letting the target collect what the evaluation made once it is over. */
async function withScope<T>(context: EvalContext, options: EvalOptions, body: (scope: Scope) => Promise<T>): Promise<T> {
  const scope = new Scope(context.mirror, context.thread, context.frame, options);
  try {
    return await body(scope);
  } finally {
    scope.release();
  }
}

/** Evaluates an expression (source text or a parsed tree) in a suspended thread's frame. */
export function evaluate(expr: string | ParsedExpression | Expr, context: EvalContext, options: EvalOptions = {}): Promise<EvalResult> {
  const root = rootOf(expr);
  return withScope(context, options, async (scope) => {
    const v = await evalExpr(root, scope);
    const type = typeOf(v);
    const text = v.kind === 'text' ? v.value : v.kind === 'ref' && v.tag === JDWP.Tag.STRING ? await scope.mirror.stringValue(v.id) : undefined;
    return {
      value: await toJdwpValue(scope, v),
      type,
      typeName: type === 'null' ? 'null' : signatureToName(type),
      ...(text !== undefined ? { text } : {}),
    };
  });
}

/** Evaluates a breakpoint condition: a boolean (or Boolean) expression; anything else is EvalError 2003. */
export function evaluateCondition(expr: string | ParsedExpression | Expr, context: EvalContext, options: EvalOptions = {}): Promise<boolean> {
  const root = rootOf(expr);
  return withScope(context, options, async (scope) => {
    const v = await evalExpr(root, scope);
    if (v.kind === 'null' && v.sig === 'Ljava/lang/Boolean;') throw new EvalError(EvalErrorCode.NULL_POINTER, 'the condition is a null Boolean', root.pos + 1);
    const p = v.kind === 'prim' ? v : await unbox(scope, v);
    if (!p || p.sig !== 'Z') {
      throw new EvalError(EvalErrorCode.TYPE_ERROR, `a condition must be boolean, found ${p ? signatureToName(p.sig) : typeNameOf(v)}`, root.pos + 1);
    }
    return p.value as boolean;
  });
}

/** Evaluates an expression to its text, as String.valueOf would write it (objects through toString()). */
export function evaluateToString(expr: string | ParsedExpression | Expr, context: EvalContext, options: EvalOptions = {}): Promise<string> {
  const root = rootOf(expr);
  return withScope(context, options, async (scope) => stringOf(scope, await evalExpr(root, scope), root.pos));
}

/** Options of interpolate. */
export interface InterpolateOptions extends EvalOptions {
  /** 'inline' (default) writes `{!message}` in place of an expression that failed; 'throw' rethrows its EvalError. */
  onError?: 'inline' | 'throw';
}

/**
 * Fills a logpoint template, `'text {expr} more {expr2}'`: each `{expr}` becomes String.valueOf(expr).
 * Expressions share one frame lookup; errors carry columns in the whole template.
 */
export async function interpolate(template: string | ParsedTemplate, context: EvalContext, options: InterpolateOptions = {}): Promise<string> {
  const t = typeof template === 'string' ? parseTemplate(template) : template;
  return withScope(context, options, async (scope) => {
    let out = '';
    for (const part of t.parts) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      try {
        out += await stringOf(scope, await evalExpr(part.expression.root, scope), part.expression.root.pos);
      } catch (err) {
        const shifted = err instanceof EvalError && err.column !== undefined ? new EvalError(err.code, err.detail, err.column + part.offset, err.exception) : err;
        if (options.onError === 'throw' || !(shifted instanceof EvalError)) throw shifted;
        out += `{!${shifted.detail}}`;
      }
    }
    return out;
  });
}
