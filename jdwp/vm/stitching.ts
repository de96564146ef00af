/**
 * Stitched stacks. When a thread stops inside the server side of an RPC edge and the thread that made the call
 * (on any node) still waits for its answer, the thread's stack continues into the caller's frames, hop after hop.
 * The callers are found by the call's key, read by fields in both frames; each caller is kept suspended while the
 * stitched stack is shown (it is blocked in the call anyway), and let go once the stopped thread runs again.
 */
import type { Location, ThreadID } from '../protocol/wire-types';
import { commandByName, JDWP } from '../registry';
import type { RpcEdge } from '../flow/edges';
import { targetOf } from '../flow/edges';
import type { Cluster } from './cluster';
import { slotOf } from './ids';
import type { NodeLink } from './node-link';
import { readKey, readLabel, sitesOf } from './edge-sites';
import { VIRTUAL_SIZES } from './translate';

const FRAMES = commandByName('ThreadReference.Frames');
/**
 * Caller frames get IDs of their own in stitched stacks (in slot 0, which holds what the proxy makes): a caller on
 * the stopped thread's own node may have frame IDs equal to the stopped thread's.
 */
const CALLER_FRAMES = 900_000_000_000_000n;
/** The most hops one stack is followed across. */
const MAX_HOPS = 8;

/** One frame as ThreadReference.Frames carries it (virtual IDs). */
export interface VFrame {
  frameID: bigint;
  location: Location;
}

/** One hop of a stitched stack: the caller's node and thread, the edge, and where its frames start in the stack. */
export interface Hop {
  link: NodeLink;
  /** The caller's raw thread ID on its node, and its virtual ID. */
  thread: bigint;
  vthread: bigint;
  edge: RpcEdge;
  label: string;
  /** Index of the hop's first frame in the stitched stack. */
  firstFrame: number;
}

interface Stitch {
  /** The stopped thread (virtual) and its top frame when the stack was stitched: a new suspension has a new one. */
  vthread: bigint;
  top: bigint;
  frames: VFrame[];
  hops: Hop[];
}

/** A stitched stack, or the thread's own when it has no caller. */
export interface StitchedStack {
  frames: VFrame[];
  hops: Hop[];
  /** The thread's own ThreadReference.Frames reply, in virtual IDs, when the stack is all its own and was just read. */
  reply?: Buffer;
}

/** A thread's own stack as its node answered it: the frames, and the reply they were decoded from (virtual IDs). */
export interface OwnFrames {
  frames: VFrame[];
  reply: Buffer;
}

/** Reads a thread's whole stack (virtual) from its node. */
export type FrameReader = (link: NodeLink, vthread: bigint) => Promise<OwnFrames>;

/** Reads a stack through the translator, so frames and locations carry virtual IDs. */
export function framesThroughTranslator(cluster: Cluster): FrameReader {
  return async (link, vthread) => {
    const raw = link.ids.toRaw(vthread);
    if (raw === undefined) return { frames: [], reply: FRAMES.reply!.encode(VIRTUAL_SIZES, { frames: [] }) };
    const reply = await link.client.raw(FRAMES.set.id, FRAMES.spec.id, FRAMES.out.encode(link.client.sizes, { thread: raw, startFrame: 0, length: -1 }), { name: link.name });
    if (reply.errorCode !== 0) throw Object.assign(new Error(`${link.name}: ThreadReference.Frames answered ${reply.errorCode}`), { errorCode: reply.errorCode });
    const data = await cluster.translator.packetToVirtual(link, FRAMES.reply!, reply.data, { announce: true });
    return { frames: (FRAMES.reply!.decode(data, 0, data.length, VIRTUAL_SIZES) as unknown as { frames: VFrame[] }).frames, reply: data };
  };
}

/** The stitched stacks of stopped threads, the callers they hold, and where each caller frame lives. */
export class StitchBook {
  private readonly stitches = new Map<bigint, Stitch>();
  /** Callers held suspended, per stopped thread (virtual). */
  private readonly held = new Map<bigint, Array<{ link: NodeLink; thread: bigint }>>();
  /** A caller frame's ID in stitched stacks to its node, thread and own frame ID there. */
  private readonly origins = new Map<bigint, { link: NodeLink; vthread: bigint; vframe: bigint }>();
  private nextCallerFrame = CALLER_FRAMES;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  /** Caller searches made (one per stop of a server thread), for the tests. */
  readonly stats = { searches: 0 };

  constructor(
    private readonly cluster: Cluster,
    private readonly readFrames: FrameReader,
  ) {}

  private get edges(): readonly RpcEdge[] {
    return this.cluster.options.edges;
  }

