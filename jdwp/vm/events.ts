import { offsetOf } from '../codec/offsets';
import type { CommandPacket } from '../codec/packet';
import { readIdAt } from '../codec/reader';
import type { ThreadID } from '../protocol/wire-types';
import { COMPOSITE, JDWP } from '../registry';
import type { Event_Composite_Event, Event_Composite_Events } from '../protocol/spec-types';
import type { Cluster } from './cluster';
import type { NodeLink } from './node-link';
import type { RequestManager } from './requests';
import type { SuspensionLedger } from './suspensions';
import { isRefType } from '../protocol/kinds';
import { VIRTUAL_SIZES } from './translate';

const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;

/** The debugger side the router forwards events to. */
export interface EventSink {
  readonly requests: RequestManager;
  /** The VM-wide suspensions the debugger holds. */
  readonly suspensions: SuspensionLedger;
  /** True once this debugger has been sent a VMStart. */
  vmStartSent: boolean;
  /** True once the debugger has gone. */
  readonly closed: boolean;
  /** Sends a virtual Event.Composite to the debugger. */
  sendEvent(data: Buffer): void;
}

/** Event kinds the hot path forwards: those of debugger requests that carry no proxy bookkeeping. */
const SIMPLE_KINDS = new Set<number>([
  K.SINGLE_STEP,
  K.BREAKPOINT,
  K.METHOD_ENTRY,
  K.METHOD_EXIT,
  K.METHOD_EXIT_WITH_RETURN_VALUE,
  K.MONITOR_CONTENDED_ENTER,
  K.MONITOR_CONTENDED_ENTERED,
  K.MONITOR_WAIT,
  K.MONITOR_WAITED,
  K.EXCEPTION,
  K.FIELD_ACCESS,
  K.FIELD_MODIFICATION,
]);

/** Where a composite holds its policy, its event count, and its first event's kind, request ID and thread (as every simple kind has them). */
const AT = {
  policy: offsetOf(COMPOSITE.out.fields, ['suspendPolicy'], VIRTUAL_SIZES),
  count: offsetOf(COMPOSITE.out.fields, ['events'], VIRTUAL_SIZES),
  kind: offsetOf(COMPOSITE.out.fields, ['events', 'eventKind'], VIRTUAL_SIZES),
  requestID: offsetOf(COMPOSITE.out.fields, ['events', 'requestID'], VIRTUAL_SIZES, K.BREAKPOINT),
  thread: offsetOf(COMPOSITE.out.fields, ['events', 'thread'], VIRTUAL_SIZES, K.BREAKPOINT),
};

function threadOf(ev: Event_Composite_Events): bigint | undefined {
  return 'thread' in ev ? (ev.thread as bigint) : undefined;
}

/**
 * Routes node events to the debugger: internal events (thread tracking, ClassPrepare watches) are absorbed,
 * requests get their virtual IDs back, a ClassPrepare of a class the debugger already knows is absorbed once
 * the node has the debugger's requests, Count modifiers count across the cluster, and the debugger sees one
 * VMStart. Whatever the debugger will not see is resumed as its suspend policy requires.
 */
export class EventRouter {
  /** The attached debugger, if any. */
  sink: EventSink | undefined;
  /** Nodes held suspended at their VMStart until a debugger attaches (--hold-start), with their start thread. */
  private readonly heldAtStart = new Map<NodeLink, bigint>();
  /** Set once the virtual VM has died: no event follows its VMDeath. */
  private dead = false;
  /** Per node, the proxy's own VM_DEATH request (SUSPEND_ALL holds the exiting node while its names are read). */
  private readonly deathWatches = new Map<NodeLink, number>();
  /** Events of no request the debugger holds (a raw request left behind on a node, or one in flight), absorbed and resumed. */
  strayEvents = 0;

  constructor(
    private readonly cluster: Cluster,
    /** Keep nodes that start suspended (their VMStart has policy ALL) suspended until a debugger attaches. */
    private readonly holdStart = false,
  ) {}

