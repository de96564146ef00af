import { BreakpointEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Location, ReferenceTypeID } from '../jdwp/protocol/wire-types';
import { nameToSignature, type MethodInfo, type RefType } from '../jdwp/mirror';
import { JDWP } from '../jdwp/registry';
import type { Event_Composite_Events, EventRequest_Set_Modifier } from '../jdwp/protocol/spec-types';
import type { AdapterContext } from './context';
import { AdapterErrorCode, toAdapterError } from './errors';
import { parseHitCondition, type HitCondition } from './hit-conditions';
import type { StopDecision } from './events';
import { checkCondition, checkLogMessage, conditionHolds, logMessage } from './evaluate';

/** What a breakpoint does when hit, shared by line and function breakpoints. */
export interface Behaviour {
  condition?: string;
  hitCondition?: HitCondition;
  logMessage?: string;
}

/** One breakpoint the client set, with the JDWP requests that implement it. */
export interface Bp extends Behaviour {
  id: number;
  kind: 'line' | 'function' | 'entry';
  /** The key that decides whether a re-sent breakpoint is the same one. */
  key: string;
  /** The line the client asked for (line breakpoints). */
  line?: number;
  /** The method name (function breakpoints). */
  method?: string;
  /** The class the breakpoint is in (for messages). */
  className?: string;
  hits: number;
  verified: boolean;
  /** The line it is bound to, once bound. */
  boundLine?: number;
  message?: string;
  /** A problem that keeps it from ever binding (bad hit condition, bad condition). */
  invalid?: string;
  /** Why the last binding attempt failed, when it did. */
  failure?: string;
  /** True once the client removed it; requests that were being set when it went are cleared. */
  removed?: boolean;
  /** Breakpoint requests by the type they are set in. */
  requests: Map<ReferenceTypeID, number[]>;
  /** Types being bound or bound already, so ClassPrepare and setBreakpoints never bind twice. */
  seen: Set<ReferenceTypeID>;
}

/** The breakpoints of one group (one source file, or the function breakpoints, or the entry), with their ClassPrepare watches. */
export interface Group {
  bps: Bp[];
  /** Class patterns watched for ClassPrepare. */
  patterns: string[];
  prepareRequests: number[];
  /** Which breakpoints a newly prepared type may carry. */
  matches(type: RefType): Bp[];
}

/** The breakpoint state of a session. */
export class Breakpoints {
  readonly bySource = new Map<string, Group>();
  functions?: Group;
  entry?: Group;
  exceptionRequests: number[] = [];
  nextId = 1;
  /** setBreakpoints requests per source run one after another. */
  readonly queues = new Map<string, Promise<unknown>>();
}

const states = new WeakMap<AdapterContext, Breakpoints>();

/** The breakpoint state of a session, made on first use. */
export function state(ctx: AdapterContext): Breakpoints {
  let s = states.get(ctx);
  if (!s) states.set(ctx, (s = new Breakpoints()));
  return s;
}

/** Runs `task` after the earlier tasks of the same key (one request kind, one source file). */
export function serial<T>(ctx: AdapterContext, key: string, task: () => Promise<T>): Promise<T> {
  const s = state(ctx);
  const run = (s.queues.get(key) ?? Promise.resolve()).then(task, task);
  s.queues.set(
    key,
    run.catch(() => undefined),
  );
  return run;
}

function toClientLine(ctx: AdapterContext, line: number): number {
  return ctx.linesStartAt1 ? line : line - 1;
}

/** The DAP view of a breakpoint: verified, bound line and message. */
export function dapBreakpoint(ctx: AdapterContext, bp: Bp): DebugProtocol.Breakpoint {
  const out: DebugProtocol.Breakpoint = { id: bp.id, verified: bp.verified };
  const line = bp.boundLine ?? bp.line;
  if (line !== undefined) out.line = toClientLine(ctx, line);
  const message = bp.invalid ?? bp.message;
  if (message) out.message = message;
  return out;
}

