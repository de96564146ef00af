import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ThreadID } from '../jdwp/codec/types';
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
