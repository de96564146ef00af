import { ContinuedEvent, StoppedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ThreadID } from '../jdwp/protocol/wire-types';
import { slotOf } from '../jdwp/vm/ids';
import type { AdapterContext } from './context';
import type { StopDecision } from './events';

/**
 * What the adapter knows of a thread. `running`: the adapter holds no suspension of it. `deciding`: an event of
 * ours suspended it and its handler (condition, hit count, logpoint, step filter) is deciding. `stopped`: the
 * client was sent a stopped event for it and has not continued it. `held`: suspended by the adapter with the
 * rest of its node (or cluster) while another thread of it is stopped; the client was not told it stopped.
 * Every thread that is not running carries exactly one suspension of the adapter's, which one resume undoes.
 */
export type RunState = 'running' | 'deciding' | 'stopped' | 'held';

/** One thread as the adapter knows it: running or suspended, why, and since which event or request. */
export interface ThreadState {
  readonly thread: ThreadID;
  /** The node's slot through the virtual VM (ID / 10^15); 0 for a plain JVM. */
  readonly node: number;
  state: RunState;
  /** Why it is suspended: a stop reason ("breakpoint", "step", "pause", ...), "hold", or "event" while deciding. */
  why: string;
  /** The sequence number of the event or request that put it in this state (increasing over the session). */
  since: number;
  /**
   * True while the adapter's suspension is an event's: the thread waits inside its event, where JDWP lets methods
   * be invoked on it. A thread suspended by ThreadReference.Suspend (held, or paused while running) cannot invoke.
   */
  byEvent: boolean;
}

/** The key of what a stop suspends: a node ("node:2"), the whole cluster ("cluster"), or only the thread (undefined). */
type Unit = string | undefined;

/**
 * The adapter's model of threads, per node. Every event the adapter asks for suspends only its own thread
 * (SUSPEND_EVENT_THREAD); a stop then suspends the rest of its node (suspendScope "node") or of the cluster
 * ("cluster") thread by thread, and a continue resumes exactly what it suspended. VM-wide suspensions are never
 * used for stops, because through the virtual VM VirtualMachine.Resume reaches every node, and because a thread
 * suspended twice cannot run an invocation (its implicit resume leaves it suspended).
 */
export class ThreadModel {
  private readonly threads = new Map<ThreadID, ThreadState>();
  /** Units suspended by a stop or pause until a continue releases them. */
  private readonly heldUnits = new Set<string>();
  /** Threads paused by the client while their event was being decided, with what the pause holds: they stop for the pause if the event does not stop them. */
  private readonly pausing = new Map<ThreadID, Unit>();
  /** The nodes seen in the last thread census. */
  private knownNodes = new Set<number>();
  /** Nodes the adapter no longer stops (their node session was disconnected): their events are resumed as decided. */
  private readonly freeNodes = new Set<number>();
  /** VM-wide suspensions the adapter holds (a VM that started suspended), each undone by VirtualMachine.Resume. */
  vmHolds = 0;
  private seq = 0;
  /** The thread of the last stopped event, where evaluations without a frame run. */
  lastStopped: ThreadID | undefined;

  constructor(private readonly ctx: AdapterContext) {}

  /** The node of a thread: its slot through the virtual VM, 0 for a plain JVM. */
  nodeOf(thread: ThreadID): number {
    return this.ctx.fabric ? slotOf(thread) : 0;
  }

  /** A thread's state, when the adapter has seen it. */
  get(thread: ThreadID): ThreadState | undefined {
    return this.threads.get(thread);
  }

  /** True when the client was told the thread stopped and has not continued it. */
  isStopped(thread: ThreadID): boolean {
    return this.threads.get(thread)?.state === 'stopped';
  }

  /** True when the adapter holds the thread suspended, stopped or held with its node. */
  isSuspended(thread: ThreadID): boolean {
    const s = this.threads.get(thread)?.state;
    return s === 'stopped' || s === 'held';
  }

  /** True when methods may be invoked on the thread: it waits inside an event of ours and runs no invocation already. */
  canInvoke(thread: ThreadID): boolean {
    const s = this.threads.get(thread);
    return s !== undefined && s.byEvent && s.state !== 'running' && !this.ctx.mirror?.invoking(thread);
  }

  /** The threads the client was told are stopped, oldest stop first. */
  stoppedThreads(): ThreadID[] {
    return [...this.threads.values()].filter((s) => s.state === 'stopped').sort((a, b) => a.since - b.since).map((s) => s.thread);
  }

  /** True when every thread of a node is suspended by the adapter: the node, or the cluster, is held and the node is not free. */
  isNodeHeld(node: number): boolean {
    return !this.freeNodes.has(node) && (this.heldUnits.has('cluster') || this.heldUnits.has(`node:${node}`));
  }