  /** Serves one command packet a node sent; an event that cannot be routed is dropped and its thread resumed. */
  async onNodeEvent(link: NodeLink, packet: CommandPacket): Promise<void> {
    if (packet.commandSet !== COMPOSITE.set.id || packet.command !== COMPOSITE.spec.id) {
      this.cluster.options.log(`[fabric] node ${link.name}: ignored command packet ${packet.commandSet}/${packet.command}`);
      return;
    }
    try {
      await this.route(link, packet);
    } catch (err) {
      this.cluster.options.log(`[fabric] node ${link.name}: event dropped: ${(err as Error).message}`);
      await this.rescue(link, packet.data).catch(() => undefined);
    }
  }

  /**
   * Takes a node's event of one of the proxy's own requests out of the node's ordered event stream: it is served
   * at once, concurrently with the node's other events (an entry check must not wait behind another), and its
   * thread resumed as its policy asks. False for any other packet.
   */
  outOfBand(link: NodeLink, packet: CommandPacket): boolean {
    const d = packet.data;
    if (packet.commandSet !== COMPOSITE.set.id || packet.command !== COMPOSITE.spec.id || d.length < AT.requestID + 4) return false;
    if ((d[AT.kind] === K.CLASS_PREPARE || d[AT.kind] === K.CLASS_UNLOAD) && this.mirrorClasses(link, d)) return true;
    if (d.readInt32BE(AT.count) !== 1) return false;
    if (!this.cluster.own.isOwn(link, d.readInt32BE(AT.requestID))) return false;
    void (async () => {
      let thread: bigint | undefined;
      try {
        const data = await this.cluster.translator.packetToVirtual(link, COMPOSITE.out, d);
        const composite = COMPOSITE.out.decode(data, 0, data.length, VIRTUAL_SIZES) as unknown as Event_Composite_Event;
        const ev = composite.events[0];
        thread = threadOf(ev);
        await this.cluster.own.onEvent(link, ev);
      } catch (err) {
        this.cluster.options.log(`[fabric] node ${link.name}: an event of the proxy's own request failed: ${(err as Error).message}`);
      } finally {
        await this.resume(link, d[AT.policy], thread).catch(() => this.rescue(link, d).catch(() => undefined));
      }
    })();
    return true;
  }

  /**
   * Feeds the node's class mirror with the events of the proxy's own ClassPrepare and ClassUnload requests, as
   * they arrive, in the node's IDs. True when the composite held nothing else (it then suspended nothing).
   */
  private mirrorClasses(link: NodeLink, d: Buffer): boolean {
    let composite: Event_Composite_Event;
    try {
      composite = COMPOSITE.out.decode(d, 0, d.length, link.client.sizes) as unknown as Event_Composite_Event;
    } catch {
      return false;
    }
    let others = 0;
    for (const ev of composite.events) {
      if (ev.eventKind === K.CLASS_PREPARE && ev.requestID === link.trackPrepareId) link.classes.prepared(ev.signature, { refTypeTag: ev.refTypeTag, typeID: ev.typeID, status: ev.status });
      else if (ev.eventKind === K.CLASS_UNLOAD && ev.requestID === link.trackUnloadId) link.classes.unloaded(ev.signature);
      else others++;
    }
    return others === 0;
  }

  /** Resumes what an undeliverable composite suspended, reading only its policy and first thread. */
  private async rescue(link: NodeLink, data: Buffer): Promise<void> {
    const policy = data.length > AT.policy ? data[AT.policy] : P.NONE;
    const width = link.client.sizes.objectIDSize;
    const thread = data.length >= AT.thread + width ? readIdAt(data, AT.thread, width) : undefined;
    if (policy === P.ALL) await link.client.VirtualMachine.Resume();
    else if (policy === P.EVENT_THREAD && thread !== undefined && width === 8) await link.client.ThreadReference.Resume(thread as ThreadID);
  }

