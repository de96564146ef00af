/**
 * One child debug session per node of the virtual VM, so that a client shows cluster → node → threads.
 *
 * The cluster's session (the parent, attached to the virtual VM) keeps the one JDWP connection and every handle
 * table; a node's session (a child) is a thin view of it, as vscode-js-debug's worker sessions are of their
 * target. The parent listens on a loopback DAP port and asks the client to start a child per node, whose attach
 * configuration carries `__fabricNode` (slot, name, port and a per-session token): VS Code's extension is asked by
 * the NODE_SESSION_EVENT custom event (so that it can merge the Debug Consoles), other clients by the
 * `startDebugging` reverse request. The child reaches that port: VS Code's extension returns a DebugAdapterServer
 * for it, and a standalone `jdwp-fabric dap` started for a child relays there (ParentRelay). Either way the child
 * is served by the parent's process and state; thread, frame and variables numbers are the parent's.
 *
 * Routing: `stopped`, `continued` and `thread` events go to the child of their thread's node (slotOf of the
 * JDWP thread); `breakpoint` events go to the parent and to every child (their breakpoint ids are the parent's).
 * On the parent, `continue` and `pause` mean the whole cluster and `threads` lists none. On a child, `continue`,
 * `pause` and steps mean its node (its thread under suspendScope "thread"), `threads` lists its node's threads
 * with the stopped ones first, and `disconnect` detaches the node: it runs on, and its later events are resumed
 * as decided. What runs and what is suspended is the thread model's alone (ctx.model: resumeNode, pauseNode,
 * pauseCluster, freeNode); this module keeps no suspension state, and the `continued` events the model sends for
 * a node's threads reach that node's child by the same routing. Breakpoints belong to the parent: a child answers
 * setBreakpoints with the parent's answer for that source.
 * Stack, variables and evaluation run as on the parent. Nodes that join get a child; nodes that leave end theirs.
 * When the client cannot start children (neither supportsStartDebuggingRequest nor the extension's attribute, a
 * refused start, or `"nodeSessions": false`) the parent keeps the flat list.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { DebugSession, Event, InitializedEvent, Response, StoppedEvent, TerminatedEvent, ThreadEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ThreadID } from '../jdwp/protocol/wire-types';
import { slotOf } from '../jdwp/vm/ids';
import { capabilities } from './capabilities';
import type { ClusterArguments } from './config';
import type { AdapterContext } from './context';
import { AdapterError, AdapterErrorCode, ERROR_FORMAT, toAdapterError } from './errors';
import { fabricNodes, type FabricNode } from './fabric';
import { continue_, pause, threads } from './threads';

/** The configuration attribute that makes an attach a node's child session. */
export const NODE_ATTRIBUTE = '__fabricNode';

/**
 * The attach attribute by which VS Code's extension asks for node sessions by the NODE_SESSION_EVENT custom event
 * instead of the startDebugging reverse request: the extension then starts them with a Debug Console merged into
 * the cluster's (where logpoint output goes), which the reverse request cannot ask for.
 */
export const NODE_EVENTS_ATTRIBUTE = '__fabricNodeSessionEvents';

/** The custom event that asks the extension to start a node's session; its body is `{ configuration }`. */
export const NODE_SESSION_EVENT = 'fabric.startNodeSession';

/** The custom request by which the extension reports that it could not start a node's session: `{ name, message }`. */
export const NODE_SESSION_FAILED = 'fabric.nodeSessionFailed';

/** The value of `__fabricNode`: which node, and where its parent serves it. */
export interface NodeTarget {
  slot: number;
  name: string;
  host: string;
  port: number;
  token: string;
}

/** A request handler of the parent session, shared with the children. */
export type Handler = (ctx: AdapterContext, args: any, session: any) => Promise<unknown>;

/** What the hub needs of the parent session. */
export interface ParentSession {
  readonly ctx: AdapterContext;
  sendEvent(event: DebugProtocol.Event): void;
  sendRequest(command: string, args: unknown, timeout: number, cb: (response: DebugProtocol.Response) => void): void;
}

/** How long the client may take to answer a startDebugging request. */
const START_TIMEOUT_MS = 10_000;
/** How long a child's connection may stay open after the cluster's session ended (its terminated event is on the way). */
const SOCKET_LINGER_MS = 1_000;
/** How long a child's setBreakpoints waits for the parent's answer for the same lines. */
const MIRROR_WAIT_MS = 2_000;