/** A new breakpoint with the session's next ID, not yet bound. */
export function newBp(ctx: AdapterContext, kind: Bp['kind'], key: string, behaviour: Behaviour & { line?: number; method?: string }): Bp {
  return { ...behaviour, id: state(ctx).nextId++, kind, key, hits: 0, verified: false, requests: new Map(), seen: new Set() };
}

/** Reads condition, hit condition and log message of a DAP breakpoint; problems go to `invalid`. */
export function behaviourOf(src: { condition?: string; hitCondition?: string; logMessage?: string }): Behaviour & { invalid?: string } {
  const b: Behaviour & { invalid?: string } = {};
  if (src.condition?.trim()) {
    b.condition = src.condition.trim();
    const problem = checkCondition(b.condition);
    if (problem) b.invalid = problem;
  }
  if (src.hitCondition?.trim()) {
    try {
      b.hitCondition = parseHitCondition(src.hitCondition);
    } catch (err) {
      b.invalid = `${(err as Error).message} (jdwp-fabric error ${AdapterErrorCode.BAD_HIT_CONDITION})`;
    }
  }
  if (src.logMessage !== undefined && src.logMessage !== '') {
    b.logMessage = src.logMessage;
    const problem = checkLogMessage(b.logMessage);
    if (problem) b.invalid = problem;
  }
  return b;
}

// ---- hits ----

async function onHit(ctx: AdapterContext, bp: Bp, e: Event_Composite_Events): Promise<StopDecision | undefined> {
  if (!('thread' in e) || bp.removed) return undefined;
  const thread = e.thread;
  if (bp.condition !== undefined) {
    const verdict = await conditionHolds(ctx, thread, bp.condition);
    // The session ended while the condition was evaluated (its connection closed under it): nothing to report.
    if (ctx.ended) return undefined;
    if (verdict.error) {
      ctx.output(`Breakpoint condition "${bp.condition}" failed: ${verdict.error}`, 'stderr');
      return { reason: 'breakpoint', hitBreakpointIds: [bp.id], description: 'Breakpoint condition failed', text: verdict.error };
    }
    if (!verdict.holds) return undefined;
  }
  bp.hits++;
  if (bp.hitCondition && !bp.hitCondition.test(bp.hits)) return undefined;
  if (bp.logMessage !== undefined) {
    const text = await logMessage(ctx, thread, bp.logMessage);
    if (!ctx.ended) ctx.output(text, 'console');
    return undefined;
  }
  if (bp.kind === 'entry') {
    await clearEntry(ctx);
    return { reason: 'entry' };
  }
  return { reason: bp.kind === 'function' ? 'function breakpoint' : 'breakpoint', hitBreakpointIds: [bp.id] };
}

async function setRequest(ctx: AdapterContext, bp: Bp, location: Location): Promise<number> {
  const vm = ctx.requireVm();
  const modifiers: EventRequest_Set_Modifier[] = [{ modKind: 7, loc: location }];
  const { requestID } = await vm.EventRequest.Set(JDWP.EventKind.BREAKPOINT, JDWP.SuspendPolicy.EVENT_THREAD, modifiers);
  ctx.events.on(requestID, (e) => onHit(ctx, bp, e));
  return requestID;
}

/** Clears the JDWP requests of breakpoints and marks them removed. */
export async function clearRequests(ctx: AdapterContext, bps: Bp[]): Promise<void> {
  const vm = ctx.vm;
  const ids = bps.flatMap((bp) => [...bp.requests.values()].flat());
  for (const id of ids) ctx.events.off(id);
  for (const bp of bps) {
    bp.requests.clear();
    bp.removed = true;
  }
  if (!vm || vm.connection.closed) return;
  await Promise.all(ids.map((id) => vm.EventRequest.Clear(JDWP.EventKind.BREAKPOINT, id).catch(() => undefined)));
}