  /**
   * The hot path: a composite of one event of a debugger request (a breakpoint, a step, ...) whose policy is the
   * request's own is forwarded as received, its IDs rewritten in place and its request ID replaced. Returns false
   * for everything that needs the general path.
   */
  private async routeOne(link: NodeLink, d: Buffer): Promise<boolean> {
    const sink = this.sink;
    if (!sink || sink.closed || this.dead || d.length < AT.requestID + 4 || d.readInt32BE(AT.count) !== 1 || !SIMPLE_KINDS.has(d[AT.kind])) return false;
    const req = sink.requests.lookup(link, d.readInt32BE(AT.requestID));
    if (!req || req.expired || req.count !== undefined || req.suspendPolicy !== d[AT.policy] || this.cluster.remoteSteps.watching(req)) return false;
    const out = await this.cluster.translator.packetToVirtual(link, COMPOSITE.out, d);
    if (req.announced) await req.announced;
    if (!sink.requests.isLive(req) || sink.closed) {
      await this.resume(link, req.suspendPolicy, out.length >= AT.thread + VIRTUAL_SIZES.objectIDSize ? readIdAt(out, AT.thread, VIRTUAL_SIZES.objectIDSize) : undefined);
      return true;
    }
    if (req.suspendPolicy === P.ALL && !(await this.turn(sink, link, () => sink.requests.isLive(req)))) {
      await this.resume(link, P.ALL, undefined);
      return true;
    }
    out.writeInt32BE(req.id, AT.requestID);
    this.announce(out);
    if (req.suspendPolicy !== P.NONE) this.cluster.focus = link;
    this.cluster.fetchAhead.stopped(link, readIdAt(out, AT.thread, VIRTUAL_SIZES.objectIDSize), req.suspendPolicy);
    sink.sendEvent(out);
    if (req.suspendPolicy === P.ALL) await this.suspendedAll(sink, link);
    return true;
  }

  private async route(link: NodeLink, packet: CommandPacket): Promise<void> {
    if (await this.routeOne(link, packet.data)) return;
    const data = await this.cluster.translator.packetToVirtual(link, COMPOSITE.out, packet.data);
    const composite = COMPOSITE.out.decode(data, 0, data.length, VIRTUAL_SIZES) as unknown as Event_Composite_Event;
    const sink = this.sink && !this.sink.closed && !this.dead ? this.sink : undefined;
    const forward: Event_Composite_Events[] = [];
    let heldStart: bigint | undefined;
    let forwardPolicy: number = P.NONE;
    let thread: bigint | undefined;
    for (const ev of composite.events) {
      thread ??= threadOf(ev);
      if (this.track(link, ev)) continue;
      if (await this.cluster.own.onEvent(link, ev)) continue;
      // A node's own VMDeath, asked for or not, is not the virtual VM's: its threads end with ThreadDeath when it leaves.
      if (ev.eventKind === K.VM_DEATH) {
        if (ev.requestID !== 0 && ev.requestID === this.deathWatches.get(link)) await this.rememberNames(link);
        continue;
      }
      if (ev.requestID === 0) {
        if (ev.eventKind === K.VM_START && sink && !sink.vmStartSent) {
          sink.vmStartSent = true;
          forward.push(ev);
          forwardPolicy = Math.max(forwardPolicy, composite.suspendPolicy);
        } else if (ev.eventKind === K.VM_START && !sink && this.holdStart && composite.suspendPolicy === P.ALL && !this.dead) {
          heldStart = ev.thread;
        }
        continue;
      }
      if (!sink) {
        this.strayEvents++;
        continue;
      }
      if (ev.eventKind === K.CLASS_PREPARE) {
        const vtype = this.cluster.registry.byId.get(ev.typeID);
        if (vtype) await sink.requests.prepared(link, vtype);
        if (sink.requests.isWatch(link, ev.requestID) || !vtype || vtype.knownToDebugger) continue;
      }
      const req = sink.requests.lookup(link, ev.requestID);
      if (!req) this.strayEvents++;
      if (!req || req.expired) continue;
      if (req.announced) await req.announced;
      if (!sink.requests.isLive(req)) continue;
      if (ev.eventKind === K.SINGLE_STEP && (await this.cluster.remoteSteps.swallow(link, ev, req))) continue;
      if (ev.eventKind === K.THREAD_START && link.synthesizedStarts.delete(link.ids.toRaw(ev.thread) ?? -1n)) continue;
      if (req.count !== undefined) {
        req.seen++;
        if (req.seen < req.count) continue;
        sink.requests.expire(req);
      }
      ev.requestID = req.id;
      forward.push(ev);
      forwardPolicy = Math.max(forwardPolicy, req.suspendPolicy);
    }
    if (heldStart !== undefined && !forward.length) {
      this.heldAtStart.set(link, heldStart);
      this.cluster.options.log(`[fabric] node ${link.name} started suspended; held until a debugger attaches (--hold-start)`);
      return;
    }
    let policy = composite.suspendPolicy;
    if (!forward.length || !sink || forwardPolicy === P.NONE) {
      await this.resume(link, policy, thread);
      policy = P.NONE;
    }
    if (!forward.length || !sink) return;
    if (policy === P.ALL) {
      const held = (ev: Event_Composite_Events) => ev.requestID === 0 || sink.requests.requests.has(ev.requestID);
      if (!(await this.turn(sink, link, () => forward.some(held)))) {
        await this.resume(link, policy, thread);
        return;
      }
      forward.splice(0, forward.length, ...forward.filter(held));
    }
    if (thread !== undefined && policy !== P.NONE) this.cluster.focus = link;
    const out = COMPOSITE.out.encode(VIRTUAL_SIZES, { suspendPolicy: policy, events: forward });
    this.announce(out);
    if (thread !== undefined) this.cluster.fetchAhead.stopped(link, thread, policy);
    sink.sendEvent(out);
    if (policy === P.ALL) await this.suspendedAll(sink, link);
  }