/** True when the parent should open node sessions: a virtual VM, a client that can start them, and not turned off. */
export function wantsNodeSessions(ctx: AdapterContext, clientSupportsStartDebugging: boolean, args: ClusterArguments): boolean {
  if (args.nodeSessions !== undefined && typeof args.nodeSessions !== 'boolean') {
    throw new AdapterError(AdapterErrorCode.BAD_CONFIGURATION, '"nodeSessions" must be true or false');
  }
  return ctx.fabric && (clientSupportsStartDebugging || byEvent(args)) && args.nodeSessions !== false;
}

/** True when the client starts node sessions on the NODE_SESSION_EVENT (VS Code's extension does). */
export function byEvent(args: object): boolean {
  return (args as Record<string, unknown>)[NODE_EVENTS_ATTRIBUTE] === true;
}

/** The node target of an attach request's arguments, if it is a child's. */
export function nodeTargetOf(args: Record<string, unknown>): NodeTarget | undefined {
  const t = args[NODE_ATTRIBUTE] as Partial<NodeTarget> | undefined;
  if (t === undefined) return undefined;
  if (typeof t !== 'object' || t === null || typeof t.port !== 'number' || typeof t.slot !== 'number' || typeof t.token !== 'string') {
    throw new AdapterError(AdapterErrorCode.BAD_CONFIGURATION, `"${NODE_ATTRIBUTE}" must carry slot, port and token`);
  }
  return { slot: t.slot, name: String(t.name ?? `node ${t.slot}`), host: String(t.host ?? '127.0.0.1'), port: t.port, token: t.token };
}

/** One node's child: its view once connected. What its node's threads are doing is the thread model's (ctx.model). */
interface Child {
  slot: number;
  name: string;
  view: NodeView | undefined;
  /** True from startDebugging until the child ends. */
  started: boolean;
  /** Events for the child that came before it was configured. */
  pending: DebugProtocol.Event[];
}

/** The parent's answer to one setBreakpoints (or setFunctionBreakpoints) for a source. */
interface BreakpointAnswer {
  lines: string;
  body: { breakpoints: DebugProtocol.Breakpoint[] };
}

/**
 * The parent's side of node sessions: the loopback DAP port the children connect to, the children by slot,
 * event routing and the requests whose meaning changes on the parent.
 */
export class NodeSessions {
  private readonly children = new Map<number, Child>();
  private readonly server = net.createServer((socket) => this.serve(socket));
  private readonly token = randomBytes(16).toString('hex');
  private readonly answers = new Map<string, BreakpointAnswer>();
  private readonly sockets = new Set<net.Socket>();
  /** Nodes whose session the client disconnected: they run on, unseen. */
  private readonly detached = new Set<number>();
  private answerWaiters: Array<() => void> = [];
  private port = 0;
  /** False once the client refused a child: the parent lists every thread again. */
  active = true;
  private configured = false;
  private ended = false;

  constructor(
    private readonly parent: ParentSession,
    private readonly handlers: Record<string, Handler>,
    /** Ask for children with NODE_SESSION_EVENT rather than the startDebugging reverse request. */
    private readonly byEvent: boolean,
  ) {}

  private get ctx(): AdapterContext {
    return this.parent.ctx;
  }

  /** Listens on a loopback port for the children. */
  async open(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    this.ctx.resources.push({ dispose: () => this.close() });
  }

  /** The parent's handler for a command while node sessions are active, when it differs from the plain one. */
  override(command: string): Handler | undefined {
    if (!this.active) return undefined;
    switch (command) {
      case 'threads':
        return async () => ({ threads: [] });
      case 'continue':
        return async (ctx) => {
          ctx.requireVm();
          // Every node's session hears that its node runs again (their clients asked nothing).
          return { allThreadsContinued: await ctx.model.resume(undefined, false, true) };
        };
      case 'pause':
        return async (ctx) => {
          ctx.requireVm();
          await ctx.model.pauseCluster();
        };
      case 'configurationDone':
        return async (ctx, args, session) => {
          await this.handlers.configurationDone(ctx, args, session);
          this.configured = true;
          await this.reconcile();
        };
      case 'setBreakpoints':
      case 'setFunctionBreakpoints':
        return async (ctx, args, session) => {
          const body = (await this.handlers[command](ctx, args, session)) as BreakpointAnswer['body'];
          this.answers.set(answerKey(command, args), { lines: linesOf(command, args), body });
          for (const w of this.answerWaiters.splice(0)) w();
          return body;
        };
      case NODE_SESSION_FAILED:
        return async (_ctx, args) => this.refused(String(args.name), String(args.message));
      case 'disconnect':
        return async (ctx, args, session) => {
          await this.close();
          return this.handlers.disconnect(ctx, args, session);
        };
      default:
        return undefined;
    }
  }

