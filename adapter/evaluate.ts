import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ThreadID, Value } from '../jdwp/codec/types';
import type { FrameRef } from './context';
import { EvalError } from '../jdwp/eval/errors';
import { parseExpression } from '../jdwp/eval/parser';
import type { AdapterContext } from './context';
import { AdapterError, AdapterErrorCode } from './errors';

/** A parse problem of a breakpoint condition, as the breakpoint's message; undefined when it parses. */
export function checkCondition(condition: string): string | undefined {
  try {
    parseExpression(condition);
    return undefined;
  } catch (err) {
    const code = err instanceof EvalError ? err.code : AdapterErrorCode.EVALUATION_FAILED;
    return `condition "${condition}": ${(err as Error).message} (jdwp-fabric error ${code})`;
  }
}

/** Evaluates a breakpoint condition in the top frame of a thread stopped at the breakpoint. */
export async function conditionHolds(ctx: AdapterContext, thread: ThreadID, condition: string): Promise<{ holds: boolean; error?: string }> {
  void ctx;
  void thread;
  return { holds: false, error: `conditions need the expression evaluator (${condition})` };
}

/** Expands the `{expr}` parts of a logpoint message in the top frame of a thread. */
export async function logMessage(ctx: AdapterContext, thread: ThreadID, message: string): Promise<string> {
  void ctx;
  void thread;
  return message;
}

/** The `evaluate` request: hover, watch and REPL expressions in a frame. */
export async function evaluate(ctx: AdapterContext, args: DebugProtocol.EvaluateArguments): Promise<DebugProtocol.EvaluateResponse['body']> {
  void ctx;
  throw new AdapterError(AdapterErrorCode.EVALUATION_FAILED, `cannot evaluate "${args.expression}" yet`);
}

/** Evaluates the new value of a setVariable request, in the frame when there is one. */
export async function evaluateForSet(ctx: AdapterContext, thread: ThreadID, frame: FrameRef | undefined, expression: string): Promise<Value> {
  void ctx;
  void thread;
  void frame;
  throw new AdapterError(AdapterErrorCode.SET_VARIABLE_FAILED, `cannot evaluate "${expression}" yet`);
}

/** Converts a value to a variable's declared type as Java assignment would, or fails with a clear message. */
export async function coerceForSet(ctx: AdapterContext, value: Value, signature: string): Promise<Value> {
  void ctx;
  void signature;
  return value;
}
