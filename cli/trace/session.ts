import { ExitCode } from '../exit-codes';
import { Binder } from './bind';
import { TraceError, type TraceExitCode } from './errors';
import { HIT_DEADLINE_MS, HitHandler, type HitHost } from './hit';
import { Gate, type Clock } from './limits';
import type { SessionPlan } from './options';
import { Output, type Io } from './output';
import type { Probe } from './probe';
import { ProbeRun, type DoneReason } from './probe-run';
import { Stats } from './summary';
import { Target, type NodeState } from './target';

/** How often pending probes are checked, in ms. */
const PENDING_POLL_MS = 250;
/** How often the virtual VM's node list is read, in ms. */
const NODE_POLL_MS = 1000;
/** The longest each cleanup step (clearing requests, Dispose) may take, in ms. */
const CLEANUP_TIMEOUT_MS = 5000;

/** How a session runs: where it writes, what interrupts it, and a hook for tests. */
export interface SessionOptions {
  io: Io;
  /** Aborting ends the session as Ctrl-C does (exit code 130). */
  signal?: AbortSignal;
  clock?: Clock;
  /** Called after the requests are cleared and threads resumed, before Dispose, on a live target. */
  beforeDispose?: (target: Target) => Promise<void>;
}

interface End {
  reason: string;
  exitCode: TraceExitCode;
  /** A one-line error to print. */
  error?: string;
}

const DONE_TEXT: Record<DoneReason, string> = {
  'max-hits': 'its --max-hits reached',
  'per-node': 'its --per-node reached on every node',
  'switched-off': 'switched off on every node',
  'bad-expression': 'its --when cannot be evaluated',
};

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p.catch(() => fallback), new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)))]).finally(() => clearTimeout(timer));
}

/** One trace session: connect, bind the probes, handle hits until something ends it, then clean up. */
class TraceSession implements HitHost {
  target!: Target;
  binder!: Binder;
  readonly output: Output;
  readonly stats = new Stats();
  readonly gate: Gate;
  ending = false;
  private readonly runs = new Map<Probe, ProbeRun>();
  private readonly handler: HitHandler;
  private readonly clock: Clock;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly started: number;
  private finish!: (end: End) => void;
  private readonly finished = new Promise<End>((resolve) => (this.finish = resolve));
  private lost = false;
  private upNodes = new Set<string>();

  constructor(
    private readonly plan: SessionPlan,
    private readonly options: SessionOptions,
  ) {
    this.clock = options.clock ?? (() => performance.now());
    this.started = this.clock();
    this.output = new Output(options.io, plan.json, plan.command);
    this.gate = new Gate(plan.limits, this.clock);
    for (const p of plan.probes) this.runs.set(p, new ProbeRun(p, this.clock));
    this.handler = new HitHandler(this, this.clock);
  }

  run(probe: Probe): ProbeRun {
    return this.runs.get(probe)!;
  }

  async execute(): Promise<number> {
    this.target = await Target.connect(this.plan.connect, this.plan.tlsCa);
    const vm = this.target.vm;
    if (this.plan.requestScope) {
      if (!this.target.fabric) {
        this.target.vm.close();
        throw new TraceError(ExitCode.USAGE, `--request needs the virtual VM (jdwp-fabric proxy); ${this.target.address} is a plain JVM`);
      }
      await vm.Fabric.SetRequestScope(this.plan.requestScope);
    }
    this.binder = new Binder(this.target);
    vm.on('event', (e) => this.handler.onEvent(e));
    vm.on('close', (reason?: Error) => {
      this.lost = true;
      this.end({ reason: 'target lost', exitCode: ExitCode.TARGET_LOST, error: `lost the target ${this.target.address}: ${reason?.message ?? 'connection closed'}` });
    });
    const onAbort = () => this.end({ reason: 'interrupted', exitCode: ExitCode.INTERRUPTED });
    this.options.signal?.addEventListener('abort', onAbort);
    if (this.options.signal?.aborted) onAbort();
    let setUp = false;
    try {
      await this.start();
      setUp = true;
    } catch (err) {
      const exitCode = err instanceof TraceError ? err.exitCode : ExitCode.FAILURE;
      this.end({ reason: 'failed', exitCode, error: (err as Error).message });
    }
    const end = await this.finished;
    this.options.signal?.removeEventListener('abort', onAbort);
    return this.cleanUp(end, setUp);
  }

