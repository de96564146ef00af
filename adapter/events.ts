import type { ThreadID } from '../jdwp/protocol/wire-types';
import type { Event_Composite_Event, Event_Composite_Events } from '../jdwp/protocol/spec-types';
import { JDWP } from '../jdwp/registry';
import type { AdapterContext } from './context';
import { cancelStep } from './stepping';

/** Why a thread stops, as a DAP stopped event tells it. */
export interface StopDecision {
  reason: 'breakpoint' | 'step' | 'exception' | 'pause' | 'entry' | 'function breakpoint' | 'restart';
  description?: string;
  text?: string;
  hitBreakpointIds?: number[];
}

/** What a handler wants: stop (with a stopped event), hold the VM silently ('hold'), or go on (undefined). */
export type EventDecision = StopDecision | 'hold' | undefined;

/** Handles one event and decides what happens to the threads it suspended. */
export type EventHandler = (event: Event_Composite_Events, suspendPolicy: number) => Promise<EventDecision> | EventDecision;

/**
 * Routes JDWP events to the handler of their request, one composite at a time per thread, and
 * makes exactly one decision per composite: one stopped event, or one resume of what the
 * composite suspended. A composite that suspended a thread goes through the thread model
 * (thread-model.ts) as it arrives, so that its decision and every request see one state.
 */
export class EventDispatcher {
  private readonly byRequest = new Map<number, EventHandler>();
  private readonly byKind = new Map<number, EventHandler>();
  private readonly queues = new Map<ThreadID | 0n, Promise<void>>();
  /** Composites being handled or waiting; tests and disconnect wait for them. */
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly ctx: AdapterContext) {}

  /** Routes the events of a request ID to a handler. */
  on(requestID: number, handler: EventHandler): void {
    this.byRequest.set(requestID, handler);
  }

  /** Stops routing a request ID. */
  off(requestID: number): void {
    this.byRequest.delete(requestID);
  }

  /** Handles events of a kind that no registered request claims (VMStart, VMDeath, automatic events). */
  onKind(eventKind: number, handler: EventHandler): void {
    this.byKind.set(eventKind, handler);
  }

  /** Resolves when no composite is being handled. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Takes one Event.Composite from the VM. */
  dispatch(composite: Event_Composite_Event): void {
    const withThread = composite.events.find((e) => 'thread' in e) as { thread: ThreadID } | undefined;
    const thread = withThread?.thread;
    const modelled = thread !== undefined && this.modelled(composite);
    if (modelled && !this.admit(thread)) return;
    const key = thread ?? 0n;
    this.inFlight++;
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.handle(composite, thread, modelled).catch((err) => this.failed(err))).finally(() => {
      if (this.queues.get(key) === next) this.queues.delete(key);
      if (--this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
    });
    this.queues.set(key, next);
  }

  /** Reports a failure of an event's handling, unless the session has ended (its connection closed under it). */
  private failed(err: unknown): void {
    if (!this.ctx.ended && !this.ctx.vm?.connection.closed) this.ctx.output(`jdwp-fabric: could not handle an event: ${(err as Error).message}`, 'stderr');
  }

  /**
   * True for a composite that suspended its own thread (SUSPEND_EVENT_THREAD, as every request of the adapter
   * asks), which the thread model decides on. A VM's start, and a SUSPEND_ALL composite, are not.
   */
  private modelled(composite: Event_Composite_Event): boolean {
    return composite.suspendPolicy === JDWP.SuspendPolicy.EVENT_THREAD && !composite.events.some((e) => e.eventKind === JDWP.EventKind.VM_START);
  }

  /** Enters a composite into the thread model; answers false when it is not to be decided (the model resumed it already). */
  private admit(thread: ThreadID): boolean {
    return this.ctx.model.onSuspendingEvent(thread);
  }

  private async handle(composite: Event_Composite_Event, thread: ThreadID | undefined, modelled: boolean): Promise<void> {
    const stops: StopDecision[] = [];
    let hold = false;
    for (const event of composite.events) {
      const handler = this.byRequest.get(event.requestID) ?? this.byKind.get(event.eventKind);
      if (!handler) continue;
      try {
        const decision = await handler(event, composite.suspendPolicy);
        if (decision === 'hold') hold = true;
        else if (decision) stops.push(decision);
      } catch (err) {
        this.ctx.output(`jdwp-fabric: error while handling a ${eventName(event.eventKind)} event: ${(err as Error).message}`, 'stderr');
      }
    }
    if (this.ctx.ended) return;
    if (modelled) {
      if (stops.length) void cancelStep(this.ctx, thread!);
      await this.ctx.model.decided(thread!, stops.length ? merged(stops) : undefined);
      return;
    }
    if (composite.suspendPolicy === JDWP.SuspendPolicy.ALL && (hold || stops.length)) {
      this.ctx.model.vmHolds++;
      if (stops.length && thread !== undefined) this.ctx.model.reportVmStop(thread, merged(stops));
      return;
    }
    if (hold && thread !== undefined && composite.suspendPolicy === JDWP.SuspendPolicy.EVENT_THREAD) {
      this.ctx.model.holdEventThread(thread);
      return;
    }
    await this.release(composite.suspendPolicy, thread);
  }

  /** Resumes what a composite's suspend policy suspended. */
  private async release(policy: number, thread: ThreadID | undefined): Promise<void> {
    const vm = this.ctx.vm;
    if (!vm || vm.connection.closed) return;
    try {
      if (policy === JDWP.SuspendPolicy.ALL) await vm.VirtualMachine.Resume();
      else if (policy === JDWP.SuspendPolicy.EVENT_THREAD && thread !== undefined) await vm.ThreadReference.Resume(thread);
    } catch (err) {
      if (!vm.connection.closed) this.ctx.output(`jdwp-fabric: could not resume after an event: ${(err as Error).message}`, 'stderr');
    }
  }
}

/** The one stop of a composite: the first decision's reason and texts, with every breakpoint that was hit. */
function merged(stops: StopDecision[]): StopDecision {
  const ids = [...new Set(stops.flatMap((s) => s.hitBreakpointIds ?? []))];
  return ids.length ? { ...stops[0], hitBreakpointIds: ids } : stops[0];
}

const KIND_NAMES = new Map<number, string>(Object.entries(JDWP.EventKind).map(([k, v]) => [v as number, k]));

/** The spec's name of an event kind. */
export function eventName(kind: number): string {
  return KIND_NAMES.get(kind) ?? `kind ${kind}`;
}