  /** Takes an event the adapter sends; answers true when it went to a child instead of the parent. */
  route(event: DebugProtocol.Event): boolean {
    if (!this.active || this.ended) return false;
    switch (event.event) {
      case 'stopped':
        return this.routeStop(event as DebugProtocol.StoppedEvent);
      case 'continued':
      case 'thread': {
        const slot = this.slotOfThread((event.body as { threadId?: number }).threadId);
        if (slot === undefined) return false;
        const child = this.children.get(slot);
        if (child) this.deliver(child, event);
        return true;
      }
      case 'breakpoint':
        for (const child of this.children.values()) this.deliver(child, event);
        return false;
      case 'fabric.nodesChanged':
        void this.reconcile((event.body as { nodes: FabricNode[] }).nodes);
        return false;
      case 'terminated':
        void this.close();
        return false;
      default:
        return false;
    }
  }

  /**
   * A stop goes to its node's session, with allThreadsStopped true when the whole node is held. Under
   * suspendScope "cluster" the sessions of the other nodes held with it are shown their node stopped too.
   */
  private routeStop(event: DebugProtocol.StoppedEvent): boolean {
    const slot = this.slotOfThread(event.body.threadId);
    if (slot === undefined) return false;
    // The thread model never stops a detached node; a stop that raced the detach is its own to undo.
    if (this.detached.has(slot)) return true;
    const model = this.ctx.model;
    event.body.allThreadsStopped = model.isNodeHeld(slot);
    if (this.ctx.settings.suspendScope === 'cluster' && event.body.reason !== 'pause') {
      for (const other of this.children.values()) {
        if (other.slot !== slot && model.isNodeHeld(other.slot)) this.deliver(other, withAllStopped(new StoppedEvent('pause'), 'Suspended with the cluster'));
      }
    }
    const child = this.childFor(slot);
    this.deliver(child, event);
    if (!child.started) void this.reconcile();
    return true;
  }

  private slotOfThread(threadId: number | undefined): number | undefined {
    const thread = threadId === undefined ? undefined : this.ctx.threadIds.key(threadId);
    return thread === undefined ? undefined : slotOf(thread);
  }

  private childFor(slot: number, name = `node ${slot}`): Child {
    let child = this.children.get(slot);
    if (!child) {
      child = { slot, name, view: undefined, started: false, pending: [] };
      this.children.set(slot, child);
    }
    return child;
  }

  private deliver(child: Child, event: DebugProtocol.Event): void {
    if (child.view?.configured) child.view.sendEvent(event);
    else if (event.event !== 'thread' && event.event !== 'breakpoint') child.pending.push(event);
  }

  /** Starts a child for every node that is up and has none, and ends the children of nodes that left. */
  async reconcile(known?: FabricNode[]): Promise<void> {
    if (!this.configured || !this.active || this.ended) return;
    let nodes = known;
    if (!nodes) {
      try {
        nodes = (await fabricNodes(this.ctx)).nodes;
      } catch {
        return;
      }
    }
    const up = new Map(nodes.filter((n) => n.state === 'up').map((n) => [n.slot, n]));
    for (const child of [...this.children.values()]) if (!up.has(child.slot)) this.end(child);
    for (const node of up.values()) {
      if (this.detached.has(node.slot)) continue;
      const child = this.childFor(node.slot, node.name);
      child.name = node.name;
      if (child.started) continue;
      // A node held with the cluster before its session existed is shown stopped, as the sessions that existed were.
      // (A node's own stop reaches its session's pending events by itself, also before the session starts.)
      const ownStop = this.ctx.model.stoppedThreads().some((t) => slotOf(t) === node.slot);
      if (this.ctx.settings.suspendScope === 'cluster' && !ownStop && this.ctx.model.isNodeHeld(node.slot) && !child.pending.some((e) => e.event === 'stopped')) {
        child.pending.push(withAllStopped(new StoppedEvent('pause'), 'Suspended with the cluster'));
      }
      this.start(child);
    }
  }