  private async start(): Promise<void> {
    const nodes = await this.target.refreshNodes();
    this.upNodes = new Set(nodes.filter((n) => n.state === 'up').map((n) => n.name));
    const bound = new Map<Probe, boolean>();
    for (const probe of this.plan.probes) {
      if (this.ending) return;
      await this.binder.bind(probe);
      bound.set(probe, await this.binder.isBound(probe));
    }
    const where = this.target.fabric ? `the virtual VM at ${this.target.address} over ${this.upNodes.size} node(s) (${[...this.upNodes].join(', ')})` : `${this.target.address} (${this.target.description})`;
    this.output.notice(`tracing ${this.plan.probes.length} probe(s) on ${where}; Ctrl-C ends the session`, { address: this.target.address, fabric: this.target.fabric, nodes: [...this.upNodes] });
    for (const [probe, isBound] of bound) {
      if (isBound) await this.announceBound(probe);
      else this.watchPending(probe);
    }
    if (this.plan.durationMs !== undefined) this.after(this.plan.durationMs, () => this.end({ reason: '--duration reached', exitCode: ExitCode.OK }));
    if (this.target.fabric) this.every(NODE_POLL_MS, () => this.pollNodes());
  }

  private async announceBound(probe: Probe): Promise<void> {
    if (!this.target.fabric) {
      this.output.notice(`probe ${probe.label}: bound`, { probe: probe.label, bound: true });
      return;
    }
    const eligible = await this.binder.eligibleNodes(probe);
    this.output.notice(`probe ${probe.label}: bound on ${eligible} of ${this.upNodes.size} node(s)`, { probe: probe.label, boundNodes: eligible, totalNodes: this.upNodes.size });
  }

  /** Waits for a probe's class to load, and ends the session when it has not within the load timeout. */
  private watchPending(probe: Probe): void {
    const timeout = this.plan.loadTimeoutMs;
    this.output.notice(`probe ${probe.label}: ${probe.where.className} is not loaded ${this.target.fabric ? 'on any node ' : ''}yet; waiting for it${timeout ? ` (up to ${timeout / 1000} s)` : ''}`, { probe: probe.label, pending: true });
    const since = this.clock();
    let checking = false;
    const timer = this.every(PENDING_POLL_MS, async () => {
      if (checking) return;
      checking = true;
      try {
        if (await this.binder.isBound(probe)) {
          this.stopTimer(timer);
          await this.announceBound(probe);
        } else if (timeout && this.clock() - since >= timeout) {
          this.stopTimer(timer);
          const err = await this.binder.unboundError(probe, timeout);
          this.end({ reason: 'failed', exitCode: err.exitCode, error: err.message });
        }
      } finally {
        checking = false;
      }
    });
  }

  private async pollNodes(): Promise<void> {
    const nodes: NodeState[] = await this.target.refreshNodes();
    const up = new Set(nodes.filter((n) => n.state === 'up').map((n) => n.name));
    const at = `${((this.clock() - this.started) / 1000).toFixed(1)} s`;
    for (const name of up) {
      if (this.upNodes.has(name)) continue;
      this.stats.nodeEvents.push(`node ${name} joined at ${at}`);
      this.output.notice(`node ${name} joined (${up.size} up)`, { node: name, joined: true });
    }
    for (const name of this.upNodes) {
      if (up.has(name)) continue;
      this.stats.nodeEvents.push(`node ${name} left at ${at}`);
      this.output.notice(`node ${name} left (${up.size} up)`, { node: name, left: true });
    }
    this.upNodes = up;
  }

  captured(run: ProbeRun, node: string): void {
    if (this.gate.quota.full()) {
      this.end({ reason: '--max-hits reached', exitCode: ExitCode.OK });
      return;
    }
    if (run.gate.quota.full()) this.probeDone(run, 'max-hits');
    else if (this.gate.quota.nodeFull(node) || run.gate.quota.nodeFull(node)) {
      const runs = this.gate.quota.nodeFull(node) ? [...this.runs.values()] : [run];
      for (const r of runs) void this.checkDone(r);
    }
  }

  switchOff(run: ProbeRun, node: string, reason: string): void {
    run.off.set(node, reason);
    this.stats.switchedOff.push({ probe: run.probe.label, node, reason });
    this.output.notice(`probe ${run.probe.label} switched off on ${node}: ${reason}`, { probe: run.probe.label, node, switchedOff: reason });
    if (!this.target.fabric) void this.binder.clear(run.probe);
    else void this.binder.disableOn(run.probe, node).catch(() => undefined);
    void this.checkDone(run);
  }

  conditionBroken(run: ProbeRun): void {
    this.probeDone(run, 'bad-expression');
  }

