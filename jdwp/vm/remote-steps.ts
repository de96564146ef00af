/**
 * Stepping across RPC edges. A Step Into on a thread that makes a call over an edge lands in the handler on
 * whichever node serves the call; a step that leaves such a handler lands back in the caller once the answer has
 * arrived. Stock JDWP has no cross-VM step, so the proxy places short-lived requests of its own, never shown to the
 * debugger and removed as soon as the step ends:
 *   - a breakpoint at the client side's entry, for the stepping thread only, to read the call's key;
 *   - then breakpoints at the server side's entry on the nodes that serve the edge, until the call with that key
 *     arrives (each other call entering meanwhile is paused for one key read), or the follow times out;
 *   - for a step out of a handler, method-exit requests for the two threads involved.
 * The debugger's step request then moves to the thread that serves (or made) the call, so the SingleStep event it
 * receives is its own.
 */
import type { Location, ThreadID } from '../protocol/wire-types';
import { JDWP, MOD_KIND } from '../registry';
import type { Event_Composite_Events, EventRequest_Set_Modifier } from '../protocol/spec-types';
import type { RpcEdge } from '../flow/edges';
import type { Cluster } from './cluster';
import { readKey, sitesOf, type EdgeSite } from './edge-sites';
import { slotOf } from './ids';
import type { NodeLink } from './node-link';
import type { OwnHandler, OwnRequest } from './own-requests';
import type { RequestManager, VRequest } from './requests';

const K = JDWP.EventKind;
const D = JDWP.StepDepth;
const M = MOD_KIND;

/** Framework code a step that lands in a handler passes through: the JDK, the servlet API and the common servlet containers. */
export const FRAMEWORK_EXCLUDES = ['java.*', 'javax.*', 'jakarta.*', 'jdk.*', 'sun.*', 'com.sun.*', 'org.eclipse.jetty.*', 'org.apache.catalina.*', 'org.apache.coyote.*', 'org.apache.tomcat.*', 'io.undertow.*'];


/** One debugger step being followed across an edge. */
interface Follow {
  req: VRequest;
  requests: RequestManager;
  own: OwnRequest[];
  timer?: NodeJS.Timeout;
  done: boolean;
  /** A caller the proxy keeps suspended at its return from the call, until the step moves to it. */
  kept?: { link: NodeLink; thread: bigint };
  /** For a step in a handler whose caller waits: the server's node and thread, and its handler frame (counted from the bottom). */
  handler?: { link: NodeLink; vthread: bigint; fromBottom: number; left: () => Promise<void> };
}