  private start(child: Child): void {
    child.started = true;
    const target: NodeTarget = { slot: child.slot, name: child.name, host: '127.0.0.1', port: this.port, token: this.token };
    const configuration = { type: 'jdwp-fabric', request: 'attach', name: child.name, [NODE_ATTRIBUTE]: target };
    if (this.byEvent) {
      this.parent.sendEvent(new Event(NODE_SESSION_EVENT, { configuration }));
      return;
    }
    this.parent.sendRequest('startDebugging', { request: 'attach', configuration }, START_TIMEOUT_MS, (response) => {
      if (!response.success) this.refused(child.name, response.message ?? '');
    });
  }

  /** The client could not start a node's session: the parent goes back to the flat list. */
  private refused(name: string, message: string): void {
    if (this.ended) return;
    this.ctx.output(`jdwp-fabric: the client did not start a session for ${name} (${message}); listing every thread in the cluster's session`, 'console');
    void this.fallBack();
  }

  /** Gives up on children: ends them and lets the parent list every thread again. */
  private async fallBack(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    const stopped = this.ctx.model.stoppedThreads();
    for (const child of [...this.children.values()]) this.end(child);
    // The client learns of the threads again, and of the stops its children would have shown.
    if (stopped.length === 0) this.parent.sendEvent(new ThreadEvent('started', 0));
    for (const t of stopped) this.parent.sendEvent(new StoppedEvent(this.ctx.model.get(t)?.why ?? 'pause', this.ctx.threadIds.number(t)));
  }

  private end(child: Child): void {
    this.children.delete(child.slot);
    child.started = false;
    child.view?.finish();
  }

  /** Ends every child and stops listening. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    for (const child of [...this.children.values()]) this.end(child);
    this.server.close();
    for (const socket of this.sockets) {
      socket.end();
      setTimeout(() => socket.destroy(), SOCKET_LINGER_MS).unref();
    }
  }

  private serve(socket: net.Socket): void {
    if (this.ended) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const view = new NodeView(this);
    view.setRunAsServer(true);
    view.start(socket, socket);
    socket.on('close', () => view.detached());
    socket.on('error', () => undefined);
  }

  /** Binds a connected view to the child of its target; called by the view's attach. */
  bind(view: NodeView, target: NodeTarget | undefined): Child {
    if (!target || target.token !== this.token) throw new AdapterError(AdapterErrorCode.BAD_CONFIGURATION, `a node session needs the "${NODE_ATTRIBUTE}" of its cluster session`);
    const child = this.children.get(target.slot);
    if (!child || !child.started) throw new AdapterError(AdapterErrorCode.BAD_CONFIGURATION, `node ${target.name} (slot ${target.slot}) is not in the cluster any more`);
    child.view?.finish();
    child.view = view;
    return child;
  }

  /** Sends a configured view the events that waited for it. */
  flush(child: Child): void {
    for (const e of child.pending.splice(0)) child.view?.sendEvent(e);
  }

  /** A request of a child that runs as on the parent. */
  handler(command: string): Handler | undefined {
    return this.handlers[command];
  }

  /** The parent session, for shared handlers. */
  get session(): ParentSession {
    return this.parent;
  }

  /** `threads` of a child: its node's threads, the stopped ones first (latest stop first), then the held ones. */
  async nodeThreads(child: Child): Promise<DebugProtocol.ThreadsResponse['body']> {
    const all = (await threads(this.ctx)).threads;
    const prefix = `[${child.name}] `;
    const mine = new Map<ThreadID, DebugProtocol.Thread>();
    for (const t of all) {
      const thread = this.ctx.threadIds.key(t.id);
      if (thread === undefined || slotOf(thread) !== child.slot) continue;
      mine.set(thread, { id: t.id, name: t.name.startsWith(prefix) ? t.name.slice(prefix.length) : t.name });
    }
    return { threads: this.ctx.model.stoppedFirst([...mine.keys()]).map((t) => mine.get(t)!) };
  }

  /** `continue` of a child: resumes its node (its thread under suspendScope "thread"). */
  async continueNode(child: Child, args: DebugProtocol.ContinueArguments): Promise<DebugProtocol.ContinueResponse['body']> {
    if (this.ctx.settings.suspendScope === 'thread') return continue_(this.ctx, { ...args, singleThread: true });
    this.ctx.requireVm();
    await this.ctx.model.resumeNode(child.slot);
    return { allThreadsContinued: true };
  }