  classBound(probe: Probe): void {
    this.output.notice(`probe ${probe.label}: bound in a class loaded just now`, { probe: probe.label, bound: true });
  }

  vmDied(): void {
    this.lost = true;
    this.end({ reason: 'target lost', exitCode: ExitCode.TARGET_LOST, error: `the target ${this.target.address} ended (VMDeath)` });
  }

  /** A probe is done once it is closed (full or switched off) on as many nodes as run its class. */
  private async checkDone(run: ProbeRun): Promise<void> {
    if (run.done) return;
    const full = new Set([...this.gate.quota.byNode.keys(), ...run.gate.quota.byNode.keys()].filter((n) => this.gate.quota.nodeFull(n) || run.gate.quota.nodeFull(n)));
    const closed = new Set([...full, ...run.off.keys()]);
    const eligible = await this.binder.eligibleNodes(run.probe).catch(() => 0);
    if (run.done || eligible === 0 || closed.size < eligible) return;
    this.probeDone(run, [...closed].every((n) => run.off.has(n)) ? 'switched-off' : 'per-node');
  }

  private probeDone(run: ProbeRun, reason: DoneReason): void {
    if (run.done) return;
    run.done = reason;
    void this.binder.clear(run.probe);
    const runs = [...this.runs.values()];
    if (runs.length > 1) this.output.notice(`probe ${run.probe.label} done: ${DONE_TEXT[reason]}`, { probe: run.probe.label, done: reason });
    if (!runs.every((r) => r.done)) return;
    const reasons = new Set(runs.map((r) => r.done));
    if (reasons.size === 1 && reason === 'bad-expression') {
      this.end({ reason: 'bad expression', exitCode: ExitCode.BAD_EXPRESSION, error: `every probe is off: ${runs.length === 1 ? 'its' : 'their'} --when cannot be evaluated` });
    } else if (reasons.size === 1 && reason !== 'switched-off') {
      this.end({ reason: reason === 'max-hits' ? '--max-hits reached' : '--per-node reached on every node', exitCode: ExitCode.OK });
    } else this.end({ reason: reasons.size === 1 ? 'every probe is switched off' : 'every probe is done', exitCode: ExitCode.OK });
  }

  /** Starts the end of the session; the first reason wins. */
  end(end: End): void {
    if (this.ending) return;
    this.ending = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
    this.finish(end);
  }

  /** Waits for hits in progress, clears every request, resumes any thread still held, disposes, and sums up. */
  private async cleanUp(end: End, setUp: boolean): Promise<number> {
    await withTimeout(Promise.allSettled([...this.handler.inFlight]), HIT_DEADLINE_MS + 1000, []);
    let resumed = 0;
    if (!this.lost) {
      await withTimeout(this.binder.clearAll(), CLEANUP_TIMEOUT_MS, undefined);
      const stuck = [...this.handler.held].flatMap(([thread, n]) => Array.from({ length: n }, () => thread));
      resumed = stuck.length;
      await withTimeout(Promise.all(stuck.map((t) => this.handler.resume(t))), CLEANUP_TIMEOUT_MS, []);
      if (this.options.beforeDispose) await this.options.beforeDispose(this.target);
      await withTimeout(this.target.vm.dispose(), CLEANUP_TIMEOUT_MS, undefined);
    } else this.target.vm.close();
    if (end.error) this.output.error(end.error, { exitCode: end.exitCode });
    if (this.stats.nodes.size || (setUp && !end.error)) {
      const ending = { reason: end.reason, exitCode: end.exitCode, elapsedMs: this.clock() - this.started, cleared: this.binder.cleared, resumed };
      this.output.block(this.stats.toLines(this.plan.command, ending), this.stats.toJson(ending));
    }
    return end.exitCode;
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private every(ms: number, fn: () => Promise<void> | void): NodeJS.Timeout {
    const t = setInterval(() => {
      Promise.resolve(fn()).catch((err: Error) => {
        if (!this.ending && this.stats.error(err.message)) this.output.error(err.message);
      });
    }, ms);
    this.timers.add(t);
    return t;
  }

  private stopTimer(t: NodeJS.Timeout): void {
    clearInterval(t);
    this.timers.delete(t);
  }
}

/**
 * Runs a trace session to its end and resolves with its exit code. Connection failures reject with
 * TraceError; everything after connecting ends through one path that clears every request, resumes every
 * held thread and writes the summary.
 */
export function runSession(plan: SessionPlan, options: SessionOptions): Promise<number> {
  return new TraceSession(plan, options).execute();
}
