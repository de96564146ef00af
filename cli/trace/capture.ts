import type { Location, ThreadID, Value } from '../../jdwp/protocol/wire-types';
import { EvalError, evaluate, evaluateCondition, interpolate, type EvalContext, type EvalOptions, type ParsedExpression } from '../../jdwp/eval';
import type { VmMirror } from '../../jdwp/mirror';
import { snapshotAll, type Json } from '../../jdwp/values';
import type { Probe } from './probe';

/** Where a frame is: class, method, line (null without line information) and source file. */
export interface Place {
  class: string;
  method: string;
  line: number | null;
  source?: string;
}

/** One hop of a stitched stack: the caller's node, thread, edge and label, and its top frames as "Class.method:line". */
export interface CallerHop {
  node: string;
  thread: string;
  edge: string;
  label: string;
  frames: string[];
}

/** The hops of a thread's stitched stack (Fabric.CallerChain), where each caller's frames start in it. */
export type CallerChain = (thread: ThreadID) => Promise<Array<{ firstFrame: number; node: string; threadName: string; edge: string; label: string }>>;

/** What one hit captured, read while its thread was suspended. */
export interface Capture {
  location: Place;
  /** The thread's own top frames (a stitched stack's callers are in `callers`). */
  stack?: Place[];
  /** Through the virtual VM, for a thread serving a call whose caller waits: each caller, hop by hop. */
  callers?: CallerHop[];
  captures?: { [expression: string]: Json };
  locals?: { [name: string]: Json };
  /** True when a budget cut something. */
  truncated: boolean;
  /** The interpolated log line, for a probe with a template. */
  log?: string;
}

/** Prefixes that keep capture and local names apart in one shared snapshot budget. */
const CAPTURE_KEY = 'c:';
const LOCAL_KEY = 'l:';

/** The class, method, line and source file of a location. */
export async function placeOf(mirror: VmMirror, location: Location): Promise<Place> {
  const [type, method, line] = await Promise.all([
    mirror.type(location.classID),
    mirror.method(location.classID, location.methodID),
    mirror.lineOf(location),
  ]);
  return { class: type.name, method: method.name, line: line ?? null, ...(type.sourceFile ? { source: type.sourceFile } : {}) };
}

function evalOptions(probe: Probe): EvalOptions {
  return { allowInvoke: probe.invoke, maxInvocations: 20 };
}

/** Evaluates a probe's condition in the top frame; EvalErrors propagate. */
export function conditionHolds(mirror: VmMirror, thread: ThreadID, probe: Probe, when: ParsedExpression): Promise<boolean> {
  return evaluateCondition(when, { mirror, thread, frame: 0 }, evalOptions(probe));
}

async function captureValue(ctx: EvalContext, probe: Probe, expr: ParsedExpression): Promise<Value | { error: string; code: number }> {
  try {
    return (await evaluate(expr, ctx, evalOptions(probe))).value;
  } catch (err) {
    if (err instanceof EvalError) return { error: err.message, code: err.code };
    return { error: (err as Error).message, code: 0 };
  }
}

async function localValues(mirror: VmMirror, thread: ThreadID): Promise<Array<[string, Value]>> {
  const top = await mirror.frameAt(thread, 0);
  const vars = ((await mirror.visibleVariables(top.location)) ?? []).filter((v) => v.name !== 'this');
  const values = await mirror.localValues(top, vars);
  return vars.map((v, i) => [v.name, values[i]]);
}

/** A frame as `Class.method:line` (without `:line` where the method has no line information). */
function frameText(place: Place): string {
  return `${place.class}.${place.method}${place.line === null ? '' : `:${place.line}`}`;
}

/**
 * The thread's own top `depth` frames and, when its stack is stitched (`chain` through the virtual VM), the top `depth`
 * frames of each caller. The whole stack comes first, in the one ThreadReference.Frames the hit already asked for: the
 * virtual VM stitches the stack then (a second, concurrent stack command would search for the callers again), and
 * the chain tells its hops.
 */
async function stackAndCallers(mirror: VmMirror, thread: ThreadID, depth: number, chain?: CallerChain): Promise<{ stack: Place[]; callers: CallerHop[] }> {
  const total = chain ? (await mirror.frames(thread)).length : 0;
  const hops = chain ? (await chain(thread).catch(() => [])).filter((h) => h.firstFrame > 0 && h.firstFrame < total) : [];
  const places = (start: number, end: number) => mirror.frames(thread, start, Math.min(depth, end - start)).then((fs) => Promise.all(fs.map((f) => placeOf(mirror, f.location))));
  const [stack, ...callerFrames] = await Promise.all([
    hops.length ? places(0, hops[0].firstFrame) : mirror.frames(thread, 0, depth).then((fs) => Promise.all(fs.map((f) => placeOf(mirror, f.location)))),
    ...hops.map((h, i) => places(h.firstFrame, hops[i + 1]?.firstFrame ?? total)),
  ]);
  return {
    stack,
    callers: hops.map((h, i) => ({ node: h.node, thread: h.threadName, edge: h.edge, label: h.label, frames: callerFrames[i].map(frameText) })),
  };
}

/**
 * Reads what a probe wants from a suspended thread: the location, the top frames, the captured expressions
 * and the top frame's locals (one snapshot budget shared by captures and locals), and the log line.
 */
export async function capture(mirror: VmMirror, thread: ThreadID, probe: Probe, location: Location, chain?: CallerChain): Promise<Capture> {
  const ctx: EvalContext = { mirror, thread, frame: 0 };
  const [place, stacks, captured, locals, log] = await Promise.all([
    placeOf(mirror, location),
    probe.stack > 0 ? stackAndCallers(mirror, thread, probe.stack, chain) : undefined,
    Promise.all(probe.captures.map((c) => captureValue(ctx, probe, c.expr))),
    probe.locals ? localValues(mirror, thread) : undefined,
    probe.template ? interpolate(probe.template, ctx, evalOptions(probe)) : undefined,
  ]);
  const stack = stacks?.stack;
  const values: Array<[string, Value]> = [];
  const errors: { [key: string]: Json } = {};
  probe.captures.forEach((c, i) => {
    const v = captured[i];
    if ('tag' in v) values.push([CAPTURE_KEY + c.text, v]);
    else errors[c.text] = v;
  });
  for (const [name, v] of locals ?? []) values.push([LOCAL_KEY + name, v]);
  const budget = probe.budget;
  const snap = await snapshotAll(mirror, values, {
    thread,
    allowInvoke: probe.invoke,
    maxDepth: budget.depth,
    maxItems: budget.items,
    maxString: budget.string,
    maxBytes: budget.size,
  });
  const result: Capture = { location: place, truncated: snap.truncated };
  if (stack) result.stack = stack;
  if (stacks?.callers.length) result.callers = stacks.callers;
  if (probe.captures.length) {
    result.captures = {};
    for (const c of probe.captures) result.captures[c.text] = errors[c.text] ?? snap.value[CAPTURE_KEY + c.text] ?? null;
  }
  if (locals) {
    result.locals = {};
    for (const [name] of locals) if (LOCAL_KEY + name in snap.value) result.locals[name] = snap.value[LOCAL_KEY + name];
  }
  if (log !== undefined) result.log = log;
  return result;
}