  /**
   * `next`, `stepIn` and `stepOut` of a child: the node's other threads resume, and the thread steps alone
   * (singleThread) until the step stops it and holds the node again; the other nodes stay as they are, also
   * under suspendScope "cluster". Under suspendScope "thread", as on the parent.
   */
  async stepNode(child: Child, command: string, args: DebugProtocol.NextArguments): Promise<unknown> {
    const step = this.handlers[command];
    if (this.ctx.settings.suspendScope === 'thread') return step(this.ctx, args, this.parent);
    const thread = this.ctx.thread(args.threadId);
    if (slotOf(thread) !== child.slot) throw new AdapterError(AdapterErrorCode.UNKNOWN_THREAD, `thread ${args.threadId} is not on ${child.name}`);
    if (!this.ctx.isSuspended(thread)) throw new AdapterError(AdapterErrorCode.THREAD_NOT_SUSPENDED, 'the thread must be stopped to step');
    await this.ctx.model.resumeNode(child.slot, thread);
    return step(this.ctx, { ...args, singleThread: true }, this.parent);
  }

  /** `pause` of a child: suspends every thread of its node (its thread under suspendScope "thread"). */
  async pauseNode(child: Child, args: DebugProtocol.PauseArguments): Promise<void> {
    if (this.ctx.settings.suspendScope === 'thread') return pause(this.ctx, args);
    const vm = this.ctx.requireVm();
    let named = this.ctx.threadIds.key(args.threadId);
    if (named === undefined || slotOf(named) !== child.slot) {
      named = (await vm.VirtualMachine.AllThreads()).threads.find((t) => slotOf(t) === child.slot);
      if (named === undefined) throw new AdapterError(AdapterErrorCode.UNKNOWN_THREAD, `${child.name} has no thread to pause`);
    }
    await this.ctx.model.pauseNode(named);
  }

  /**
   * `disconnect` of a child: the node is no longer debugged in this session. What the session suspended there
   * resumes, its view closes, and the thread model resumes its later events as they are decided (its breakpoints
   * stay set; the cluster's session decides them, which keeps one set of requests for every node).
   */
  async detachNode(child: Child): Promise<void> {
    this.detached.add(child.slot);
    this.children.delete(child.slot);
    child.started = false;
    await this.ctx.model.freeNode(child.slot);
  }

  /** A child's setBreakpoints or setFunctionBreakpoints: the parent's answer for the same lines. */
  async mirrorBreakpoints(command: string, args: any): Promise<BreakpointAnswer['body']> {
    const key = answerKey(command, args);
    const lines = linesOf(command, args);
    const deadline = Date.now() + MIRROR_WAIT_MS;
    while (this.answers.get(key)?.lines !== lines && Date.now() < deadline && !this.ended) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.answerWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const answer = this.answers.get(key);
    if (answer?.lines === lines) return answer.body;
    const wanted = (command === 'setBreakpoints' ? args.breakpoints : args.breakpoints) ?? [];
    return { breakpoints: wanted.map(() => ({ verified: false, message: 'set by the cluster session' })) };
  }
}

function withAllStopped(event: StoppedEvent, description?: string): DebugProtocol.StoppedEvent {
  const e = event as DebugProtocol.StoppedEvent;
  e.body.allThreadsStopped = true;
  if (description) e.body.description = description;
  return e;
}

function answerKey(command: string, args: any): string {
  return command === 'setBreakpoints' ? `source:${args.source?.path ?? args.source?.name ?? ''}` : 'functions';
}

function linesOf(command: string, args: any): string {
  const list = (args.breakpoints ?? []) as Array<{ line?: number; name?: string; condition?: string; hitCondition?: string; logMessage?: string }>;
  return JSON.stringify(list.map((b) => [command === 'setBreakpoints' ? b.line : b.name, b.condition, b.hitCondition, b.logMessage]));
}

/** One node's child session: a DAP connection from the client, served over the parent's state. */
class NodeView extends DebugSession {
  private child: Child | undefined;
  /** True once the client sent configurationDone: events may flow. */
  configured = false;
  private finished = false;

  constructor(private readonly hub: NodeSessions) {
    super();
  }