  /** The server-side edge of a frame, matched by its virtual method. */
  private serverEdgeAt(frame: VFrame): RpcEdge | undefined {
    const method = this.cluster.registry.methods.get(frame.location.methodID);
    if (!method) return undefined;
    for (const edge of this.edges) {
      const t = targetOf(edge.server);
      if (method.name === t.methodName && method.vtype.signature === t.classSignature && (!t.methodSignature || t.methodSignature === method.signature)) return edge;
    }
    return undefined;
  }

  /** The deepest server-side frame at or below `from`: where this thread started serving the call. */
  private deepestServer(frames: VFrame[], from: number): { index: number; edge: RpcEdge } | undefined {
    for (let i = frames.length - 1; i >= from; i--) {
      const edge = this.serverEdgeAt(frames[i]);
      if (edge) return { index: i, edge };
    }
    return undefined;
  }

  /** Searches running, per stopped thread and top frame: a Frames and a FrameCount asked together share one. */
  private readonly searching = new Map<string, Promise<StitchedStack>>();

  /** The stack of a stopped thread, stitched across the RPC edges it serves when stitching is on. */
  async stack(link: NodeLink, vthread: bigint): Promise<StitchedStack> {
    const { frames: own, reply } = await this.readFrames(link, vthread);
    if (!this.cluster.options.stitch || !own.length) return { frames: own, hops: [], reply };
    const key = `${vthread}:${own[0].frameID}`;
    let p = this.searching.get(key);
    if (!p) {
      p = this.stitch(link, vthread, own, reply).finally(() => this.searching.delete(key));
      this.searching.set(key, p);
    }
    return p;
  }

  private async stitch(link: NodeLink, vthread: bigint, own: VFrame[], reply: Buffer): Promise<StitchedStack> {
    const known = this.stitches.get(vthread);
    if (known && known.top === own[0].frameID) return known;
    if (known) this.forget(vthread, true);
    const server = this.deepestServer(own, 0);
    if (!server) return { frames: own, hops: [], reply };
    const stitched = await this.follow(link, vthread, own, server);
    this.stats.searches++;
    // Kept also when no caller was found, so a server thread without one is searched once per stop.
    this.stitches.set(vthread, { vthread, top: own[0].frameID, ...stitched });
    this.schedule();
    return stitched;
  }

  private async follow(link: NodeLink, vthread: bigint, own: VFrame[], first: { index: number; edge: RpcEdge }): Promise<StitchedStack> {
    let frames = own.slice(0, first.index + 1);
    const hops: Hop[] = [];
    const visited = new Set<string>([`${link.slot}:${link.ids.toRaw(vthread)}`]);
    let here = { link, thread: link.ids.toRaw(vthread)!, frames: own, server: first as { index: number; edge: RpcEdge } | undefined };
    while (here.server && hops.length < MAX_HOPS) {
      const { edge, index } = here.server;
      const key = await readKey(here.link, here.thread, index, edge.server);
      if (key === undefined) break;
      const caller = await this.findCaller(edge, key, visited, vthread);
      if (!caller) break;
      visited.add(`${caller.link.slot}:${caller.thread}`);
      const callerV = caller.link.ids.toVirtual(caller.thread);
      let callerFrames: VFrame[];
      try {
        callerFrames = (await this.readFrames(caller.link, callerV)).frames;
      } catch {
        break;
      }
      const label = await readLabel(caller.link, caller.thread, caller.depth, edge);
      const next = this.deepestServer(callerFrames, caller.depth + 1);
      const part = callerFrames.slice(caller.depth, next ? next.index + 1 : undefined);
      hops.push({ link: caller.link, thread: caller.thread, vthread: callerV, edge, label, firstFrame: frames.length });
      frames = frames.concat(part.map((f) => ({ frameID: this.callerFrameId(caller.link, callerV, f.frameID), location: f.location })));
      here = { link: caller.link, thread: caller.thread, frames: callerFrames, server: next };
    }
    if (!hops.length) return { frames: own, hops };
    // The last caller's stack goes on to its bottom when its own caller is not in the cluster.
    if (here.server) {
      const last = hops[hops.length - 1];
      const rest = here.frames.slice(here.server.index + 1);
      frames = frames.concat(rest.map((f) => ({ frameID: this.callerFrameId(last.link, last.vthread, f.frameID), location: f.location })));
    }
    return { frames, hops };
  }