  /** The given threads of one node in the order a client shows them: stopped (latest stop first), then held, then running, each group in the given order. */
  stoppedFirst(threads: ThreadID[]): ThreadID[] {
    const rank = (t: ThreadID): number => {
      const s = this.threads.get(t);
      if (s?.state === 'stopped') return -s.since;
      return s?.state === 'held' ? 1 : 2;
    };
    return threads.map((t, i) => ({ t, i, r: rank(t) })).sort((a, b) => a.r - b.r || a.i - b.i).map(({ t }) => t);
  }

  private entry(thread: ThreadID): ThreadState {
    let s = this.threads.get(thread);
    if (!s) this.threads.set(thread, (s = { thread, node: this.nodeOf(thread), state: 'running', why: '', since: 0, byEvent: false }));
    return s;
  }

  private unitOf(thread: ThreadID): Unit {
    switch (this.ctx.settings.suspendScope) {
      case 'thread':
        return undefined;
      case 'cluster':
        return 'cluster';
      default:
        return `node:${this.nodeOf(thread)}`;
    }
  }

  private inUnit(unit: string, thread: ThreadID): boolean {
    return unit === 'cluster' || unit === `node:${this.nodeOf(thread)}`;
  }

  /**
   * Called as an event that suspended its thread arrives, before any other event is handled. Answers whether
   * the event is to be decided: an event of code invoked on the thread, or of a thread the adapter already
   * holds for a decision or a stop, is resumed at once (the adapter's own suspension stays); a held thread's
   * own event is decided while the hold keeps it suspended.
   */
  onSuspendingEvent(thread: ThreadID): boolean {
    const s = this.entry(thread);
    if (this.ctx.mirror?.invoking(thread) || s.state === 'deciding' || s.state === 'stopped') {
      this.resumeOnce(thread);
      return false;
    }
    if (s.state === 'held') this.resumeOnce(thread);
    this.set(s, 'deciding', 'event');
    return true;
  }

  /**
   * Applies the decision on a thread's event: a stop suspends the thread's unit and tells the client (exactly one
   * stopped event); otherwise the thread is resumed, once, unless its unit is held, where it stays held.
   */
  async decided(thread: ThreadID, stop: StopDecision | undefined): Promise<void> {
    const s = this.threads.get(thread);
    if (!s || s.state !== 'deciding') return;
    let unit = this.unitOf(thread);
    if (this.pausing.has(thread) && !stop) {
      stop = { reason: 'pause' };
      unit = this.pausing.get(thread);
    }
    this.pausing.delete(thread);
    if (this.freeNodes.has(s.node)) stop = undefined;
    if (!stop) {
      if (this.isNodeHeld(s.node)) this.set(s, 'held', 'hold');
      else await this.resumeThread(s);
      return;
    }
    // The stop's snapshot is read while the unit is being held.
    this.ctx.snapshots?.take(thread);
    if (unit) await this.holdUnit(unit);
    if (this.ctx.ended || this.threads.get(thread) !== s || s.state !== 'deciding') return;
    // The node was let go while its unit was being held.
    if (this.freeNodes.has(s.node)) return this.resumeThread(s);
    this.set(s, 'stopped', stop.reason);
    this.sendStopped(thread, stop, this.allStopped());
  }

  /** Keeps a thread its own event suspended, silently (a VM start held until configurationDone). */
  holdEventThread(thread: ThreadID): void {
    const s = this.entry(thread);
    this.set(s, 'deciding', 'event');
    this.set(s, 'held', 'start');
  }

  /** Reports a stop of an event that suspended the whole VM (kept in vmHolds, released by VirtualMachine.Resume). */
  reportVmStop(thread: ThreadID, stop: StopDecision): void {
    this.sendStopped(thread, stop, true);
  }

  private sendStopped(thread: ThreadID, stop: StopDecision, allThreadsStopped: boolean): void {
    this.lastStopped = thread;
    const event = new StoppedEvent(stop.reason, this.ctx.threadIds.number(thread)) as DebugProtocol.StoppedEvent;
    event.body.allThreadsStopped = allThreadsStopped;
    if (stop.description) event.body.description = stop.description;
    if (stop.text) event.body.text = stop.text;
    if (stop.hitBreakpointIds?.length) event.body.hitBreakpointIds = stop.hitBreakpointIds;
    this.ctx.snapshots?.take(thread);
    this.ctx.send(event);
  }

  /** The `pause` request: suspends the thread's unit (or the thread) and reports the thread stopped, unless it already is. */
  pause(thread: ThreadID): Promise<void> {
    return this.pauseIn(thread, this.unitOf(thread));
  }