  /**
   * Waits until an event set of policy ALL may go to the debugger (see SuspensionLedger). False, with the turn
   * given back, when by then it is no longer to be delivered: its requests were cleared, the debugger or the node left.
   */
  private async turn(sink: EventSink, link: NodeLink, stillWanted: () => boolean): Promise<boolean> {
    await sink.suspensions.turn();
    if (stillWanted() && !sink.closed && !link.down) return true;
    sink.suspensions.skip();
    return false;
  }

  /**
   * The debugger was sent an event set of policy ALL from a node: under --suspend-scope cluster every other node
   * is suspended too. Either way the debugger's next VirtualMachine.Resume for it resumes what it suspended.
   */
  private async suspendedAll(sink: EventSink, link: NodeLink): Promise<void> {
    if (this.cluster.options.suspendScope !== 'cluster') {
      sink.suspensions.push([link]);
      return;
    }
    const others = this.cluster.live().filter((l) => l !== link);
    sink.suspensions.push([link, ...others]);
    await this.cluster.fanout('VirtualMachine.Suspend', (l) => l.client.VirtualMachine.Suspend(), others);
  }

  /** Keeps the node's thread list from the proxy's own ThreadStart and ThreadDeath requests, and passes over its class events. */
  private track(link: NodeLink, ev: Event_Composite_Events): boolean {
    if (ev.requestID === 0) return false;
    // Served as they arrived (mirrorClasses).
    if (ev.requestID === link.trackPrepareId || ev.requestID === link.trackUnloadId) return ev.eventKind === K.CLASS_PREPARE || ev.eventKind === K.CLASS_UNLOAD;
    if (ev.requestID !== link.trackStartId && ev.requestID !== link.trackDeathId) return false;
    const raw = link.ids.toRaw((ev as { thread: bigint }).thread);
    if (raw !== undefined) {
      if (ev.eventKind === K.THREAD_START) link.threads.add(raw);
      else link.threads.delete(raw);
      link.threadsVersion++;
    }
    return true;
  }

  /** Asks a node that joined to hold at its VMDeath, so the proxy can read its threads' names as it exits. */
  async watchDeath(link: NodeLink): Promise<void> {
    const { requestID } = await link.client.EventRequest.Set(K.VM_DEATH, P.ALL, []);
    this.deathWatches.set(link, requestID);
  }

  /** Reads the names of a node's threads while it is held at its VMDeath, so they answer once it is gone. */
  private async rememberNames(link: NodeLink): Promise<void> {
    const prefix = this.cluster.options.threadNamePrefix ? `[${link.name}] ` : '';
    const names = new Map<bigint, string>();
    await Promise.all(
      [...link.threads].map((t) =>
        link.client.ThreadReference.Name(t as ThreadID).then(
          (r) => void names.set(link.ids.toVirtual(t), prefix + r.threadName),
          () => undefined,
        ),
      ),
    );
    this.cluster.objects.rememberThreadNames(names);
  }