/** The "bound on b/t nodes" note of a breakpoint through the virtual VM, from Fabric.RequestInfo. */
async function boundNote(ctx: AdapterContext, bp: Bp): Promise<string | undefined> {
  if (!ctx.fabric || bp.requests.size === 0) return undefined;
  const vm = ctx.requireVm();
  const perType = await Promise.all(
    [...bp.requests.values()].map(async (ids) => {
      const infos = await Promise.all(ids.map((id) => vm.Fabric.RequestInfo(id).catch(() => undefined)));
      const known = infos.filter((i): i is NonNullable<typeof i> => i !== undefined);
      return known.length ? { bound: Math.max(...known.map((i) => i.boundNodes)), total: Math.max(...known.map((i) => i.totalNodes)) } : undefined;
    }),
  );
  const known = perType.filter((p): p is NonNullable<typeof p> => p !== undefined);
  if (!known.length) return undefined;
  const total = Math.max(...known.map((k) => k.total));
  const bound = Math.min(total, known.reduce((sum, k) => sum + k.bound, 0));
  return `bound on ${bound}/${total} nodes`;
}

// ---- binding ----

/** The locations a breakpoint binds to in one type. */
async function locationsIn(ctx: AdapterContext, bp: Bp, type: RefType): Promise<Array<{ location: Location; line?: number }>> {
  if (bp.kind === 'line') {
    return (await ctx.mirror.locationsOfLine(type, bp.line!)).map((location) => ({ location, line: bp.line }));
  }
  const methods = type.methods.filter((m) => m.name === bp.method && !m.isAbstract && !m.isNative);
  return Promise.all(methods.map(async (m) => firstLocation(ctx, type, m)));
}

async function firstLocation(ctx: AdapterContext, type: RefType, m: MethodInfo): Promise<{ location: Location; line?: number }> {
  const table = await ctx.mirror.lineTable(type.id, m.id);
  let index = table ? table.start : 0n;
  let line: number | undefined;
  if (table && table.lines.length) {
    const first = table.lines.reduce((a, b) => (b.index < a.index ? b : a));
    index = first.index;
    line = first.line;
  }
  return { location: { typeTag: type.tag, classID: type.id as Location['classID'], methodID: m.id, index }, line };
}

/** Binds a breakpoint in one type; answers true when it gained a request. A failure is kept for the message, never thrown. */
async function bindIn(ctx: AdapterContext, bp: Bp, type: RefType): Promise<boolean> {
  if (bp.invalid || bp.removed || bp.seen.has(type.id)) return false;
  bp.seen.add(type.id);
  try {
    const found = await locationsIn(ctx, bp, type);
    if (!found.length) return false;
    const ids = await Promise.all(found.map((f) => setRequest(ctx, bp, f.location)));
    if (bp.removed) {
      const orphan = { ...bp, requests: new Map([[type.id, ids]]) };
      await clearRequests(ctx, [orphan]);
      return false;
    }
    bp.requests.set(type.id, ids);
    bp.verified = true;
    bp.failure = undefined;
    bp.boundLine ??= found.find((f) => f.line !== undefined)?.line;
    return true;
  } catch (err) {
    bp.failure = `could not be set in ${type.name}: ${toAdapterError(err).message} (jdwp-fabric error ${AdapterErrorCode.BREAKPOINT_FAILED})`;
    return false;
  }
}

async function refreshMessage(ctx: AdapterContext, bp: Bp): Promise<void> {
  if (bp.invalid) return;
  const where = bp.className ?? 'its class';
  if (bp.verified) bp.message = await boundNote(ctx, bp);
  else if (bp.failure) bp.message = bp.failure;
  else if (bp.seen.size === 0) bp.message = `pending: ${where} is not loaded yet`;
  else if (bp.kind === 'line') bp.message = `pending: the loaded classes of ${where} have no code at line ${bp.line}`;
  else bp.message = `pending: no loaded ${where} has a method ${bp.method}`;
}

