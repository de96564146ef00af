import type { ReferenceTypeID } from '../protocol/wire-types';
import { commandByName, JDWP } from '../registry';
import type { EventRequest_Set_Modifier, EventRequest_Set_Out } from '../protocol/spec-types';
import type { Cluster } from './cluster';
import { slotOf } from './ids';
import type { NodeLink } from './node-link';
import { ProxyError, VIRTUAL_SIZES, type IdList, type Translator } from './translate';
import type { VType } from './type-registry';
import { lineAt, lineTableOf } from '../mirror/lines';
import type { RequestScopeSpec } from '../flow/scope-spec';
import { RequestScope } from './request-scope';

const SET = commandByName('EventRequest.Set');
const CLEAR = commandByName('EventRequest.Clear');
const E = JDWP.Error;
const K = JDWP.EventKind;
const M = { Count: 1, ThreadOnly: 3, ClassOnly: 4, ClassMatch: 5, ClassExclude: 6, LocationOnly: 7, ExceptionOnly: 8, FieldOnly: 9, Step: 10, InstanceOnly: 11 } as const;

/** Event kinds a debugger watches the VM's life with, which a node never refuses. */
const PASSIVE_KINDS = new Set<number>([K.CLASS_PREPARE, K.CLASS_UNLOAD, K.THREAD_START, K.THREAD_DEATH]);

/**
 * A request that suspends nothing, of a kind a node never refuses, narrowed only by class patterns (JDI's own
 * ClassPrepare and ClassUnload requests as it attaches): binding it cannot fail, so it need not be waited for.
 */
function passiveWatch(out: EventRequest_Set_Out): boolean {
  return out.suspendPolicy === JDWP.SuspendPolicy.NONE && PASSIVE_KINDS.has(out.eventKind) && out.modifiers.every((m) => m.modKind === M.ClassMatch || m.modKind === M.ClassExclude);
}

/**
 * Where a request applies: every node, one node, the nodes that run a type (of them only `slot`, when a thread or
 * instance filter pins one), or the nodes that run a symbol.
 */
export type Scope =
  | { kind: 'all' }
  | { kind: 'node'; slot: number }
  | { kind: 'type'; vtype: VType; slot?: number }
  | { kind: 'symbol'; signature: string; hash: string; methodName: string; line: number };

/** One request of the debugger, as the proxy keeps it; bound to one or more raw requests per node. */
export class VRequest {
  readonly bindings: Array<{ link: NodeLink; rawId: number }> = [];
  /** Node types this request is already bound to ("slot:raw"), so late loads never bind twice. */
  readonly boundTypes = new Set<string>();
  /** Occurrences seen toward a cluster-wide Count modifier. */
  seen = 0;
  /** Set once a Count request has reported its event. */
  expired = false;
  /** Names of nodes this request is switched off on (Fabric.DisableOnNode). */
  readonly disabledOn = new Set<string>();
  /**
   * For a line breakpoint: its class name, method, source line, policy and other modifiers. The debugger's
   * breakpoints with one key on several versions of a class are one breakpoint to it, and are cleared together.
   */
  lineKey: string | undefined;
  /**
   * Until the debugger has been sent this request's ID (the reply to its Set), a promise its events wait for: a
   * node may report a hit while the request is still being bound on other nodes, and a debugger drops (and
   * resumes) an event of a request it does not know yet.
   */
  announced: Promise<void> | undefined;
  /** The virtual EventRequest.Set packet and its IDs: encoded and walked once, however many nodes it is bound on. */
  private virtualSet: { data: Buffer; ids: IdList } | undefined;

  constructor(
    readonly id: number,
    readonly eventKind: number,
    readonly suspendPolicy: number,
    /** The modifiers sent to nodes (virtual IDs, Count removed). */
    readonly modifiers: EventRequest_Set_Modifier[],
    readonly scope: Scope,
    /** A Count modifier, counted across the cluster. */
    readonly count: number | undefined,
  ) {}

  /** The EventRequest.Set out-data for a node: the virtual packet, encoded once, with the node's IDs written into a copy. */
  outFor(link: NodeLink, translator: Translator): Buffer | Promise<Buffer> {
    if (!this.virtualSet) {
      const data = SET.out.encode(VIRTUAL_SIZES, { eventKind: this.eventKind, suspendPolicy: this.suspendPolicy, modifiers: this.modifiers });
      this.virtualSet = { data, ids: translator.collect(SET.out, data) };
    }
    const { data, ids } = this.virtualSet;
    return translator.packetToNode(link, SET.out, Buffer.from(data), {}, ids);
  }
}