/** Framework frames between a server side and the handler it calls: JDK, servlet API, and lambda proxies. */
function isFrameworkClass(signature: string): boolean {
  const name = signature.slice(1, -1).replace(/\//g, '.');
  return name.includes('$$Lambda') || FRAMEWORK_EXCLUDES.some((p) => name.startsWith(p.slice(0, -1)));
}

/** The step requests of the debugger followed across RPC edges, and the proxy's own requests that follow them. */
export class RemoteSteps {
  private readonly follows = new Map<VRequest, Follow>();
  /** Key reads made while following steps, for the tests. */
  readonly stats = { keyReads: 0 };

  constructor(private readonly cluster: Cluster) {}

  private get edges(): readonly RpcEdge[] {
    return this.cluster.options.edges;
  }

  private async place(f: Follow, link: NodeLink, eventKind: number, modifiers: EventRequest_Set_Modifier[], handler: OwnHandler): Promise<void> {
    const own = await this.cluster.own.place(link, eventKind, modifiers, handler);
    if (f.done) await this.cluster.own.clear(own);
    else f.own.push(own);
  }

  private async clearOwn(f: Follow, which: (o: OwnRequest) => boolean = () => true): Promise<void> {
    const gone = f.own.filter(which);
    f.own = f.own.filter((o) => !which(o));
    await Promise.all(gone.map((o) => this.cluster.own.clear(o)));
  }

  private async end(f: Follow): Promise<void> {
    f.done = true;
    if (f.timer) clearTimeout(f.timer);
    if (this.follows.get(f.req) === f) this.follows.delete(f.req);
    const kept = f.kept;
    f.kept = undefined;
    await this.clearOwn(f);
    if (kept && !kept.link.down) await kept.link.client.ThreadReference.Resume(kept.thread as ThreadID).catch(() => undefined);
  }

  /** The debugger set a step request: follow it across an edge when it steps into a call or out of a handler. */
  async stepSet(requests: RequestManager, req: VRequest): Promise<void> {
    const step = req.modifiers.find((m) => m.modKind === M.Step) as { thread: bigint; size: number; depth: number } | undefined;
    if (!step || !this.edges.length) return;
    const link = this.cluster.link(slotOf(step.thread));
    const raw = link?.ids.toRaw(step.thread);
    if (!link || raw === undefined) return;
    const f: Follow = { req, requests, own: [], done: false };
    this.follows.set(req, f);
    try {
      await Promise.all([step.depth === D.INTO ? this.armInto(f, link, raw) : undefined, this.cluster.options.stitch ? this.armReturn(f, link, step.thread) : undefined]);
    } catch (err) {
      this.cluster.options.log(`[fabric] node ${link.name}: a step could not be followed across edges: ${(err as Error).message}`);
    }
    if (!f.own.length) await this.end(f);
  }

  /** The debugger's step request is gone (cleared, expired, or the debugger left): so are the requests following it. */
  stepEnded(req: VRequest): void {
    const f = this.follows.get(req);
    if (f) void this.end(f);
  }

  // ---- Step Into a remote call ----

  private async armInto(f: Follow, link: NodeLink, thread: bigint): Promise<void> {
    const sites = await sitesOf(link, this.edges, 'client');
    const entries = new Map<string, EdgeSite>();
    for (const s of sites) entries.set(`${s.entry.classID}:${s.entry.methodID}`, s);
    await Promise.all(
      [...entries.values()].map((site) =>
        this.place(f, link, K.BREAKPOINT, [{ modKind: M.ThreadOnly, thread }, { modKind: M.LocationOnly, loc: site.entry }] as never, (l, ev) => this.clientEntered(f, l, ev, site)),
      ),
    );
  }

  /** The stepping thread entered the client side of an edge: read the call's key, then wait for it on the servers. */
  private async clientEntered(f: Follow, link: NodeLink, ev: Event_Composite_Events, site: EdgeSite): Promise<void> {
    const thread = link.ids.toRaw((ev as { thread: bigint }).thread)!;
    await this.clearOwn(f, (o) => o.eventKind === K.BREAKPOINT);
    if (f.done) return;
    this.stats.keyReads++;
    const key = await readKey(link, thread, 0, site.side === 'client' ? site.edge.client : site.edge.server);
    if (key === undefined) return;
    const edges = this.edges.filter((e) => e.client === site.edge.client);
    await Promise.all(
      this.cluster.live().map(async (node) => {
        const servers = (await sitesOf(node, this.edges, 'server').catch(() => [])).filter((s) => edges.includes(s.edge));
        await Promise.all(servers.map((s) => this.place(f, node, K.BREAKPOINT, [{ modKind: M.LocationOnly, loc: s.entry }] as never, (l, e) => this.serverEntered(f, l, e, s, key))));
      }),
    );
    f.timer = setTimeout(() => {
      this.cluster.options.log(`[fabric] no node served the call within ${this.cluster.options.followTimeoutMs} ms; the step goes on as a plain step`);
      void this.clearOwn(f);
    }, this.cluster.options.followTimeoutMs);
    f.timer.unref();
  }

  /** A call entered a server side: if it is the followed one, the debugger's step moves to the thread serving it. */
  private async serverEntered(f: Follow, link: NodeLink, ev: Event_Composite_Events, site: EdgeSite, key: string): Promise<void> {
    if (f.done) return;
    const vthread = (ev as { thread: bigint }).thread;
    const thread = link.ids.toRaw(vthread)!;
    this.stats.keyReads++;
    if ((await readKey(link, thread, 0, site.edge.server)) !== key || f.done) return;
    if (f.timer) clearTimeout(f.timer);
    await this.clearOwn(f);
    await f.requests.moveStep(f.req, link, vthread, FRAMEWORK_EXCLUDES);
  }

  // ---- Step out of a handler, back into its caller ----

  /**
   * When the stepping thread serves a call whose caller waits (its stack is stitched), a step that leaves the
   * handler must land in the caller, once the answer is back: the server's exit from the server side and the
   * caller's return from the client side are both awaited, then the step moves to the caller.
   */
  private async armReturn(f: Follow, link: NodeLink, vthread: bigint): Promise<void> {
    // Only a stack the debugger was shown stitched: a thread it never looked at needs no frames read per step.
    if (!this.cluster.stitches.shown(vthread)) return;
    const stack = await this.cluster.stitches.stack(link, vthread);
    const hop = stack.hops[0];
    if (!hop) return;
    const serverIndex = hop.firstFrame - 1;
    const server = stack.frames[serverIndex];
    let handlerIndex = serverIndex;
    for (let i = serverIndex - 1; i >= 0; i--) {
      const sig = this.cluster.registry.byId.get(stack.frames[i].location.classID)?.signature;
      if (sig && !isFrameworkClass(sig)) {
        handlerIndex = i;
        break;
      }
    }
    const serverMethod = this.cluster.registry.methods.get(server.location.methodID);
    const serverClass = this.cluster.registry.byId.get(server.location.classID)?.members.get(link);
    const serverRawMethod = serverMethod?.raw.get(link);
    const ownFrames = (await link.client.ThreadReference.FrameCount(link.ids.toRaw(vthread)! as ThreadID)).frameCount;
    const serverFromBottom = ownFrames - serverIndex;
    const clientSite = (await sitesOf(hop.link, this.edges, 'client')).find((s) => s.edge === hop.edge);
    if (serverClass === undefined || serverRawMethod === undefined || !clientSite) return;
    const state = { serverDone: false, callerBack: false, moved: false };
    const finish = async () => {
      if (!state.serverDone || !state.callerBack || state.moved || f.done) return;
      state.moved = true;
      await this.clearOwn(f);
      await f.requests.moveStep(f.req, hop.link, hop.vthread, FRAMEWORK_EXCLUDES, D.OVER);
      // The caller was kept at its return until now; the moved step runs it to its next line.
      f.kept = undefined;
      await hop.link.client.ThreadReference.Resume(hop.thread as ThreadID).catch(() => undefined);
    };
    const rawServer = link.ids.toRaw(vthread)!;
    const left = async () => {
      if (state.serverDone) return;
      state.serverDone = true;
      // The handler is done: the debugger's step must not end in the server's own plumbing (or its next call).
      await f.requests.unbindOn(f.req, link);
      await finish();
    };
    f.handler = { link, vthread, fromBottom: ownFrames - handlerIndex, left };
    await Promise.all([
      this.place(f, link, K.METHOD_EXIT, [{ modKind: M.ThreadOnly, thread: rawServer }, { modKind: M.ClassOnly, clazz: serverClass }] as never, async (l, ev) => {
        if (methodOn(this.cluster, l, (ev as { location: Location }).location) !== serverRawMethod) return;
        const { frameCount } = await l.client.ThreadReference.FrameCount(rawServer as ThreadID);
        if (frameCount === serverFromBottom) await left();
      }),
      this.place(f, hop.link, K.METHOD_EXIT, [{ modKind: M.ThreadOnly, thread: hop.thread }, { modKind: M.ClassOnly, clazz: clientSite.entry.classID }] as never, async (l, ev) => {
        if (methodOn(this.cluster, l, (ev as { location: Location }).location) !== (clientSite.entry.methodID as unknown as bigint) || state.callerBack) return;
        state.callerBack = true;
        // Kept at its return from the call until the handler is done too.
        await l.client.ThreadReference.Suspend(hop.thread as ThreadID);
        f.kept = { link: l, thread: hop.thread };
        await finish();
      }),
    ]);
  }

  /** True while a step of this request is followed out of a handler (its step events need a look first). */
  watching(req: VRequest): boolean {
    return this.follows.get(req)?.handler !== undefined;
  }

  /**
   * A step event of a request followed out of a handler: when it ends below the handler (in the server's
   * plumbing), it is swallowed and the step goes on in the caller. True when the event must not reach the debugger.
   */
  async swallow(link: NodeLink, ev: Event_Composite_Events, req: VRequest): Promise<boolean> {
    const h = this.follows.get(req)?.handler;
    if (!h || h.link !== link || (ev as { thread: bigint }).thread !== h.vthread) return false;
    const { frameCount } = await link.client.ThreadReference.FrameCount(link.ids.toRaw(h.vthread)! as ThreadID);
    if (frameCount >= h.fromBottom) return false;
    await h.left();
    return true;
  }

  /**
   * Forgets the requests of a node that left. A step followed out of a handler on that node ends there: its
   * caller, if the proxy kept it, runs on.
   */
  nodeLeft(link: NodeLink): void {
    for (const f of [...this.follows.values()]) {
      f.own = f.own.filter((o) => o.link !== link);
      if (f.handler?.link === link || f.kept?.link === link) {
        this.cluster.options.log(`[fabric] node ${link.name} left during a step followed across an edge; the step ends there`);
        void this.end(f);
      }
    }
  }
}

/** The raw method ID of a (virtual) location on a node. */
function methodOn(cluster: Cluster, link: NodeLink, location: Location): bigint | undefined {
  return cluster.registry.methods.get(location.methodID as unknown as bigint)?.raw.get(link);
}
