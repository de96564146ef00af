import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ThreadID } from '../jdwp/protocol/wire-types';
import { EvalError, EvalErrorCode, evaluate as evalJava, evaluateCondition, formatEvalError, interpolate, parseExpression, parseTemplate, type EvalContext, type EvalResult } from '../jdwp/eval';
import type { AdapterContext } from './context';
import { AdapterError, AdapterErrorCode } from './errors';
import { insideInvocation } from './stack';
import { slotOf } from '../jdwp/vm/ids';
import { variableOf } from './variables';

/** A parse problem of a breakpoint condition, as the breakpoint's message; undefined when it parses. */
export function checkCondition(condition: string): string | undefined {
  try {
    parseExpression(condition);
    return undefined;
  } catch (err) {
    return `condition "${condition}": ${(err as Error).message} (jdwp-fabric error ${err instanceof EvalError ? err.code : AdapterErrorCode.EVALUATION_FAILED})`;
  }
}

/** A parse problem of a logpoint message, as the breakpoint's message; undefined when it parses. */
export function checkLogMessage(message: string): string | undefined {
  try {
    parseTemplate(message);
    return undefined;
  } catch (err) {
    return `log message: ${(err as Error).message} (jdwp-fabric error ${err instanceof EvalError ? err.code : AdapterErrorCode.EVALUATION_FAILED})`;
  }
}

function topFrame(ctx: AdapterContext, thread: ThreadID): EvalContext {
  return { mirror: ctx.mirror, thread, frame: 0 };
}

/** Evaluates a breakpoint condition in the top frame of a thread stopped at the breakpoint. */
export async function conditionHolds(ctx: AdapterContext, thread: ThreadID, condition: string): Promise<{ holds: boolean; error?: string }> {
  try {
    return { holds: await evaluateCondition(condition, topFrame(ctx, thread)) };
  } catch (err) {
    return { holds: false, error: err instanceof EvalError ? formatEvalError(condition, err) : (err as Error).message };
  }
}

/** Expands the `{expr}` parts of a logpoint message in the top frame of a thread; a failing part reads `{!why}`. */
export async function logMessage(ctx: AdapterContext, thread: ThreadID, message: string): Promise<string> {
  try {
    return await interpolate(message, topFrame(ctx, thread));
  } catch (err) {
    return `${message} {!${(err as Error).message}}`;
  }
}

/** The thread an evaluation without a frameId runs in: the thread of the last stop while it is stopped, else the latest stop's. */
function defaultFrame(ctx: AdapterContext): ThreadID | undefined {
  const last = ctx.lastStoppedThread;
  if (last !== undefined && ctx.model.isStopped(last)) return last;
  return ctx.model.stoppedThreads().pop();
}

/** The adapter error of an expression that failed to parse or evaluate. */
export function evalFailure(expression: string, err: unknown, context?: string): AdapterError {
  if (err instanceof EvalError) {
    return new AdapterError(err.code, context === 'repl' ? formatEvalError(expression, err) : err.message);
  }
  if (err instanceof AdapterError) return err;
  return new AdapterError(AdapterErrorCode.EVALUATION_FAILED, `cannot evaluate "${expression}": ${(err as Error).message}`);
}

/** The `evaluate` request: hover (without running target code), watch, REPL and clipboard, in a frame. */
export async function evaluate(ctx: AdapterContext, args: DebugProtocol.EvaluateArguments): Promise<DebugProtocol.EvaluateResponse['body']> {
  let thread: ThreadID | undefined;
  let frame = 0;
  let remote = false;
  if (args.frameId !== undefined) {
    const f = ctx.frame(args.frameId);
    thread = f.thread;
    frame = f.depth;
    // A caller's frame on another node: its objects live there, where its thread waits in the call and runs nothing.
    remote = f.callerThread !== undefined && slotOf(f.callerThread) !== slotOf(f.thread);
  } else thread = defaultFrame(ctx);
  if (thread === undefined) throw new AdapterError(AdapterErrorCode.THREAD_NOT_SUSPENDED, 'evaluation needs a stopped thread: stop at a breakpoint or pause first');
  if (ctx.mirror.invoking(thread)) throw insideInvocation();
  const hover = args.context === 'hover';
  const invokable = ctx.model.canInvoke(thread) && !remote;
  let result: EvalResult;
  try {
    result = await evalJava(args.expression, { mirror: ctx.mirror, thread, frame }, { allowInvoke: !hover && invokable });
  } catch (err) {
    if (!hover && remote && err instanceof EvalError && err.code === EvalErrorCode.INVOKE_DISABLED) {
      throw new AdapterError(err.code, `${err.message}: this frame is a caller's, on another node, whose thread waits in its call and cannot run methods`);
    }
    if (!hover && !invokable && err instanceof EvalError && err.code === EvalErrorCode.INVOKE_DISABLED) {
      throw new AdapterError(err.code, `${err.message}: JDWP calls methods only on a thread stopped by a breakpoint, step or exception, not on a paused one`);
    }
    throw evalFailure(args.expression, err, args.context);
  }
  if (result.type === 'V') return { result: 'void', variablesReference: 0 };
  if (args.context === 'clipboard' && result.text !== undefined) return { result: result.text, variablesReference: 0 };
  const v = await variableOf(ctx, thread, args.expression, result.value, result.type === 'null' ? undefined : result.type, !hover && invokable);
  const body: DebugProtocol.EvaluateResponse['body'] = { result: v.value, variablesReference: v.variablesReference };
  if (v.type ?? result.typeName) body.type = v.type ?? result.typeName;
  if (v.indexedVariables !== undefined) body.indexedVariables = v.indexedVariables;
  if (v.namedVariables !== undefined) body.namedVariables = v.namedVariables;
  return body;
}