  /** The `pause` of a node's session: suspends the thread's node whatever the suspend scope, and reports the thread stopped. */
  pauseNode(thread: ThreadID): Promise<void> {
    return this.pauseIn(thread, `node:${this.nodeOf(thread)}`);
  }

  /**
   * The `pause` of the cluster's session over node sessions: suspends every node not let go, and reports one
   * thread of each stopped for the pause (the first the VM lists), unless one of the node's threads already is.
   */
  async pauseCluster(): Promise<void> {
    const threads = await this.holdUnit('cluster');
    if (this.ctx.ended) return;
    const shown = new Set([...this.threads.values()].filter((s) => s.state === 'stopped').map((s) => s.node));
    for (const t of threads) {
      const s = this.threads.get(t);
      if (!s || s.state !== 'held' || shown.has(s.node) || this.freeNodes.has(s.node)) continue;
      shown.add(s.node);
      this.set(s, 'stopped', 'pause');
      this.sendStopped(t, { reason: 'pause' }, this.allStopped());
    }
  }

  private async pauseIn(thread: ThreadID, unit: Unit): Promise<void> {
    const s = this.entry(thread);
    if (s.state === 'stopped') return;
    if (s.state === 'deciding') {
      this.pausing.set(thread, unit);
      return;
    }
    if (unit) await this.holdUnit(unit);
    else if (s.state === 'running') {
      this.set(s, 'held', 'pause');
      await this.ctx.requireVm().ThreadReference.Suspend(thread);
    }
    if (s.state !== 'held' || this.threads.get(thread) !== s) return;
    this.set(s, 'stopped', 'pause');
    this.sendStopped(thread, { reason: 'pause' }, this.allStopped());
  }

  /**
   * Resumes after a stop: with `singleThread` only the thread; otherwise the thread's unit, that is every thread
   * held with it and every thread of it the client was told stopped before this request (each of those gets a
   * continued event); with no thread, everything the adapter holds, and with `perNode` each node that had a
   * thread suspended is told so by one continued event with allThreadsContinued (for node sessions, whose
   * client asked nothing). Answers true when no thread stays suspended by the adapter.
   */
  async resume(thread: ThreadID | undefined, singleThread: boolean, perNode = false): Promise<boolean> {
    const resumes: Array<Promise<void>> = [];
    const told: Array<[ThreadID, boolean]> = [];
    if (thread === undefined) {
      this.heldUnits.clear();
      const nodes = new Set<number>();
      for (const s of this.threads.values()) {
        if (s.state !== 'stopped' && s.state !== 'held') continue;
        if (perNode && !nodes.has(s.node)) told.push([s.thread, true]);
        nodes.add(s.node);
        resumes.push(this.resumeThread(s));
      }
    } else {
      const unit = this.unitOf(thread);
      const own = this.threads.get(thread);
      if (own && (own.state === 'stopped' || own.state === 'held')) resumes.push(this.resumeThread(own));
      if (unit === 'cluster' && !singleThread) {
        this.heldUnits.clear();
        for (const s of this.threads.values()) {
          if (s.thread === thread) continue;
          if (s.state === 'stopped') told.push([s.thread, false]);
          if (s.state === 'stopped' || s.state === 'held') resumes.push(this.resumeThread(s));
        }
      } else if (unit && !singleThread) this.releaseNode(this.nodeOf(thread), thread, resumes, told);
    }
    if (!singleThread) {
      const vm = this.ctx.vm;
      for (; this.vmHolds > 0; this.vmHolds--) if (vm && !vm.connection.closed) resumes.push(vm.VirtualMachine.Resume().then(() => undefined));
    }
    this.tell(told);
    await Promise.all(resumes);
    return this.vmHolds === 0 && ![...this.threads.values()].some((s) => s.state === 'stopped' || s.state === 'held');
  }

  /**
   * The `continue` of a node's session: resumes every thread of the node the adapter holds, whatever the suspend
   * scope; a cluster hold stays on the other nodes. `keep` (a thread about to step alone) stays stopped. Every
   * other thread of the node the client was told stopped gets a continued event. VM-wide holds stay.
   */
  async resumeNode(node: number, keep?: ThreadID): Promise<void> {
    const resumes: Array<Promise<void>> = [];
    const told: Array<[ThreadID, boolean]> = [];
    this.releaseNode(node, keep, resumes, told);
    this.tell(told);
    await Promise.all(resumes);
  }

  /** Lets a node go for the rest of the session (its node session was disconnected): resumed now, never stopped again. */
  async freeNode(node: number): Promise<void> {
    this.freeNodes.add(node);
    for (const t of [...this.pausing.keys()]) if (this.nodeOf(t) === node) this.pausing.delete(t);
    await this.resumeNode(node);
  }