/** Watches a group's class patterns for ClassPrepare, binding its breakpoints in each new type. */
export async function watchGroup(ctx: AdapterContext, group: Group): Promise<void> {
  const vm = ctx.requireVm();
  const replies = await Promise.all(
    group.patterns.map((classPattern) => vm.EventRequest.Set(JDWP.EventKind.CLASS_PREPARE, JDWP.SuspendPolicy.EVENT_THREAD, [{ modKind: 5, classPattern }])),
  );
  group.prepareRequests = replies.map((r) => r.requestID);
  for (const id of group.prepareRequests) {
    ctx.events.on(id, async (e) => {
      if (e.eventKind !== JDWP.EventKind.CLASS_PREPARE) return undefined;
      const type = await ctx.mirror.type(e.typeID);
      await Promise.all(
        group.matches(type).map(async (bp) => {
          const before = JSON.stringify(dapBreakpoint(ctx, bp));
          const bound = await bindIn(ctx, bp, type);
          if (!bound && !(ctx.fabric && bp.verified)) return;
          await refreshMessage(ctx, bp);
          const now = dapBreakpoint(ctx, bp);
          if (JSON.stringify(now) !== before) ctx.send(new BreakpointEvent('changed', now) as DebugProtocol.BreakpointEvent);
        }),
      );
      return undefined;
    });
  }
}

/** Clears a group's ClassPrepare watches. */
export async function unwatchGroup(ctx: AdapterContext, group: Group): Promise<void> {
  const vm = ctx.vm;
  const ids = group.prepareRequests.splice(0);
  for (const id of ids) ctx.events.off(id);
  if (!vm || vm.connection.closed) return;
  await Promise.all(ids.map((id) => vm.EventRequest.Clear(JDWP.EventKind.CLASS_PREPARE, id).catch(() => undefined)));
}

/** Binds breakpoints in the loaded types that match them. */
export async function bindLoaded(ctx: AdapterContext, bps: Bp[], loaded: RefType[], matches: (type: RefType) => Bp[]): Promise<void> {
  await Promise.all(loaded.map((type) => Promise.all(matches(type).filter((bp) => bps.includes(bp)).map((bp) => bindIn(ctx, bp, type)))));
  await Promise.all(bps.map((bp) => refreshMessage(ctx, bp)));
}

/** The loaded types named `className` and every type nested in them. */
export async function loadedWithNested(ctx: AdapterContext, className: string): Promise<RefType[]> {
  const outer = await ctx.mirror.classesBySignature(nameToSignature(className));
  const nested = await Promise.all(outer.map((t) => ctx.mirror.nestedTypes(t, true).catch(() => [] as RefType[])));
  return [...outer, ...nested.flat()];
}

/**
 * Through the virtual VM: asks again on how many nodes each bound breakpoint is, and tells the
 * client about every message that changed (nodes joined or left).
 */
export async function refreshBoundNotes(ctx: AdapterContext): Promise<void> {
  if (!ctx.fabric) return;
  const s = state(ctx);
  const groups = [...s.bySource.values(), ...(s.functions ? [s.functions] : [])];
  await Promise.all(
    groups.flatMap((g) =>
      g.bps
        .filter((bp) => bp.verified)
        .map(async (bp) => {
          const before = bp.message;
          await refreshMessage(ctx, bp);
          if (bp.message !== before) ctx.send(new BreakpointEvent('changed', dapBreakpoint(ctx, bp)) as DebugProtocol.BreakpointEvent);
        }),
    ),
  );
}

/** For launch with stopOnEntry: a one-shot breakpoint at the start of `mainClass.main`. */
export async function installEntryBreakpoint(ctx: AdapterContext, mainClass: string): Promise<void> {
  const className = mainClass.includes('/') ? mainClass.slice(mainClass.indexOf('/') + 1) : mainClass;
  const bp = Object.assign(newBp(ctx, 'entry', 'entry', { method: 'main' }), { className });
  const group: Group = { bps: [bp], patterns: [className], prepareRequests: [], matches: (t) => (t.name === className ? [bp] : []) };
  state(ctx).entry = group;
  await watchGroup(ctx, group);
  await bindLoaded(ctx, [bp], await ctx.mirror.classesByName(className), group.matches);
}

/** Clears the entry breakpoint after its one hit. */
async function clearEntry(ctx: AdapterContext): Promise<void> {
  const group = state(ctx).entry;
  if (!group) return;
  state(ctx).entry = undefined;
  await Promise.all([clearRequests(ctx, group.bps), unwatchGroup(ctx, group)]);
}