  /** Ends the view: the client ends the child session. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.sendEvent(new TerminatedEvent());
  }

  /** The client closed the connection. */
  detached(): void {
    this.finished = true;
  }

  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const response: DebugProtocol.Response = new Response(request);
    void this.handle(request)
      .then((body) => {
        if (body !== undefined) response.body = body;
        this.sendResponse(response);
      })
      .catch((err) => {
        const error = toAdapterError(err);
        this.sendErrorResponse(response, { id: error.code, format: ERROR_FORMAT, variables: { _message: error.message, _code: String(error.code) }, showUser: true });
      });
  }

  private async handle(request: DebugProtocol.Request): Promise<unknown> {
    const args = request.arguments ?? {};
    const { command } = request;
    if (command === 'initialize') return capabilities();
    if (command === 'attach') {
      this.child = this.hub.bind(this, nodeTargetOf(args));
      setImmediate(() => this.sendEvent(new InitializedEvent()));
      return undefined;
    }
    if (command === 'disconnect') {
      const child = this.child;
      this.child = undefined;
      this.finished = true;
      if (child && child.view === this) await this.hub.detachNode(child);
      return undefined;
    }
    const child = this.child;
    if (!child || child.view !== this) throw new AdapterError(AdapterErrorCode.NOT_CONNECTED, `"${command}" needs the node session's attach first`);
    const ctx = this.hub.session.ctx;
    switch (command) {
      case 'configurationDone':
        this.configured = true;
        setImmediate(() => this.hub.flush(child));
        return undefined;
      case 'threads':
        return await this.hub.nodeThreads(child);
      case 'continue':
        return await this.hub.continueNode(child, args);
      case 'next':
      case 'stepIn':
      case 'stepOut':
        return await this.hub.stepNode(child, command, args);
      case 'pause':
        return await this.hub.pauseNode(child, args);
      case 'setBreakpoints':
      case 'setFunctionBreakpoints':
        return await this.hub.mirrorBreakpoints(command, args);
      case 'setExceptionBreakpoints':
        return {};
      case 'launch':
      case 'terminate':
        throw new AdapterError(AdapterErrorCode.UNSUPPORTED_REQUEST, `a node session does not answer "${command}"; use the cluster's session`);
    }
    const handler = this.hub.handler(command);
    if (!handler) throw new AdapterError(AdapterErrorCode.UNSUPPORTED_REQUEST, `the request "${command}" is not supported`);
    return await handler(ctx, args, this.hub.session);
  }
}

/** What a relay needs of the standalone adapter it runs in. */
export interface RelayHost {
  sendResponse(response: DebugProtocol.Response): void;
  sendEvent(event: DebugProtocol.Event): void;
}

/**
 * A standalone adapter (`jdwp-fabric dap`) that a client started for a node's child: it forwards the child's
 * requests, from its attach on, to the parent's port, and the parent's answers and events back.
 */
export class ParentRelay {
  private buffer = Buffer.alloc(0);
  private closed = false;

  private constructor(
    private readonly socket: net.Socket,
    private readonly host: RelayHost,
  ) {
    socket.on('data', (data: Buffer) => this.receive(data));
    socket.on('close', () => {
      this.closed = true;
      host.sendEvent(new TerminatedEvent());
    });
    socket.on('error', () => undefined);
  }

  /** Connects to the parent of `target` and forwards the attach request that names it. */
  static async open(target: NodeTarget, attach: DebugProtocol.Request, host: RelayHost): Promise<ParentRelay> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(target.port, target.host, () => resolve(s));
      s.once('error', (err) => reject(new AdapterError(AdapterErrorCode.ATTACH_FAILED, `could not reach the cluster's session for ${target.name}: ${err.message}`)));
    });
    const relay = new ParentRelay(socket, host);
    relay.forward(attach);
    return relay;
  }

  /** Sends one request of the client to the parent; once the parent is gone, only disconnect succeeds. */
  forward(request: DebugProtocol.Request): void {
    if (this.closed) {
      const response: DebugProtocol.Response = new Response(request);
      if (request.command !== 'disconnect') {
        response.success = false;
        response.message = "the cluster's session has ended";
      }
      this.host.sendResponse(response);
      return;
    }
    const json = JSON.stringify(request);
    this.socket.write(`Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`, 'utf8');
  }

  private receive(data: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, data]);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: *(\d+)/i.exec(this.buffer.toString('utf8', 0, end))?.[1]);
      if (!Number.isFinite(length) || this.buffer.length < end + 4 + length) return;
      const message = JSON.parse(this.buffer.toString('utf8', end + 4, end + 4 + length)) as DebugProtocol.ProtocolMessage;
      this.buffer = this.buffer.subarray(end + 4 + length);
      if (message.type === 'response') this.host.sendResponse({ ...(message as DebugProtocol.Response), seq: 0 });
      else if (message.type === 'event') this.host.sendEvent(message as DebugProtocol.Event);
    }
  }
}
