import type { ThreadID } from '../../jdwp/protocol/wire-types';
import { EvalError, EvalErrorCode } from '../../jdwp/eval';
import { JDWP } from '../../jdwp/registry';
import type { Event_Composite_Event, Event_Composite_Events_Breakpoint } from '../../jdwp/protocol/spec-types';
import type { Binder } from './bind';
import { capture, conditionHolds } from './capture';
import { admit, type Clock, type Gate } from './limits';
import type { Output } from './output';
import type { Probe } from './probe';
import type { ProbeRun } from './probe-run';
import { SLOW_HITS_IN_A_ROW } from './probe';
import type { Stats } from './summary';
import type { Target } from './target';

const K = JDWP.EventKind;

/** The longest a hit may hold its thread: past it the thread is resumed and the hit given up. */
export const HIT_DEADLINE_MS = 5000;

/** Condition errors that every later hit at the same place would repeat. */
const STATIC_ERRORS = new Set<number>([EvalErrorCode.UNKNOWN_NAME, EvalErrorCode.TYPE_ERROR, EvalErrorCode.NO_SUCH_METHOD, EvalErrorCode.INVOKE_DISABLED]);

/** What the hit handler needs from its session. */
export interface HitHost {
  readonly target: Target;
  readonly binder: Binder;
  readonly output: Output;
  readonly stats: Stats;
  /** The session-wide limits. */
  readonly gate: Gate;
  /** True once the session is ending: hits are resumed untouched. */
  readonly ending: boolean;
  run(probe: Probe): ProbeRun;
  /** A hit was captured: the session checks its quotas. */
  captured(run: ProbeRun, node: string): void;
  /** A probe holds threads too long on a node. */
  switchOff(run: ProbeRun, node: string, reason: string): void;
  /** A probe's condition can never evaluate. */
  conditionBroken(run: ProbeRun): void;
  /** A class loaded later gave a probe its first or another location. */
  classBound(probe: Probe): void;
  /** The target announced its death. */
  vmDied(): void;
}

interface Printable {
  record: Record<string, unknown>;
  log?: string;
}

/** The result of one probe's hit within a composite event. */
interface HitResult {
  run: ProbeRun;
  /** True when the hit did work on the thread (a condition or a capture), so its pause counts toward slowness. */
  worked: boolean;
  print?: Printable;
}

/**
 * Handles events: each breakpoint hit is filtered by its condition and the limits, captured, its thread
 * resumed, then printed. Every event that suspended a thread gets exactly one resume, whatever happens.
 */
export class HitHandler {
  /** Composite events being handled. */
  readonly inFlight = new Set<Promise<void>>();
  /** Threads an event suspended that are not resumed yet, with how many times. */
  readonly held = new Map<ThreadID, number>();

  constructor(
    private readonly host: HitHost,
    private readonly clock: Clock,
  ) {}