/** The out-data of EventRequest.Clear, one buffer per (event kind, raw request ID) for every node it is sent to. */
function clearOut(eventKind: number, rawId: number): Buffer {
  const data = Buffer.allocUnsafe(5);
  data[0] = eventKind;
  data.writeInt32BE(rawId, 1);
  return data;
}

/** Converts a class signature to the name ClassMatch compares against. */
export function classMatchName(signature: string): string {
  return signature.slice(1, -1).replace(/\//g, '.');
}

/**
 * The debugger's event requests, bound to every node that could match them, and re-bound when a node joins or
 * loads the type later (through a ClassPrepare watch per class name and node).
 */
export class RequestManager {
  readonly requests = new Map<number, VRequest>();
  private readonly byRaw = new Map<NodeLink, Map<number, VRequest>>();
  /** Per node, a ClassPrepare request per class name that some request waits for. */
  private readonly watches = new Map<NodeLink, Map<string, Promise<number>>>();
  private readonly watchIds = new Map<NodeLink, Set<number>>();
  private nextId = 1;
  /** Set once clearAll ran (the debugger left): a command of its still being served may set no request after that. */
  private closed = false;
  /** The session's request scope, when it has one: its breakpoints are armed per in-scope thread. */
  scope: RequestScope | undefined;

  constructor(private readonly cluster: Cluster) {}

  /** Holds a new request, unless the debugger has left (its cleanup ran, so nothing would ever clear it). */
  private hold(req: VRequest): void {
    if (this.closed) throw new ProxyError(E.VM_DEAD, 'the debugger has left');
    this.requests.set(req.id, req);
  }

  /** The request behind a node's raw request ID. */
  lookup(link: NodeLink, rawId: number): VRequest | undefined {
    return this.byRaw.get(link)?.get(rawId);
  }

  /** True for a node's internal ClassPrepare watch. */
  isWatch(link: NodeLink, rawId: number): boolean {
    return this.watchIds.get(link)?.has(rawId) ?? false;
  }

  /** EventRequest.Set: decodes the virtual request, works out its scope and binds it on every node it could match. */
  async set(out: EventRequest_Set_Out): Promise<number> {
    let count: number | undefined;
    let slot: number | undefined;
    let vtype: VType | undefined;
    const modifiers: EventRequest_Set_Modifier[] = [];
    const typeOf = (id: bigint): VType => {
      const t = this.cluster.registry.byId.get(id);
      if (!t) throw new ProxyError(E.INVALID_CLASS, `unknown reference type ${id}`);
      return t;
    };
    for (const m of out.modifiers) {
      switch (m.modKind) {
        case M.Count:
          count = m.count;
          continue;
        case M.ThreadOnly:
        case M.Step:
          slot = this.slotFor(m.thread, E.INVALID_THREAD);
          break;
        case M.InstanceOnly:
          slot = this.slotFor(m.instance, E.INVALID_OBJECT);
          break;
        case M.LocationOnly:
          vtype = typeOf(m.loc.classID);
          break;
        case M.ClassOnly:
          vtype = typeOf(m.clazz);
          break;
        case M.ExceptionOnly:
          if (m.exceptionOrNull !== 0n) vtype = typeOf(m.exceptionOrNull);
          break;
        case M.FieldOnly:
          vtype = typeOf(m.declaring);
          break;
      }
      modifiers.push(m);
    }
    const scope: Scope = vtype ? { kind: 'type', vtype, slot } : slot !== undefined ? { kind: 'node', slot } : { kind: 'all' };
    const req = new VRequest(this.nextId++, out.eventKind, out.suspendPolicy, modifiers, scope, count);
    let open!: () => void;
    req.announced = new Promise((resolve) => (open = resolve));
    try {
      if (vtype && out.eventKind === K.BREAKPOINT) req.lineKey = await this.lineKeyOf(vtype, modifiers, out.suspendPolicy);
      this.hold(req);
      if (passiveWatch(out)) {
        // Nothing a node could refuse, and nothing it suspends: answered now, bound behind the reply. The Set is
        // written to every node before the reply, so any later command of the debugger reaches a node after it.
        void this.bindEverywhere(req).then((errors) => errors.forEach((e) => this.cluster.options.log(`[fabric] request ${req.id} not set on a node: ${e.message}`)));
        return req.id;
      }
      if (this.scope?.applies(req)) {
        await this.scope.adopt(req);
        return req.id;
      }
      const errors = await this.bindEverywhere(req);
      if (!req.bindings.length && (scope.kind === 'node' || errors.length)) {
        this.requests.delete(req.id);
        if (errors.length) throw errors[0];
        throw new ProxyError(E.INVALID_THREAD, 'the node of this request is gone');
      }
      if (out.eventKind === K.SINGLE_STEP) await this.cluster.remoteSteps.stepSet(this, req);
      return req.id;
    } finally {
      // The reply is written in this turn of the event loop, once this returns.
      setImmediate(() => {
        req.announced = undefined;
        open();
      });
    }
  }

  /**
   * Moves a step request to another thread (on any node): the step that followed a call across an RPC edge goes on
   * there, with the debugger's filters and `excludes` added, at `depth` (default the request's own). Its other
   * bindings are cleared, so the debugger gets one SingleStep event, of its own request.
   */
  async moveStep(req: VRequest, link: NodeLink, vthread: bigint, excludes: string[], depth?: number): Promise<void> {
    if (!this.requests.has(req.id) || req.expired) return;
    const modifiers = req.modifiers.map((m) => (m.modKind === M.Step ? { ...m, thread: vthread, ...(depth !== undefined ? { depth } : {}) } : m)) as EventRequest_Set_Modifier[];
    const patterns = new Set(req.modifiers.filter((m) => m.modKind === M.ClassExclude).map((m) => (m as { classPattern: string }).classPattern));
    for (const p of excludes) if (!patterns.has(p)) modifiers.push({ modKind: M.ClassExclude, classPattern: p } as EventRequest_Set_Modifier);
    const old = req.bindings.filter((b) => b.link !== link);
    await Promise.all(old.map((b) => this.unbindOn(req, b.link)));
    const virtual = SET.out.encode(VIRTUAL_SIZES, { eventKind: req.eventKind, suspendPolicy: req.suspendPolicy, modifiers });
    const reply = await link.send(SET.set.id, SET.spec.id, this.cluster.translator.packetToNode(link, SET.out, virtual));
    if (reply.errorCode !== 0) throw new ProxyError(reply.errorCode, `${link.name}: EventRequest.Set (moved step) failed with ${reply.errorCode}`);
    this.addBinding(req, link, reply.data.readInt32BE(0));
  }

  /** Sets a request on one node for one thread only (a request scope's in-scope thread); resolves with the raw request ID, or undefined when the node does not run its type. */
  async bindForThread(req: VRequest, link: NodeLink, vthread: bigint): Promise<number[]> {
    if (req.expired || !this.requests.has(req.id)) return [];
    const placed: number[] = [];
    const keep = (rawId: number) => {
      this.addBinding(req, link, rawId);
      if (req.bindings.some((b) => b.link === link && b.rawId === rawId)) placed.push(rawId);
    };
    if (req.scope.kind === 'symbol') {
      const scope = req.scope;
      const thread = link.ids.toRaw(vthread);
      const classes = await link.classesBySignature(scope.signature);
      for (const c of classes) {
        const vtype = await this.cluster.registry.resolve(link, c.typeID, { signature: scope.signature, tag: c.refTypeTag });
        if (thread === undefined || (scope.hash && vtype.symbolHash !== scope.hash)) continue;
        for (const loc of await this.lineLocations(link, vtype, c.typeID, scope.methodName, scope.line)) {
          keep((await link.client.EventRequest.Set(K.BREAKPOINT, req.suspendPolicy, [{ modKind: M.ThreadOnly, thread: thread as never }, { modKind: M.LocationOnly, loc }])).requestID);
        }
      }
      return placed;
    }
    if (req.scope.kind === 'type' && (await this.cluster.registry.ensureOn(req.scope.vtype, link)) === undefined) return [];
    const modifiers = [{ modKind: M.ThreadOnly, thread: vthread } as EventRequest_Set_Modifier, ...req.modifiers];
    const virtual = SET.out.encode(VIRTUAL_SIZES, { eventKind: req.eventKind, suspendPolicy: req.suspendPolicy, modifiers });
    const reply = await link.send(SET.set.id, SET.spec.id, this.cluster.translator.packetToNode(link, SET.out, virtual));
    if (reply.errorCode !== 0) throw new ProxyError(reply.errorCode, `${link.name}: EventRequest.Set (in-scope thread) failed with ${reply.errorCode}`);
    keep(reply.data.readInt32BE(0));
    return placed;
  }

  /** Clears one raw request of a request on one node (an in-scope thread left the scope). */
  async unbindRaw(req: VRequest, link: NodeLink, rawId: number): Promise<void> {
    const i = req.bindings.findIndex((b) => b.link === link && b.rawId === rawId);
    if (i >= 0) req.bindings.splice(i, 1);
    this.byRaw.get(link)?.delete(rawId);
    if (!link.down) await link.client.EventRequest.Clear(req.eventKind, rawId).catch(() => undefined);
  }

  /**
   * Sets the session's request scope (undefined: none). Requests the old scope held go back to every node; the
   * new scope takes the requests it applies to off the nodes and arms them per in-scope thread.
   */
  async setScope(spec: RequestScopeSpec | undefined): Promise<void> {
    const old = this.scope;
    this.scope = undefined;
    if (old) {
      const back = await old.close();
      await Promise.all(back.filter((r) => this.isLive(r)).map((r) => this.bindEverywhere(r)));
    }
    if (!spec || this.closed) return;
    const scope = new RequestScope(this.cluster, this, spec);
    this.scope = scope;
    const taken = [...this.requests.values()].filter((r) => !r.expired && scope.applies(r));
    await Promise.all(
      taken.map(async (r) => {
        await this.unbind(r);
        await scope.adopt(r);
      }),
    );
    await scope.start();
    this.cluster.options.log(`[fabric] request scope ${spec.text}: ${taken.length} request(s) now stop only threads serving marked requests`);
  }

  /** Clears a request's raw requests on one node only (it stays the debugger's request). */
  async unbindOn(req: VRequest, link: NodeLink): Promise<void> {
    const off = req.bindings.filter((b) => b.link === link);
    for (const b of off) req.bindings.splice(req.bindings.indexOf(b), 1);
    await Promise.all(
      off.map(({ rawId }) => {
        this.byRaw.get(link)?.delete(rawId);
        return link.down ? undefined : link.client.EventRequest.Clear(req.eventKind, rawId).catch(() => undefined);
      }),
    );
  }

  /** Fabric.SetBreakpointBySymbol: a line breakpoint on every node that runs a symbol (or any version), now or later. */
  async setBySymbol(signature: string, hash: string, methodName: string, line: number, suspendPolicy: number): Promise<VRequest> {
    const req = new VRequest(this.nextId++, K.BREAKPOINT, suspendPolicy, [], { kind: 'symbol', signature, hash, methodName, line }, undefined);
    this.hold(req);
    if (this.scope?.applies(req)) {
      await this.scope.adopt(req);
      return req;
    }
    await this.bindEverywhere(req);
    if (!req.bindings.length && req.boundTypes.size > 0) {
      this.requests.delete(req.id);
      throw new ProxyError(E.INVALID_LOCATION, `no code at ${classMatchName(signature)}${methodName ? `.${methodName}` : ''}${line >= 0 ? `:${line}` : ''} in the loaded class`);
    }
    return req;
  }

  /** True while the debugger holds a request (it was not cleared). */
  isLive(req: VRequest): boolean {
    return this.requests.get(req.id) === req;
  }

  /** The line key of a breakpoint (see VRequest.lineKey), or undefined when its line is unknown. */
  private async lineKeyOf(vtype: VType, modifiers: EventRequest_Set_Modifier[], suspendPolicy: number): Promise<string | undefined> {
    const at = modifiers.find((m): m is Extract<EventRequest_Set_Modifier, { modKind: 7 }> => m.modKind === M.LocationOnly);
    const method = at && this.cluster.registry.methods.get(at.loc.methodID);
    const link = vtype.memberNode(this.cluster.focus);
    const raw = link && method?.raw.get(link);
    if (!at || !method || !link || raw === undefined) return undefined;
    const table = await link.client.Method.LineTable(vtype.members.get(link)! as never, raw as never).catch(() => undefined);
    if (!table) return undefined;
    const line = lineAt(lineTableOf(table), at.loc.index);
    if (line === undefined) return undefined;
    const others = modifiers.filter((m) => m !== at);
    return `${vtype.signature} ${method.name}${method.signature}:${line} policy ${suspendPolicy} ${JSON.stringify(others, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`;
  }

  private slotFor(id: bigint, code: number): number {
    const slot = slotOf(id);
    if (!this.cluster.link(slot)) throw new ProxyError(code, `ID ${id} belongs to no live node`);
    return slot;
  }

  private async bindEverywhere(req: VRequest): Promise<ProxyError[]> {
    const errors: ProxyError[] = [];
    const slot = req.scope.kind === 'node' || req.scope.kind === 'type' ? req.scope.slot : undefined;
    const links = slot !== undefined ? [this.cluster.link(slot)!].filter(Boolean) : this.cluster.live();
    await Promise.all(
      links.map((link) =>
        this.bind(req, link).catch((err: Error) => {
          if (err instanceof ProxyError) errors.push(err);
          else if (!link.down) this.cluster.options.log(`[fabric] node ${link.name}: request ${req.id} not set: ${err.message}`);
        }),
      ),
    );
    return errors;
  }

  /** Binds a request on one node, if it could match there; type and symbol requests also watch for later loads. */
  async bind(req: VRequest, link: NodeLink): Promise<void> {
    const scope = req.scope;
    if (req.disabledOn.has(link.name) || this.scope?.adopted().includes(req)) return;
    if ((scope.kind === 'node' || scope.kind === 'type') && scope.slot !== undefined && scope.slot !== link.slot) return;
    if (scope.kind === 'symbol') return this.bindSymbol(req, link, scope);
    // The class watch goes out with the request, not one round trip before it: both are in place once both answered.
    const watched = scope.kind === 'type' ? this.watch(link, scope.vtype.signature) : undefined;
    watched?.catch(() => undefined);
    if (scope.kind === 'type') {
      const raw = scope.vtype.members.get(link) ?? (await this.cluster.registry.ensureOn(scope.vtype, link));
      if (raw === undefined) {
        await watched;
        return;
      }
      const key = `${link.slot}:${raw}`;
      if (req.boundTypes.has(key)) return;
      req.boundTypes.add(key);
    }
    const reply = await link.send(SET.set.id, SET.spec.id, req.outFor(link, this.cluster.translator));
    if (reply.errorCode !== 0) throw new ProxyError(reply.errorCode, `${link.name}: EventRequest.Set failed with ${reply.errorCode}`);
    this.addBinding(req, link, reply.data.readInt32BE(0));
    await watched;
  }

  private addBinding(req: VRequest, link: NodeLink, rawId: number): void {
    if (req.expired || !this.requests.has(req.id)) {
      link.client.EventRequest.Clear(req.eventKind, rawId).catch(() => undefined);
      return;
    }
    req.bindings.push({ link, rawId });
    let map = this.byRaw.get(link);
    if (!map) this.byRaw.set(link, (map = new Map()));
    map.set(rawId, req);
  }

  private async bindSymbol(req: VRequest, link: NodeLink, scope: Extract<Scope, { kind: 'symbol' }>): Promise<void> {
    await this.watch(link, scope.signature);
    const classes = await link.classesBySignature(scope.signature);
    for (const c of classes) {
      const vtype = await this.cluster.registry.resolve(link, c.typeID, { signature: scope.signature, tag: c.refTypeTag });
      if (scope.hash && vtype.symbolHash !== scope.hash) continue;
      const key = `${link.slot}:${c.typeID}`;
      if (req.boundTypes.has(key)) continue;
      req.boundTypes.add(key);
      for (const loc of await this.lineLocations(link, vtype, c.typeID, scope.methodName, scope.line)) {
        const id = await link.client.EventRequest.Set(K.BREAKPOINT, req.suspendPolicy, [{ modKind: M.LocationOnly, loc }]);
        this.addBinding(req, link, id.requestID);
      }
    }
  }

  private async lineLocations(link: NodeLink, vtype: VType, raw: ReferenceTypeID, methodName: string, line: number) {
    await this.cluster.registry.methodsOn(vtype, link);
    const methods = (vtype.methods ?? []).filter((m) => (!methodName || m.name === methodName) && m.raw.has(link));
    const tables = await Promise.all(
      methods.map((m) =>
        link.client.Method.LineTable(raw, m.raw.get(link)! as never).then(
          (t) => ({ m, t }),
          () => undefined,
        ),
      ),
    );
    const locations = [];
    for (const entry of tables) {
      if (!entry || !entry.t.lines.length) continue;
      const hits = line < 0 ? [entry.t.lines.reduce((a, b) => (a.lineCodeIndex <= b.lineCodeIndex ? a : b))] : entry.t.lines.filter((l) => l.lineNumber === line);
      if (!hits.length) continue;
      const index = hits.reduce((a, b) => (a.lineCodeIndex <= b.lineCodeIndex ? a : b)).lineCodeIndex;
      locations.push({ typeTag: vtype.tag, classID: raw as never, methodID: entry.m.raw.get(link)! as never, index });
    }
    return locations;
  }

  /** Keeps a ClassPrepare request on a node for a class name, so requests follow the class when it loads there. */
  private watch(link: NodeLink, signature: string): Promise<number> {
    if (this.closed) return Promise.reject(new ProxyError(E.VM_DEAD, 'the debugger has left'));
    let map = this.watches.get(link);
    if (!map) this.watches.set(link, (map = new Map()));
    const name = classMatchName(signature);
    let p = map.get(name);
    if (!p) {
      p = link.client.EventRequest.Set(K.CLASS_PREPARE, JDWP.SuspendPolicy.EVENT_THREAD, [{ modKind: M.ClassMatch, classPattern: name }]).then((r) => {
        let ids = this.watchIds.get(link);
        if (!ids) this.watchIds.set(link, (ids = new Set()));
        ids.add(r.requestID);
        return r.requestID;
      });
      map.set(name, p);
      p.catch(() => map!.delete(name));
    }
    return p;
  }

  /** A node prepared a type: binds every request waiting for that type or symbol there. */
  async prepared(link: NodeLink, vtype: VType): Promise<void> {
    const waiting = [...this.requests.values()].filter(
      (r) => !r.expired && ((r.scope.kind === 'type' && r.scope.vtype === vtype) || (r.scope.kind === 'symbol' && r.scope.signature === vtype.signature)),
    );
    await Promise.all(
      waiting.map((r) =>
        this.bind(r, link).catch((err: Error) => this.cluster.options.log(`[fabric] node ${link.name}: request ${r.id} not replicated: ${err.message}`)),
      ),
    );
  }

  /** Replicates every request to a node that joined. */
  async nodeJoined(link: NodeLink): Promise<void> {
    if (this.scope) void this.scope.arm(link);
    await Promise.all(
      [...this.requests.values()]
        .filter((r) => !r.expired)
        .map((r) => this.bind(r, link).catch((err: Error) => this.cluster.options.log(`[fabric] node ${link.name}: request ${r.id} not replicated: ${err.message}`))),
    );
  }

  /** Forgets a node that left. */
  nodeLeft(link: NodeLink): void {
    this.scope?.nodeLeft(link);
    for (const r of this.requests.values()) {
      for (let i = r.bindings.length - 1; i >= 0; i--) if (r.bindings[i].link === link) r.bindings.splice(i, 1);
      for (const key of [...r.boundTypes]) if (key.startsWith(`${link.slot}:`)) r.boundTypes.delete(key);
    }
    this.byRaw.delete(link);
    this.watches.delete(link);
    this.watchIds.delete(link);
  }

  /** Clears a request's raw requests on every node. */
  async unbind(req: VRequest): Promise<void> {
    this.cluster.remoteSteps.stepEnded(req);
    this.scope?.dropped(req);
    const bindings = req.bindings.splice(0);
    // Bound nowhere now: binding it again (a scope that ends hands it back) binds every type anew.
    req.boundTypes.clear();
    const outs = new Map<number, Buffer>();
    await Promise.all(
      bindings.map(({ link, rawId }) => {
        this.byRaw.get(link)?.delete(rawId);
        if (link.down) return undefined;
        let out = outs.get(rawId);
        if (!out) outs.set(rawId, (out = clearOut(req.eventKind, rawId)));
        return link.send(CLEAR.set.id, CLEAR.spec.id, out).catch(() => undefined);
      }),
    );
  }

  /** Fabric.DisableOnNode: clears a request's raw requests on the nodes of that name and keeps it off there. */
  async disableOn(id: number, node: string): Promise<void> {
    const req = this.requests.get(id);
    if (!req) throw new ProxyError(E.INVALID_EVENT_TYPE, `no request ${id}`);
    req.disabledOn.add(node);
    const off = req.bindings.filter((b) => b.link.name === node);
    for (const b of off) req.bindings.splice(req.bindings.indexOf(b), 1);
    await Promise.all(
      off.map(({ link, rawId }) => {
        this.byRaw.get(link)?.delete(rawId);
        return link.down ? undefined : link.client.EventRequest.Clear(req.eventKind, rawId).catch(() => undefined);
      }),
    );
  }

  /**
   * EventRequest.Clear. A line breakpoint goes with its twins on the other versions of its class: a debugger that
   * resolves a line against every class of a name (jdb does) sets one per version but may clear only one.
   */
  async clear(eventKind: number, id: number): Promise<void> {
    const req = this.requests.get(id);
    if (!req || req.eventKind !== eventKind) return;
    const gone = [req, ...this.twins(req)];
    for (const r of gone) this.requests.delete(r.id);
    await Promise.all(gone.map((r) => this.unbind(r)));
  }

  /** The debugger's breakpoints at the same line of other versions of a breakpoint's class, set the same way. */
  private twins(req: VRequest): VRequest[] {
    if (req.lineKey === undefined || req.scope.kind !== 'type') return [];
    const vtype = req.scope.vtype;
    return [...this.requests.values()].filter((r) => r !== req && r.lineKey === req.lineKey && r.scope.kind === 'type' && r.scope.vtype !== vtype);
  }

  /** EventRequest.ClearAllBreakpoints. */
  async clearAllBreakpoints(): Promise<void> {
    const bps = [...this.requests.values()].filter((r) => r.eventKind === K.BREAKPOINT);
    for (const r of bps) this.requests.delete(r.id);
    await Promise.all(bps.map((r) => this.unbind(r)));
  }

  /** A Count request reached its count: it reports this event and no more. */
  expire(req: VRequest): void {
    req.expired = true;
    void this.unbind(req);
  }

  /** Clears every request and every watch on every node. */
  async clearAll(): Promise<void> {
    this.closed = true;
    const scope = this.scope;
    this.scope = undefined;
    if (scope) await scope.close();
    const all = [...this.requests.values()];
    this.requests.clear();
    await Promise.all(all.map((r) => this.unbind(r)));
    const watches = [...this.watches.entries()];
    this.watches.clear();
    this.watchIds.clear();
    const outs = new Map<number, Buffer>();
    const clearWatch = (link: NodeLink, id: number) => {
      let out = outs.get(id);
      if (!out) outs.set(id, (out = clearOut(K.CLASS_PREPARE, id)));
      return link.send(CLEAR.set.id, CLEAR.spec.id, out).then(() => undefined);
    };
    await Promise.all(
      watches.flatMap(([link, map]) =>
        [...map.values()].map((p) =>
          p.then(
            (id) => (link.down ? undefined : clearWatch(link, id)),
            () => undefined,
          ).catch(() => undefined),
        ),
      ),
    );
  }

  /** On how many nodes a request is bound, out of those that run its type or symbol, and all live nodes. */
  info(id: number): { boundNodes: number; eligibleNodes: number; totalNodes: number } {
    const req = this.requests.get(id);
    if (!req) throw new ProxyError(E.INVALID_EVENT_TYPE, `no request ${id}`);
    const live = this.cluster.live();
    const bound = new Set(req.bindings.filter((b) => !b.link.down).map((b) => b.link));
    let eligible = live.length;
    if (req.scope.kind === 'node') eligible = 1;
    else if (req.scope.kind === 'type') {
      const { vtype: vt, slot } = req.scope;
      eligible = live.filter((l) => vt.members.has(l) && (slot === undefined || l.slot === slot)).length;
    } else if (req.scope.kind === 'symbol') {
      const s = req.scope;
      const types = this.cluster.registry.withSignature(s.signature).filter((t) => !s.hash || t.symbolHash === s.hash);
      eligible = live.filter((l) => types.some((t) => t.members.has(l))).length;
    }
    // Under a request scope a request is armed per in-scope thread, on demand: it counts as bound where it could be.
    const boundNodes = this.scope?.adopted().includes(req) ? eligible : bound.size;
    return { boundNodes, eligibleNodes: Math.max(eligible, boundNodes), totalNodes: live.length };
  }
}
