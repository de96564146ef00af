/**
 * Request-scoped debugging. A session with a scope arms its breakpoints (and exception, method and field
 * requests) only for threads that serve an in-scope request: a thread enters the scope at a server side of an
 * RPC edge whose request carries the scope's mark (or writes a mark field), and leaves it when that server side
 * (or the method that wrote the field before it) returns. Meanwhile the session's requests are set on that node
 * for that thread alone (JDWP's ThreadOnly), so threads out of scope never suspend at them: the filter runs in
 * the JVM's own agent.
 *
 * Where a server side declares a mark field (a field the application writes only for marked requests) that
 * carries the scope's kind of mark, the scope watches the writes of that field with breakpoints at them
 * (field-writes.ts): the value written is the mark, and other requests are never stopped. Elsewhere the cost on
 * other requests is the entry check: a breakpoint of the proxy's own at each server side's entry, whose thread is
 * held for one read of the mark (header-path.ts on the JDK's server). The time threads are held for checks and watches is measured per node; past the budget (a share of one
 * core, 1 % by default) the node's checks are switched off with a log line, and its requests stay out of scope.
 * The application is never touched.
 */
import type { ClassID, Location, MethodID, ReferenceTypeID, StringID, ThreadID } from '../protocol/wire-types';
import type { RequestScopeSpec } from '../flow/scope-spec';
import { baggageEntry, markMatches, parseMarkKind, scopeReadsMark, traceIdOf } from '../flow/scope-spec';
import type { EdgeSide, MarkField } from '../flow/edges';
import { Tag } from '../codec/tags';
import { FabricErrorCode } from '../errors';
import { nameToSignature } from '../mirror/names';
import { JDWP, MOD_KIND } from '../registry';
import type { Event_Composite_Events, Event_Composite_Events_ClassPrepare } from '../protocol/spec-types';
import type { Cluster } from './cluster';
import { holdsAt, readHeader, sitesOf, sitesOn, type EdgeSite } from './edge-sites';
import { fieldWrites } from './field-writes';
import { jdkServerHeader, readsJdkServer } from './header-path';
import type { NodeLink } from './node-link';
import type { OwnRequest } from './own-requests';
import type { RequestManager, VRequest } from './requests';

const K = JDWP.EventKind;
const M = MOD_KIND;

/** Kinds of requests a scope arms per in-scope thread (the others, steps included, are left as they are). */
const SCOPED_KINDS = new Set<number>([
  K.BREAKPOINT,
  K.EXCEPTION,
  K.METHOD_ENTRY,
  K.METHOD_EXIT,
  K.METHOD_EXIT_WITH_RETURN_VALUE,
  K.FIELD_ACCESS,
  K.FIELD_MODIFICATION,
  K.MONITOR_CONTENDED_ENTER,
  K.MONITOR_CONTENDED_ENTERED,
  K.MONITOR_WAIT,
  K.MONITOR_WAITED,
]);

/** How long one measuring window of the check cost lasts. */
const WINDOW_MS = 1_000;
/** How often nodes are looked at for server sides still to check (a class loaded later, a node that joined). */
const REARM_MS = 2_000;

/** The frame a thread is in scope within: a server side's, or the method that wrote a mark field around one. */
interface Anchor {
  classID: ClassID;
  methodID: MethodID;
  /** The thread's frame count with this frame on top: its exit is the exit at this depth. */
  depth: number;
}

/** One thread serving an in-scope request. */
interface InScope {
  link: NodeLink;
  thread: bigint;
  vthread: bigint;
  anchor: Anchor;
  exit?: OwnRequest;
  /** For a thread a mark field put in scope: its next entry of the anchor method (no entry check sees it). */
  next?: OwnRequest;
  bindings: Array<{ req: VRequest; rawId: number }>;
}

/** Per node: its entry checks and mark watches, and what they cost. */
interface NodeChecks {
  /** Entry checks, mark field watchpoints and the ClassPrepare watches of mark classes not loaded yet. */
  checks: OwnRequest[];
  /** Server sites (class:method) checked or watched. */
  armed: Set<string>;
  /** Per mark field: whether it is watched (or will be, once its class loads); false when it does not resolve. */
  marks: Map<string, Promise<boolean>>;
  windowStart: number;
  spentMs: number;
  total: number;
  matched: number;
  off: boolean;
  /** The share of a core the last full window cost. */
  lastShare: number;
  /** The time checks and mark watches held threads until they decided, in all. */
  heldMs: number;
}

