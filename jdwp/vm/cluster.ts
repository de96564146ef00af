import { EventEmitter } from 'node:events';
import { PRESET_EDGES, type RpcEdge } from '../flow/edges';
import type { CommandPacket } from '../codec/packet';
import { ProxyObjects } from './proxy-objects';
import type { NodeLink } from './node-link';
import { SlotPool } from './slots';
import { framesThroughTranslator, StitchBook } from './stitching';
import { DEFAULT_PREFETCH_FRAMES, FetchAhead } from './prefetch';
import { RemoteSteps } from './remote-steps';
import { OwnRequests } from './own-requests';
import { Translator } from './translate';
import { TypeRegistry, type Logger } from './type-registry';

/** Behaviour switches of the virtual VM. */
export interface ClusterOptions {
  /** 'node': an event suspends only its own node; 'cluster': a SUSPEND_ALL event suspends every node. */
  suspendScope: 'node' | 'cluster';
  /** Refuse commands that change the target: InvokeMethod, NewInstance, SetValues, RedefineClasses, PopFrames, ForceEarlyReturn, Exit. */
  readOnly: boolean;
  /** Let VirtualMachine.Exit through (to every node). */
  allowExit: boolean;
  /** Prefix thread names with "[node] ". */
  threadNamePrefix: boolean;
  /**
   * 'cluster' (default): one top-level group, "cluster", whose children are the node groups, so tools that list
   * the first top-level group (jdb's `threads`) list every node; 'per-node': the node groups are top-level.
   */
  threadGroups: 'cluster' | 'per-node';
  /** How long a fan-out waits for one node before answering without it. */
  fanoutTimeoutMs: number;
  /** How long a command routed to one node may take (0: no limit). */
  requestTimeoutMs: number;
  /** The RPC edges between nodes (default: the presets). */
  edges: readonly RpcEdge[];
  /** Stitch a stopped server thread's stack to its caller's frames across the edges. */
  stitch: boolean;
  /** How long finding a stopped thread's caller may take before its stack is shown unstitched. */
  callerSearchMs: number;
  /** How long a Step Into a remote call waits for a node to serve the call before it stays a plain step. */
  followTimeoutMs: number;
  /** A request scope every debugger session starts with (header:NAME=VALUE, baggage:KEY=VALUE, trace:ID, expr:EXPR). */
  requestScope?: string;
  /** The share of one core a request scope's entry checks may hold requests for, per node, before they are switched off there. */
  scopeBudget: number;
  /** How many top frames of a stop are fetched ahead, with their locals, `this` and the objects and strings they see (0: off). */
  prefetch: number;
  log: Logger;
}

/** Default options. */
export const DEFAULT_CLUSTER_OPTIONS: ClusterOptions = {
  suspendScope: 'node',
  readOnly: false,
  allowExit: false,
  threadNamePrefix: true,
  threadGroups: 'cluster',
  fanoutTimeoutMs: 5_000,
  requestTimeoutMs: 0,
  edges: PRESET_EDGES,
  stitch: true,
  callerSearchMs: 2_000,
  followTimeoutMs: 10_000,
  scopeBudget: 0.01,
  prefetch: DEFAULT_PREFETCH_FRAMES,
  log: (line) => console.error(line),
};

/** How many dial-in nodes that left stay listed in Fabric.Nodes (the most recent ones). */
export const LEFT_DIAL_INS_KEPT = 16;

/** A configured node and its current state, for Fabric.Nodes. */
export interface NodeEntry {
  name: string;
  address: string;
  state: 'connecting' | 'up' | 'down';
  link?: NodeLink;
}

/** Receives a node's command packets (its events), one at a time per node, in the order they came. */
export type NodeEventHandler = (link: NodeLink, packet: CommandPacket) => Promise<void>;

/**
 * The shared state of the virtual VM: the live node links, the type registry, proxy-made objects, the ID
 * translator and the focus node. Emits 'nodeUp' (link) once a node has joined, and 'nodeDown' (link, threads).
 */
export class Cluster extends EventEmitter {
  readonly options: ClusterOptions;
  readonly registry = new TypeRegistry();
  readonly objects = new ProxyObjects();
  readonly translator = new Translator(this.registry, this.objects);
  readonly links = new Map<number, NodeLink>();
  readonly entries: NodeEntry[] = [];
  /** The node of the thread the debugger addressed most recently; per-node state of merged types comes from it. */
  focus: NodeLink | undefined;
  readonly slots = new SlotPool();
  /** Stitched stacks across RPC edges, and the callers they hold. */
  readonly stitches: StitchBook = new StitchBook(this, framesThroughTranslator(this));
  /** Requests the proxy places on nodes for itself. */
  readonly own = new OwnRequests(() => this.options.log);
  /** Reads a stopped thread's node ahead of the debugger. */
  readonly fetchAhead: FetchAhead = new FetchAhead(this);
  /** Debugger steps followed across RPC edges. */
  readonly remoteSteps: RemoteSteps = new RemoteSteps(this);
  /** Entries of dial-in nodes that left, oldest first. */
  private readonly leftDialIns: NodeEntry[] = [];
  /** Where node events go. */
  onNodeEvent: NodeEventHandler = async () => {};
  /** Takes a node's packet out of its ordered event stream when it returns true (events of the proxy's own requests). */
  takeOutOfBand: (link: NodeLink, packet: CommandPacket) => boolean = () => false;