  /** Marks the types an event carries as known to the debugger. */
  private announce(data: Buffer): void {
    const registry = this.cluster.registry;
    COMPOSITE.out.walk(data, 0, data.length, VIRTUAL_SIZES, {
      id(kind, offset, width) {
        if (!isRefType(kind)) return;
        const vtype = registry.byId.get(readIdAt(data, offset, width));
        if (vtype) vtype.knownToDebugger = true;
      },
      untaggedTag: () => 0,
    });
  }

  /** Undoes a suspension the debugger will not hear about. */
  private async resume(link: NodeLink, policy: number, thread: bigint | undefined): Promise<void> {
    if (link.down) return;
    if (policy === P.ALL) await link.client.VirtualMachine.Resume();
    else if (policy === P.EVENT_THREAD && thread !== undefined) {
      const raw = link.ids.toRaw(thread);
      if (raw !== undefined) await link.client.ThreadReference.Resume(raw as ThreadID);
    }
  }

  /** Tells the debugger about the threads of a node that joined, where it asked for ThreadStart. */
  nodeJoined(link: NodeLink): void {
    if (this.synthesize(K.THREAD_START, [...link.threads].map((t) => link.ids.toVirtual(t)))) {
      for (const t of link.threads) link.synthesizedStarts.add(t);
    }
  }

  /** Tells the debugger about the threads of a node that left, where it asked for ThreadDeath. */
  nodeLeft(link: NodeLink, threads: bigint[]): void {
    this.heldAtStart.delete(link);
    this.deathWatches.delete(link);
    this.synthesize(K.THREAD_DEATH, threads);
  }

  /**
   * A debugger attached. When nodes wait at their start (--hold-start) it gets one VMStart (policy ALL), as when
   * it launches a JVM, and resumes them with VirtualMachine.Resume; else, with nodes running, none, as when it
   * attaches to a running JVM.
   */
  attached(sink: EventSink): void {
    this.sink = sink;
    const held = [...this.heldAtStart].filter(([l]) => !l.down);
    this.heldAtStart.clear();
    if (held.length && !this.dead) {
      sink.vmStartSent = true;
      sink.suspensions.push(held.map(([l]) => l));
      sink.sendEvent(COMPOSITE.out.encode(VIRTUAL_SIZES, { suspendPolicy: P.ALL, events: [{ eventKind: K.VM_START, requestID: 0, thread: held[0][1] }] }));
    } else {
      sink.vmStartSent = this.cluster.live().length > 0;
    }
  }

  /**
   * The virtual VM died: the debugger gets the VMDeath every JVM sends unasked (policy NONE) with one more per
   * VM_DEATH request it made, and no event after them.
   */
  async vmDeath(): Promise<void> {
    if (this.dead) return;
    this.dead = true;
    const sink = this.sink;
    if (!sink || sink.closed) return;
    const requested = [...sink.requests.requests.values()].filter((r) => r.eventKind === K.VM_DEATH && !r.expired);
    const events = [{ eventKind: K.VM_DEATH, requestID: 0 }, ...requested.map((r) => ({ eventKind: K.VM_DEATH, requestID: r.id }))];
    sink.sendEvent(COMPOSITE.out.encode(VIRTUAL_SIZES, { suspendPolicy: P.NONE, events }));
    // The connection batches writes until the next tick; a close before then would drop the VMDeath.
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Sends events of a kind for the threads to every request of the debugger that asked for them; true if any did. */
  private synthesize(eventKind: number, threads: bigint[]): boolean {
    const sink = this.sink;
    if (!sink || sink.closed || this.dead || !threads.length) return false;
    let sent = false;
    for (const req of sink.requests.requests.values()) {
      if (req.eventKind !== eventKind || req.expired || req.scope.kind !== 'all') continue;
      const events = threads.map((thread) => ({ eventKind, requestID: req.id, thread }));
      sink.sendEvent(COMPOSITE.out.encode(VIRTUAL_SIZES, { suspendPolicy: P.NONE, events }));
      sent = true;
    }
    return sent;
  }
}