  /** Releases a node's hold (turning a cluster hold into holds of the other nodes) and starts resuming its threads but `keep`. */
  private releaseNode(node: number, keep: ThreadID | undefined, resumes: Array<Promise<void>>, told: Array<[ThreadID, boolean]>): void {
    if (this.heldUnits.delete('cluster')) {
      const nodes = new Set([...this.knownNodes, ...[...this.threads.values()].map((s) => s.node)]);
      for (const n of nodes) this.heldUnits.add(`node:${n}`);
    }
    this.heldUnits.delete(`node:${node}`);
    for (const s of this.threads.values()) {
      if (s.node !== node || s.thread === keep) continue;
      if (s.state === 'stopped') told.push([s.thread, false]);
      if (s.state === 'stopped' || s.state === 'held') resumes.push(this.resumeThread(s));
    }
  }

  /** Sends continued events before any resume is answered, so that a new stop of a thread cannot come before its continued event. */
  private tell(told: Array<[ThreadID, boolean]>): void {
    for (const [t, all] of told) this.ctx.send(new ContinuedEvent(this.ctx.threadIds.number(t), all) as DebugProtocol.ContinuedEvent);
  }

  /** A thread started: on a held unit it is held too, so that a held node stays suspended. */
  threadStarted(thread: ThreadID): void {
    const s = this.entry(thread);
    this.knownNodes.add(s.node);
    if (!this.isNodeHeld(s.node) || s.state !== 'running') return;
    this.set(s, 'held', 'hold');
    this.ctx.vm?.ThreadReference.Suspend(thread).catch(() => undefined);
  }

  /** A thread died: the adapter forgets it. */
  threadDied(thread: ThreadID): void {
    this.threads.delete(thread);
    this.pausing.delete(thread);
    this.dropHandles(thread);
  }

  /** True when every thread of the target is suspended by the adapter's stops: every node known is held. */
  private allStopped(): boolean {
    if (this.knownNodes.size === 0) return this.heldUnits.has('cluster');
    return [...this.knownNodes].every((n) => this.isNodeHeld(n));
  }

  /**
   * Suspends every running thread of a unit, one by one, and marks them held; answers every thread the VM listed.
   * A continue that released the unit while the threads were listed does not undo this hold: it is for a stop or
   * pause that came after. Threads of nodes let go are left running.
   */
  private async holdUnit(unit: string): Promise<ThreadID[]> {
    this.heldUnits.add(unit);
    const vm = this.ctx.requireVm();
    const { threads } = await vm.VirtualMachine.AllThreads();
    this.knownNodes = new Set(threads.map((t) => this.nodeOf(t)));
    if (this.ctx.ended) return threads;
    this.heldUnits.add(unit);
    const suspends: Array<Promise<unknown>> = [];
    for (const t of threads) {
      if (!this.inUnit(unit, t) || this.freeNodes.has(this.nodeOf(t))) continue;
      const s = this.entry(t);
      if (s.state !== 'running') continue;
      this.set(s, 'held', 'hold');
      suspends.push(vm.ThreadReference.Suspend(t).catch(() => undefined));
    }
    await Promise.all(suspends);
    return threads;
  }

  /** Resumes a thread the adapter holds, and drops the handles that died with its frames. */
  private async resumeThread(s: ThreadState): Promise<void> {
    this.set(s, 'running', '');
    this.dropHandles(s.thread);
    const mirror = this.ctx.mirror;
    // A thread inside an invocation that timed out is resumed when the method returns (the target suspends it again then).
    if (mirror?.invoking(s.thread)) {
      void mirror.invocationsDone(s.thread).then(() => {
        if (s.state === 'running') this.resumeOnce(s.thread);
      });
      return;
    }
    await this.resumeOnce(s.thread);
  }

  /** One ThreadReference.Resume, written at once (before any later command); failures of a gone thread are ignored. */
  private resumeOnce(thread: ThreadID): Promise<void> {
    const vm = this.ctx.vm;
    if (!vm || vm.connection.closed) return Promise.resolve();
    return vm.ThreadReference.Resume(thread).then(
      () => undefined,
      () => undefined,
    );
  }

  private dropHandles(thread: ThreadID): void {
    this.ctx.frames.dropWhere((f) => f.thread === thread);
    this.ctx.vars.dropWhere((v) => (v as { thread?: ThreadID }).thread === thread);
    this.ctx.mirror?.invalidateThread(thread);
  }

  private set(s: ThreadState, state: RunState, why: string): void {
    if (state === 'deciding') s.byEvent = true;
    else if (state === 'running') s.byEvent = false;
    s.state = state;
    s.why = why;
    s.since = ++this.seq;
  }
}