  /** Takes one composite event from the target. */
  onEvent(e: Event_Composite_Event): void {
    const p = this.handle(e).catch((err: Error) => {
      if (this.host.stats.error(`internal: ${err.message}`)) this.host.output.error(`internal error handling an event: ${err.message}`);
    });
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async handle(e: Event_Composite_Event): Promise<void> {
    const start = this.clock();
    const wallClock = Date.now();
    const first = e.events.find((ev) => 'thread' in ev) as { thread: ThreadID } | undefined;
    const thread = first?.thread;
    const suspended = e.suspendPolicy !== JDWP.SuspendPolicy.NONE && thread !== undefined;
    if (suspended) this.held.set(thread, (this.held.get(thread) ?? 0) + 1);
    const results: HitResult[] = [];
    let node = '';
    const work = (async () => {
      for (const ev of e.events) {
        if (ev.eventKind === K.VM_DEATH) this.host.vmDied();
        else if (ev.eventKind === K.CLASS_PREPARE && this.host.binder.isWatch(ev.requestID)) {
          const probe = await this.host.binder.onClassPrepare(ev);
          if (probe) this.host.classBound(probe);
        } else if (ev.eventKind === K.BREAKPOINT) {
          const probe = this.host.binder.probeOf(ev.requestID);
          if (!probe) continue;
          node ||= await this.host.target.nodeOf(ev.thread);
          results.push(await this.hit(this.host.run(probe), ev, node, wallClock));
        }
      }
    })().catch((err: Error) => {
      if (!this.host.ending && this.host.stats.error(`event: ${err.message}`)) this.host.output.error(`an event could not be handled: ${err.message}`);
    });
    const finished = await deadline(work, HIT_DEADLINE_MS);
    if (suspended) await this.resume(thread);
    if (!finished) {
      const message = `a hit held its thread for over ${HIT_DEADLINE_MS} ms and was given up (thread resumed)`;
      if (this.host.stats.error(message)) this.host.output.error(message);
      void work.finally(() => this.host.target.mirror.invalidateThread(thread!)).catch(() => undefined);
      return;
    }
    const pauseMs = this.clock() - start;
    for (const r of results) {
      if (r.worked && r.run.slow.record(node, pauseMs) && !r.run.closedOn(node)) {
        this.host.switchOff(r.run, node, `${SLOW_HITS_IN_A_ROW} hits in a row held the thread over ${r.run.probe.maxPauseMs} ms (last ${pauseMs.toFixed(1)} ms)`);
      }
      if (r.print) {
        r.print.record.pauseMs = Math.round(pauseMs * 100) / 100;
        this.host.output.hit(r.print.record, r.print.log);
      }
    }
  }

  /** Resumes a thread one of our events suspended, once. */
  async resume(thread: ThreadID | undefined): Promise<void> {
    if (thread === undefined) return;
    const n = this.held.get(thread) ?? 0;
    if (n <= 1) this.held.delete(thread);
    else this.held.set(thread, n - 1);
    this.host.target.mirror.invalidateThread(thread);
    await this.host.target.vm.ThreadReference.Resume(thread).catch(() => undefined);
  }

  private async hit(run: ProbeRun, ev: Event_Composite_Events_Breakpoint, node: string, wallClock: number): Promise<HitResult> {
    const { stats, target } = this.host;
    const probe = run.probe;
    if (this.host.ending || run.closedOn(node)) {
      stats.count(node, probe.label, 'ignored');
      return { run, worked: false };
    }
    // One command for the stop through the virtual VM, and one ThreadReference.Frames for the whole stack, which
    // every later frame lookup of this hit reuses (answered from the stop's snapshot when there is one).
    target.snapshots?.take(ev.thread);
    target.mirror.frames(ev.thread).catch(() => undefined);
    if (probe.whenExpr) {
      let holds: boolean;
      try {
        holds = await conditionHolds(target.mirror, ev.thread, probe, probe.whenExpr);
        run.conditionWorked = true;
      } catch (err) {
        stats.count(node, probe.label, 'errors');
        const message = `${probe.label}: --when "${probe.when}" failed: ${(err as Error).message}${err instanceof EvalError ? ` (error ${err.code})` : ''}`;
        if (stats.error(message)) this.host.output.error(message, { probe: probe.label, node });
        if (err instanceof EvalError && STATIC_ERRORS.has(err.code) && !run.conditionWorked) this.host.conditionBroken(run);
        return { run, worked: true };
      }
      if (!holds) {
        stats.count(node, probe.label, 'filtered');
        return { run, worked: true };
      }
    }
    const refusal = admit([this.host.gate, run.gate], node);
    if (refusal) {
      stats.count(node, probe.label, refusal === 'rate' ? 'skipped' : 'ignored');
      return { run, worked: true };
    }
    const hitNumber = run.gate.quota.count;
    try {
      const [thread, cap] = await Promise.all([target.threadName(ev.thread, node), capture(target.mirror, ev.thread, probe, ev.location, target.callerChain)]);
      stats.count(node, probe.label, 'captured');
      this.host.captured(run, node);
      const { log, truncated, ...rest } = cap;
      const record: Record<string, unknown> = { time: new Date(wallClock).toISOString(), probe: probe.label, hit: hitNumber, node, thread, ...rest };
      if (log !== undefined && this.host.output.json) record.log = log;
      record.truncated = truncated;
      const line = log === undefined ? undefined : target.fabric ? `[${node}] ${log}` : log;
      return { run, worked: true, print: { record, log: line } };
    } catch (err) {
      stats.count(node, probe.label, 'errors');
      const message = `${probe.label}: capture failed: ${(err as Error).message}`;
      if (stats.error(message)) this.host.output.error(message, { probe: probe.label, node });
      this.host.captured(run, node);
      return { run, worked: true };
    }
  }
}

/** Resolves true when the work settles within `ms`, false otherwise. */
async function deadline(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