  constructor(options: Partial<ClusterOptions> = {}) {
    super();
    this.options = { ...DEFAULT_CLUSTER_OPTIONS, ...options };
  }

  /** Hands out a slot (see SlotPool); throws SLOTS_EXHAUSTED when none is free. */
  allocateSlot(): number {
    return this.slots.take();
  }

  /** Keeps the entry of a dial-in node that left listed, among the most recent LEFT_DIAL_INS_KEPT. */
  dialInLeft(entry: NodeEntry): void {
    this.leftDialIns.push(entry);
    if (this.leftDialIns.length > LEFT_DIAL_INS_KEPT) this.dropEntry(this.leftDialIns.shift()!);
  }

  /** Drops a dial-in entry that left and is named `name`, to give its name to a new node. */
  dropLeftDialIn(name: string): void {
    const i = this.leftDialIns.findIndex((e) => e.name === name);
    if (i >= 0) this.dropEntry(this.leftDialIns.splice(i, 1)[0]);
  }

  private dropEntry(entry: NodeEntry): void {
    const i = this.entries.indexOf(entry);
    if (i >= 0) this.entries.splice(i, 1);
  }

  /** The live links, in slot order. */
  live(): NodeLink[] {
    return [...this.links.values()].filter((l) => !l.down).sort((a, b) => a.slot - b.slot);
  }

  /** The live link of a slot. */
  link(slot: number): NodeLink | undefined {
    const l = this.links.get(slot);
    return l && !l.down ? l : undefined;
  }

  /** The focus node if it is live, else the first live node. */
  focusOrFirst(): NodeLink | undefined {
    if (this.focus && !this.focus.down) return this.focus;
    return this.live()[0];
  }

  /**
   * Registers a link that finished its handshake. Its events (those that came while it opened first) flow in
   * order through `onNodeEvent`, once `ready` settles, so the node gets the debugger's requests before it runs on.
   */
  addLink(link: NodeLink, ready: Promise<unknown>): void {
    this.links.set(link.slot, link);
    let chain: Promise<void> = ready.then(
      () => undefined,
      () => undefined,
    );
    const enqueue = (packet: CommandPacket) => {
      if (this.takeOutOfBand(link, packet)) return;
      chain = chain.then(async () => {
        try {
          await this.onNodeEvent(link, packet);
        } catch (err) {
          this.options.log(`[fabric] node ${link.name}: event dropped: ${(err as Error).message}`);
        }
      });
    };
    link.stopBuffering();
    for (const packet of link.early.splice(0)) enqueue(packet);
    link.client.connection.on('command', enqueue);
  }

  /** Drops a link that went down (or never finished joining) and gives its slot back. */
  removeLink(link: NodeLink, reason: string, threads: bigint[]): void {
    const joined = this.links.get(link.slot) === link;
    const wasUp = joined && !link.down;
    link.down = true;
    if (joined) {
      this.links.delete(link.slot);
      if (this.focus === link) this.focus = undefined;
      this.registry.forgetNode(link);
      this.stitches.nodeLeft(link);
      this.remoteSteps.nodeLeft(link);
      this.own.nodeLeft(link);
      this.objects.forgetNode(link);
    }
    if (wasUp) {
      this.options.log(`[fabric] node ${link.name} left (slot ${link.slot}): ${reason}`);
      this.emit('nodeDown', link, threads);
    }
    if (!link.slotReleased) {
      link.slotReleased = true;
      this.slots.release(link.slot);
    }
  }

  /**
   * Runs `fn` on every live node in parallel. A node that fails is logged and left out; a node that takes longer
   * than the fan-out timeout is logged as stalled and left out, so one slow node never holds up the answer.
   */
  async fanout<T>(what: string, fn: (link: NodeLink) => Promise<T>, links: NodeLink[] = this.live()): Promise<Array<{ link: NodeLink; value: T }>> {
    const timeoutMs = this.options.fanoutTimeoutMs;
    const results: Array<{ link: NodeLink; value: T } | undefined> = new Array(links.length);
    const settled = new Array<boolean>(links.length).fill(false);
    await new Promise<void>((resolve) => {
      let left = links.length;
      if (!left) return resolve();
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              links.forEach((link, i) => {
                if (!settled[i]) this.options.log(`[fabric] node ${link.name} stalled: no answer to ${what} within ${timeoutMs} ms; answering without it`);
              });
              resolve();
            }, timeoutMs)
          : undefined;
      const done = (i: number, value?: { link: NodeLink; value: T }) => {
        settled[i] = true;
        results[i] = value;
        if (--left === 0) {
          if (timer) clearTimeout(timer);
          resolve();
        }
      };
      links.forEach((link, i) =>
        fn(link).then(
          (value) => done(i, { link, value }),
          (err: Error) => {
            if (!link.down) this.options.log(`[fabric] node ${link.name} error in ${what}: ${err.message}`);
            done(i);
          },
        ),
      );
    });
    return results.filter((r, i): r is { link: NodeLink; value: T } => settled[i] && r !== undefined);
  }

}
