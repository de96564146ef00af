import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ThreadID } from '../jdwp/protocol/wire-types';
import type { Event_Composite_Events } from '../jdwp/protocol/spec-types';
import { JDWP } from '../jdwp/registry';
import type { EventRequest_Set_Modifier } from '../jdwp/protocol/spec-types';
import type { AdapterContext } from './context';
import { AdapterError, AdapterErrorCode, toAdapterError } from './errors';
import type { StopDecision } from './events';
import { resume } from './threads';

/** One thread's step in progress. */
interface ActiveStep {
  requestID: number;
  /** The depth the user asked for; a detour out of a skipped method comes back to it. */
  depth: number;
  /** The reason to report when the step ends. */
  reason: StopDecision['reason'];
}

const steps = new WeakMap<AdapterContext, Map<ThreadID, ActiveStep>>();

function active(ctx: AdapterContext): Map<ThreadID, ActiveStep> {
  let m = steps.get(ctx);
  if (!m) steps.set(ctx, (m = new Map()));
  return m;
}

/** The ClassExclude patterns of the step filters. */
function excludes(ctx: AdapterContext): EventRequest_Set_Modifier[] {
  return ctx.settings.skipClasses.map((classPattern) => ({ modKind: 6 as const, classPattern }));
}

/** Clears a thread's pending step, if any (a breakpoint stopped it elsewhere, or a new step replaces it). */
export async function cancelStep(ctx: AdapterContext, thread: ThreadID): Promise<void> {
  const step = active(ctx).get(thread);
  if (!step) return;
  active(ctx).delete(thread);
  ctx.events.off(step.requestID);
  await ctx.vm?.EventRequest.Clear(JDWP.EventKind.SINGLE_STEP, step.requestID).catch(() => undefined);
}

async function request(ctx: AdapterContext, thread: ThreadID, depth: number, userDepth: number, reason: ActiveStep['reason']): Promise<void> {
  const vm = ctx.requireVm();
  const modifiers: EventRequest_Set_Modifier[] = [{ modKind: 10, thread, size: JDWP.StepSize.LINE, depth }, ...excludes(ctx)];
  const { requestID } = await vm.EventRequest.Set(JDWP.EventKind.SINGLE_STEP, JDWP.SuspendPolicy.EVENT_THREAD, modifiers);
  const step: ActiveStep = { requestID, depth: userDepth, reason };
  active(ctx).set(thread, step);
  ctx.events.on(requestID, (e) => onStep(ctx, thread, step, depth, e));
}

/** True when the step filters say the location's method is to be stepped through, not stopped in. */
async function skipped(ctx: AdapterContext, e: Event_Composite_Events): Promise<boolean> {
  if (!('location' in e)) return false;
  const method = await ctx.mirror.method(e.location.classID, e.location.methodID);
  const s = ctx.settings;
  if (s.skipSynthetics && method.isSynthetic && !method.name.startsWith('lambda$')) return true;
  if (s.skipStaticInitializers && method.name === '<clinit>') return true;
  if (s.skipConstructors && method.isConstructor) return true;
  return (await ctx.mirror.lineOf(e.location)) === undefined;
}

async function onStep(ctx: AdapterContext, thread: ThreadID, step: ActiveStep, depth: number, e: Event_Composite_Events): Promise<StopDecision | undefined> {
  if (active(ctx).get(thread) !== step) return undefined;
  await cancelStep(ctx, thread);
  const { OUT } = JDWP.StepDepth;
  if (await skipped(ctx, e)) {
    await request(ctx, thread, OUT, step.depth, step.reason);
    return undefined;
  }
  if (depth === OUT && step.depth !== OUT) {
    await request(ctx, thread, step.depth, step.depth, step.reason);
    return undefined;
  }
  return { reason: step.reason };
}

async function startStep(ctx: AdapterContext, args: { threadId: number; singleThread?: boolean }, depth: number, reason: ActiveStep['reason'] = 'step'): Promise<void> {
  const thread = ctx.thread(args.threadId);
  if (!ctx.isSuspended(thread)) throw new AdapterError(AdapterErrorCode.THREAD_NOT_SUSPENDED, 'the thread must be stopped to step');
  try {
    await cancelStep(ctx, thread);
    await request(ctx, thread, depth, depth, reason);
  } catch (err) {
    throw new AdapterError(AdapterErrorCode.STEP_FAILED, `could not step: ${toAdapterError(err).message}`);
  }
  await resume(ctx, thread, args.singleThread ?? false);
}

/** The `next` request: step over one line. */
export function next(ctx: AdapterContext, args: DebugProtocol.NextArguments): Promise<void> {
  return startStep(ctx, args, JDWP.StepDepth.OVER);
}

/** The `stepIn` request: step into the call on this line, or to the next line. */
export function stepIn(ctx: AdapterContext, args: DebugProtocol.StepInArguments): Promise<void> {
  return startStep(ctx, args, JDWP.StepDepth.INTO);
}

/** The `stepOut` request: run until the current method returns. */
export function stepOut(ctx: AdapterContext, args: DebugProtocol.StepOutArguments): Promise<void> {
  return startStep(ctx, args, JDWP.StepDepth.OUT);
}

/** After restartFrame popped frames: steps into the call again and reports the stop as a restart. */
export function stepAfterRestart(ctx: AdapterContext, thread: ThreadID): Promise<void> {
  return startStep(ctx, { threadId: ctx.threadIds.number(thread) }, JDWP.StepDepth.INTO, 'restart');
}