  /**
   * Finds the thread, on any live node, that waits in the client side of `edge` for the call with this key. Each
   * thread looked at is suspended for the look and resumed unless it is the caller, which stays suspended (held
   * for `holder`). Gives up after the caller-search budget.
   */
  private async findCaller(edge: RpcEdge, key: string, visited: Set<string>, holder: bigint): Promise<{ link: NodeLink; thread: bigint; depth: number } | undefined> {
    const deadline = Date.now() + this.cluster.options.callerSearchMs;
    let found: { link: NodeLink; thread: bigint; depth: number } | undefined;
    const lookAt = async (link: NodeLink, thread: bigint, methods: Set<bigint>): Promise<void> => {
      const t = thread as ThreadID;
      const { threadStatus } = await link.client.ThreadReference.Status(t);
      if (threadStatus === JDWP.ThreadStatus.ZOMBIE) return;
      await link.client.ThreadReference.Suspend(t);
      let keep = false;
      try {
        if (found || Date.now() > deadline) return;
        const { frames } = await link.client.ThreadReference.Frames(t, 0, -1);
        const depth = frames.findIndex((f) => methods.has(f.location.methodID as unknown as bigint));
        if (depth < 0) return;
        const theirs = await readKey(link, thread, depth, edge.client);
        if (theirs === key && !found && Date.now() <= deadline) {
          found = { link, thread, depth };
          keep = true;
        }
      } finally {
        if (keep) this.hold(holder, link, thread);
        else await link.client.ThreadReference.Resume(t).catch(() => undefined);
      }
    };
    await Promise.all(
      this.cluster.live().map(async (link) => {
        const sites = (await sitesOf(link, this.edges, 'client').catch(() => [])).filter((s) => s.edge.client === edge.client);
        if (!sites.length) return;
        const methods = new Set(sites.map((s) => s.entry.methodID as unknown as bigint));
        await Promise.all([...link.threads].filter((t) => !visited.has(`${link.slot}:${t}`)).map((t) => lookAt(link, t, methods).catch(() => undefined)));
      }),
    );
    return found;
  }

  private hold(holder: bigint, link: NodeLink, thread: bigint): void {
    const list = this.held.get(holder) ?? [];
    list.push({ link, thread });
    this.held.set(holder, list);
  }

  /** The stitched stack last shown for a thread (one with callers), without asking its node whether it still stands. */
  shown(vthread: bigint): StitchedStack | undefined {
    const s = this.stitches.get(vthread);
    return s?.hops.length ? s : undefined;
  }

  /** The hops of a thread's stitched stack (empty when it has none now). */
  hopsOf(vthread: bigint): Hop[] {
    return this.stitches.get(vthread)?.hops ?? [];
  }

  private callerFrameId(link: NodeLink, vthread: bigint, vframe: bigint): bigint {
    const id = this.nextCallerFrame++;
    this.origins.set(id, { link, vthread, vframe });
    return id;
  }

  /** True for the ID of a caller frame in a stitched stack (live or not). */
  isCallerFrame(vframe: bigint): boolean {
    return vframe >= CALLER_FRAMES && vframe < this.nextCallerFrame;
  }

  /** The node, thread and own frame ID of a caller frame shown in a stitched stack, while it is shown. */
  originOf(vframe: bigint): { link: NodeLink; vthread: bigint; vframe: bigint } | undefined {
    const o = this.origins.get(vframe);
    return o && !o.link.down ? o : undefined;
  }

  /** Drops a thread's stitch; with `release`, resumes the callers it held. */
  private forget(vthread: bigint, release: boolean): void {
    const s = this.stitches.get(vthread);
    this.stitches.delete(vthread);
    if (s) for (const f of s.frames) this.origins.delete(f.frameID);
    const held = this.held.get(vthread) ?? [];
    this.held.delete(vthread);
    if (release) for (const h of held) if (!h.link.down) void h.link.client.ThreadReference.Resume(h.thread as ThreadID).catch(() => undefined);
  }

  /** Lets go of the callers of every stopped thread that runs again (asks each stopped thread's suspend count). */
  recheck(): Promise<void> {
    return (this.checking ??= this.check().finally(() => (this.checking = undefined)));
  }

  private async check(): Promise<void> {
    const threads = new Set([...this.stitches.keys(), ...this.held.keys()]);
    await Promise.all(
      [...threads].map(async (vthread) => {
        const link = this.cluster.link(slotOf(vthread));
        const raw = link?.ids.toRaw(vthread);
        const count = link && raw !== undefined ? await link.client.ThreadReference.SuspendCount(raw as ThreadID).then((r) => r.suspendCount, () => 0) : 0;
        if (count === 0) this.forget(vthread, true);
        else if ((this.held.get(vthread) ?? []).some((h) => h.link.down)) this.forget(vthread, true);
      }),
    );
    if (!this.stitches.size && !this.held.size && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.recheck(), 250);
    this.timer.unref();
  }

  /** Resumes every held caller and forgets every stitch (the debugger left, or the proxy stops). */
  releaseAll(): void {
    for (const vthread of [...new Set([...this.stitches.keys(), ...this.held.keys()])]) this.forget(vthread, true);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Forgets what a node that left took part in; the stopped threads it held callers for release them. */
  nodeLeft(link: NodeLink): void {
    for (const [vthread, s] of [...this.stitches]) {
      if (slotOf(vthread) === link.slot || s.hops.some((h) => h.link === link)) this.forget(vthread, true);
    }
  }
}