/** What a scope reports per node (Fabric.RequestScopeInfo, the CLI and the adapter). */
export interface ScopeNodeReport {
  node: string;
  checks: number;
  matched: number;
  inScope: number;
  costPermille: number;
  off: boolean;
  /** The time checks and mark watches held threads there until they decided, in all (ms). */
  heldMs: number;
}

/** One session's request scope. */
export class RequestScope {
  private readonly scoped = new Set<VRequest>();
  private readonly threads = new Map<string, InScope>();
  private readonly nodes = new Map<NodeLink, NodeChecks>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly requests: RequestManager,
    readonly spec: RequestScopeSpec,
  ) {}

  /** True for a request this scope arms per in-scope thread instead of everywhere. */
  applies(req: VRequest): boolean {
    return SCOPED_KINDS.has(req.eventKind) && !req.modifiers.some((m) => m.modKind === M.ThreadOnly || m.modKind === M.Step);
  }

  /** Takes a request under the scope: it is set on no node now, and on each in-scope thread's node for that thread. */
  async adopt(req: VRequest): Promise<void> {
    this.scoped.add(req);
    await Promise.all([...this.threads.values()].map((s) => this.bindFor(s, req)));
  }

  /** A request of the scope was cleared (its thread bindings go with its other bindings). */
  dropped(req: VRequest): void {
    this.scoped.delete(req);
    for (const s of this.threads.values()) s.bindings = s.bindings.filter((b) => b.req !== req);
  }

  /** The requests under the scope. */
  adopted(): VRequest[] {
    return [...this.scoped];
  }

  private async bindFor(s: InScope, req: VRequest): Promise<void> {
    const rawIds = await this.requests.bindForThread(req, s.link, s.vthread).catch((err: Error) => {
      this.cluster.options.log(`[fabric] node ${s.link.name}: request ${req.id} not armed for an in-scope thread: ${err.message}`);
      return [] as number[];
    });
    for (const rawId of rawIds) s.bindings.push({ req, rawId });
  }

  /** Starts the entry checks on every live node, and keeps them on nodes that join or load a server side later. */
  async start(): Promise<void> {
    await Promise.all(this.cluster.live().map((l) => this.arm(l)));
    this.timer = setInterval(() => void Promise.all(this.cluster.live().map((l) => this.arm(l))).catch(() => undefined), REARM_MS);
    this.timer.unref();
  }

  /** Places entry checks (or mark field watches) at the server sides found on a node and not checked yet. */
  async arm(link: NodeLink): Promise<void> {
    if (this.closed) return;
    let n = this.nodes.get(link);
    if (!n) this.nodes.set(link, (n = { checks: [], armed: new Set(), marks: new Map(), windowStart: Date.now(), spentMs: 0, total: 0, matched: 0, off: false, lastShare: 0, heldMs: 0 }));
    if (n.off) return;
    const sites = await sitesOf(link, this.cluster.options.edges, 'server').catch(() => [] as EdgeSite[]);
    const node = n;
    await Promise.all(
      sites
        .filter((s) => !node.armed.has(`${s.entry.classID}:${s.entry.methodID}`))
        .map(async (site) => {
          node.armed.add(`${site.entry.classID}:${site.entry.methodID}`);
          const mark = this.markOf(site.edge.server);
          if (mark && (await this.watchMark(link, node, mark))) return;
          await this.keep(node, await this.cluster.own.place(link, K.BREAKPOINT, [{ modKind: M.LocationOnly, loc: site.entry }] as never, (l, ev) => this.entered(l, ev, site)));
        }),
    );
  }

  private async keep(n: NodeChecks, own: OwnRequest): Promise<void> {
    if (this.closed || n.off) await this.cluster.own.clear(own);
    else n.checks.push(own);
  }

  /** A server side's mark field, when it carries this scope's kind of mark. */
  private markOf(side: EdgeSide): MarkField | undefined {
    const kind = side.mark && parseMarkKind(side.mark.carries);
    return kind && scopeReadsMark(this.spec, kind) ? side.mark : undefined;
  }

  /**
   * Watches writes of a mark field on a node (once per field), with a breakpoint at each write by its class's
   * methods: now when its class is loaded, else when it loads (a ClassPrepare watch holds the loading thread until
   * the breakpoints are set). False when the field does not resolve there: the node's server sides are then
   * checked at their entries.
   */
  private watchMark(link: NodeLink, n: NodeChecks, mark: MarkField): Promise<boolean> {
    let p = n.marks.get(mark.field);
    if (!p) {
      const dot = mark.field.lastIndexOf('.');
      const className = mark.field.slice(0, dot);
      p = (async () => {
        const classes = await link.classesBySignature(nameToSignature(className));
        if (!classes.length) {
          await this.keep(n, await this.cluster.own.place(link, K.CLASS_PREPARE, [{ modKind: M.ClassMatch, classPattern: className }] as never, async (l, ev) => {
            // The event comes with the virtual type: the field is looked up in the node's own.
            const raw = this.cluster.registry.byId.get((ev as Event_Composite_Events_ClassPrepare).typeID as unknown as bigint)?.members.get(l);
            if (raw !== undefined && (await this.watchField(l, n, mark, raw as unknown as ReferenceTypeID))) return;
            // The class has no such field: its sites fall back to entry checks.
            n.marks.set(mark.field, Promise.resolve(false));
            for (const site of await sitesOf(l, this.cluster.options.edges, 'server')) if (site.edge.server.mark === mark) n.armed.delete(`${site.entry.classID}:${site.entry.methodID}`);
            await this.arm(l);
          }));
          return true;
        }
        return (await Promise.all(classes.map((c) => this.watchField(link, n, mark, c.typeID)))).every(Boolean);
      })().catch(() => false);
      n.marks.set(mark.field, p);
    }
    return p;
  }

  private async watchField(link: NodeLink, n: NodeChecks, mark: MarkField, typeID: ReferenceTypeID): Promise<boolean> {
    const dot = mark.field.lastIndexOf('.');
    const name = mark.field.slice(dot + 1);
    const { declared } = await link.client.ReferenceType.Fields(typeID);
    const field = declared.find((f) => f.name === name);
    const writes = field?.signature === 'Ljava/lang/String;' ? await fieldWrites(link.client, typeID, mark.field.slice(0, dot).replace(/\./g, '/'), name) : undefined;
    if (!writes?.fromLocals.length || writes.others) {
      const why = !field
        ? 'is not declared by its class'
        : !writes
          ? `is a ${field.signature}, not a String`
          : writes.others
            ? `is written by its class from ${writes.others} expression(s) other than a local variable`
            : 'is written by no method of its class';
      this.cluster.options.log(`[fabric] error ${FabricErrorCode.MARK_FIELD_UNBOUND}: node ${link.name}: mark field ${mark.field} ${why}; the request scope checks its server sides at their entries there`);
      return false;
    }
    await Promise.all(
      writes.fromLocals.map(async (w) => {
        const loc = { typeTag: JDWP.TypeTag.CLASS, classID: typeID as unknown as ClassID, methodID: w.methodID, index: BigInt(w.index) };
        const own = await this.cluster.own.place(link, K.BREAKPOINT, [{ modKind: M.LocationOnly, loc }] as never, (l, ev) => this.written(l, ev, w.slot));
        await this.keep(n, own);
      }),
    );
    return true;
  }

  /**
   * A thread is about to write a mark field from a local variable: when the value is this scope's mark, it enters
   * the scope, within the outermost server side on its stack, or else within the method that writes it (a filter
   * around the handler).
   */
  private async written(link: NodeLink, ev: Event_Composite_Events, slot: number): Promise<void> {
    const vthread = (ev as { thread: bigint }).thread;
    const thread = link.ids.toRaw(vthread);
    const checked = this.checkTimer(link, performance.now());
    try {
      if (thread === undefined || this.closed) return;
      const n = this.nodes.get(link);
      if (n) n.total++;
      const [top] = (await link.client.ThreadReference.Frames(thread as ThreadID, 0, 1)).frames;
      const [value] = (await link.client.StackFrame.GetValues(thread as ThreadID, top.frameID, [{ slot, sigbyte: Tag.OBJECT }])).values;
      if (value?.tag !== Tag.STRING || !value.value) return;
      const { stringValue } = await link.client.StringReference.Value(value.value as StringID);
      if (!markMatches(this.spec, stringValue)) return;
      if (n) n.matched++;
      checked();
      const { frames } = await link.client.ThreadReference.Frames(thread as ThreadID, 0, -1);
      const servers = await sitesOn(link, this.cluster.options.edges);
      let at = 0;
      for (let i = frames.length - 1; i > 0 && !at; i--) if (servers.get(frames[i].location.methodID as unknown as bigint)?.some((s) => s.side === 'server')) at = i;
      const { classID, methodID }: Location = frames[at].location;
      const anchor: Anchor = { classID, methodID, depth: frames.length - at };
      const prior = this.threads.get(`${link.slot}:${thread}`);
      if (prior) {
        if (anchor.depth > prior.anchor.depth) return;
        await this.leave(prior);
      }
      await this.enter(link, thread, vthread, anchor, true);
    } finally {
      checked();
    }
  }

  /**
   * Starts timing one check on a node; the function returned ends it (once) and counts its time against the
   * budget. Arming a marked request's thread comes after it: that is the marked request's cost, not the check's.
   */
  private checkTimer(link: NodeLink, started: number): () => void {
    let done = false;
    return () => {
      const n = this.nodes.get(link);
      if (done || !n) return;
      done = true;
      this.account(link, n, performance.now() - started);
    };
  }

  /** A request entered a server side: when it carries the mark, its thread enters the scope. */
  private async entered(link: NodeLink, ev: Event_Composite_Events, site: EdgeSite): Promise<void> {
    const checked = this.checkTimer(link, performance.now());
    const vthread = (ev as { thread: bigint }).thread;
    const thread = link.ids.toRaw(vthread);
    const n = this.nodes.get(link);
    try {
      if (thread === undefined || this.closed) return;
      // Asked only of a thread in scope already or marked: the check of any other request stays one read shorter.
      let frameCount: number | undefined;
      const depth = async () => (frameCount ??= (await link.client.ThreadReference.FrameCount(thread as ThreadID)).frameCount);
      const prior = this.threads.get(`${link.slot}:${thread}`);
      if (prior) {
        // A call nested in the one in scope stays in scope; an entry at the same depth or above is the thread's
        // next request, so the previous one has ended (its exit event may not have come: HotSpot does not always
        // report the exit of a frame that ran compiled when the watch was placed).
        if ((await depth()) > prior.anchor.depth) return;
        await this.leave(prior);
      }
      if (n) n.total++;
      if (!(await this.marked(link, thread, site))) return;
      if (n) n.matched++;
      checked();
      await this.enter(link, thread, vthread, { classID: site.entry.classID, methodID: site.entry.methodID, depth: await depth() });
    } finally {
      checked();
    }
  }

  /**
   * A thread enters the scope: the session's requests are armed for it, and it leaves when its anchor frame
   * returns. With `watchNext` (a thread put in scope by a mark field, which no entry check sees again), it also
   * leaves when it next enters the anchor method at the same depth or above: the exit of a frame that ran compiled
   * is not always reported.
   */
  private async enter(link: NodeLink, thread: bigint, vthread: bigint, anchor: Anchor, watchNext = false): Promise<void> {
    const s: InScope = { link, thread, vthread, anchor, bindings: [] };
    this.threads.set(`${link.slot}:${thread}`, s);
    if (watchNext) {
      const loc = { typeTag: JDWP.TypeTag.CLASS, classID: anchor.classID, methodID: anchor.methodID, index: 0n };
      s.next = await this.cluster.own.place(link, K.BREAKPOINT, [{ modKind: M.ThreadOnly, thread }, { modKind: M.LocationOnly, loc }] as never, async (l) => {
        const { frameCount: now } = await l.client.ThreadReference.FrameCount(thread as ThreadID);
        if (now <= anchor.depth && this.threads.get(`${link.slot}:${thread}`) === s) await this.leave(s);
      });
    }
    s.exit = await this.cluster.own.place(link, K.METHOD_EXIT, [{ modKind: M.ThreadOnly, thread }, { modKind: M.ClassOnly, clazz: anchor.classID }] as never, async (l, exitEv) => {
      const method = this.cluster.registry.methods.get((exitEv as { location: { methodID: bigint } }).location.methodID)?.raw.get(l);
      if (method !== (anchor.methodID as unknown as bigint)) return;
      const { frameCount: now } = await l.client.ThreadReference.FrameCount(thread as ThreadID);
      if (now === anchor.depth) await this.leave(s);
    });
    await Promise.all([...this.scoped].map((req) => this.bindFor(s, req)));
  }

  /** True when the request a thread serves carries the scope's mark. */
  private async marked(link: NodeLink, thread: bigint, site: EdgeSite): Promise<boolean> {
    const spec = this.spec;
    const side = site.edge.server;
    // The JDK server's headers are read along their fixed field path; other servers' by the general reader.
    const header = async (name: string) => (readsJdkServer(side) ? await jdkServerHeader(link, thread, name) : undefined) ?? { value: await readHeader(link, thread, 0, side, name) };
    switch (spec.kind) {
      case 'header':
        return (await header(spec.name)).value === spec.value;
      case 'baggage': {
        const baggage = (await header('baggage')).value;
        return baggage !== undefined && baggageEntry(baggage, spec.key) === spec.value;
      }
      case 'trace': {
        const traceparent = (await header('traceparent')).value;
        return traceparent !== undefined && traceIdOf(traceparent) === spec.traceId;
      }
      case 'expr':
        return holdsAt(link, thread, 0, spec.expression);
    }
  }

  /** The in-scope thread's handler returned: its requests go, and the thread is out of scope. */
  private async leave(s: InScope): Promise<void> {
    this.threads.delete(`${s.link.slot}:${s.thread}`);
    const bindings = s.bindings.splice(0);
    const own = [s.exit, s.next].filter((o): o is OwnRequest => o !== undefined);
    await Promise.all([...bindings.map((b) => this.requests.unbindRaw(b.req, s.link, b.rawId)), ...own.map((o) => this.cluster.own.clear(o))]);
  }

  private account(link: NodeLink, n: NodeChecks, ms: number): void {
    const now = Date.now();
    if (now - n.windowStart >= WINDOW_MS) {
      n.lastShare = n.spentMs / (now - n.windowStart);
      n.windowStart = now;
      n.spentMs = 0;
      if (n.lastShare > this.cluster.options.scopeBudget && !n.off) void this.switchOff(link, n);
    }
    n.spentMs += ms;
    n.heldMs += ms;
  }

  private async switchOff(link: NodeLink, n: NodeChecks): Promise<void> {
    n.off = true;
    this.cluster.options.log(
      `[fabric] request scope ${this.spec.text}: the entry checks held requests ${(n.lastShare * 100).toFixed(1)}% of the time on node ${link.name} ` +
        `(budget ${(this.cluster.options.scopeBudget * 100).toFixed(1)}% of a core); checks are off there, and its requests stay out of scope`,
    );
    await Promise.all(n.checks.splice(0).map((c) => this.cluster.own.clear(c)));
  }

  /** What the scope did per node. */
  report(): ScopeNodeReport[] {
    return this.cluster.live().map((link) => {
      const n = this.nodes.get(link);
      return {
        node: link.name,
        checks: n?.total ?? 0,
        matched: n?.matched ?? 0,
        inScope: [...this.threads.values()].filter((s) => s.link === link).length,
        costPermille: Math.round((n?.lastShare ?? 0) * 1000),
        off: n?.off ?? false,
        heldMs: n?.heldMs ?? 0,
      };
    });
  }

  /** Forgets what a node that left took part in. */
  nodeLeft(link: NodeLink): void {
    this.nodes.delete(link);
    for (const [key, s] of [...this.threads]) if (s.link === link) this.threads.delete(key);
  }

  /** Ends the scope: every entry check, exit watch and per-thread request goes; the adopted requests are handed back. */
  async close(): Promise<VRequest[]> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const checks = [...this.nodes.values()].flatMap((n) => n.checks.splice(0));
    await Promise.all([...checks.map((c) => this.cluster.own.clear(c)), ...[...this.threads.values()].map((s) => this.leave(s))]);
    const adopted = [...this.scoped];
    this.scoped.clear();
    return adopted;
  }
}
