import { InitializedEvent, LoggingDebugSession, Logger, logger, Response } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { AdapterContext } from './context';
import { resolveAttach, resolveLaunch, resolveSettings, type TargetConfig } from './config';
import { AdapterError, AdapterErrorCode, ERROR_FORMAT, toAdapterError } from './errors';
import { connect } from './launch';
import { configurationDone, disconnect, disposeResources, startSession, terminate } from './lifecycle';
import { continue_, pause, threads } from './threads';
import { fabricDivergentClasses, fabricHeapPool, fabricNodes, fabricSetRequestScope } from './fabric';
import { capabilities } from './capabilities';
import { setExceptionBreakpoints } from './exception-breakpoints';
import { setFunctionBreakpoints } from './function-breakpoints';
import { setBreakpoints } from './line-breakpoints';
import { next, stepIn, stepOut } from './stepping';
import { restartFrame, stackTrace } from './stack';
import { scopes, variables } from './variables';
import { setVariable } from './set-variable';
import { evaluate } from './evaluate';
import { exceptionInfo } from './exceptions';
import { SourceLocator } from './sources';
import { byEvent, NodeSessions, nodeTargetOf, ParentRelay, wantsNodeSessions } from './node-sessions';

type Handler = (ctx: AdapterContext, args: any, session: FabricDebugSession) => Promise<unknown>;

/** Every request the adapter answers, by DAP command; each answers the response body. */
const HANDLERS: Record<string, Handler> = {
  initialize: async (ctx, args: DebugProtocol.InitializeRequestArguments, session) => {
    session.clientStartsSessions = args.supportsStartDebuggingRequest === true; // node sessions
    ctx.linesStartAt1 = args.linesStartAt1 ?? true;
    ctx.columnsStartAt1 = args.columnsStartAt1 ?? true;
    return capabilities();
  },
  launch: (ctx, args, session) => start(ctx, args, session, () => resolveLaunch(args)),
  attach: (ctx, args, session) => start(ctx, args, session, () => resolveAttach(args)),
  configurationDone: (ctx) => configurationDone(ctx),
  disconnect: (ctx, args) => disconnect(ctx, args),
  terminate: (ctx) => terminate(ctx),
  threads: (ctx) => threads(ctx),
  pause: (ctx, args) => pause(ctx, args),
  continue: (ctx, args) => continue_(ctx, args),
  next: (ctx, args) => next(ctx, args),
  stepIn: (ctx, args) => stepIn(ctx, args),
  stepOut: (ctx, args) => stepOut(ctx, args),
  setBreakpoints: (ctx, args) => setBreakpoints(ctx, args),
  setFunctionBreakpoints: (ctx, args) => setFunctionBreakpoints(ctx, args),
  setExceptionBreakpoints: (ctx, args) => setExceptionBreakpoints(ctx, args),
  exceptionInfo: (ctx, args) => exceptionInfo(ctx, args),
  stackTrace: (ctx, args) => stackTrace(ctx, args),
  restartFrame: (ctx, args) => restartFrame(ctx, args),
  scopes: (ctx, args) => scopes(ctx, args),
  variables: (ctx, args) => variables(ctx, args),
  setVariable: (ctx, args) => setVariable(ctx, args),
  evaluate: (ctx, args) => evaluate(ctx, args),
  'fabric.nodes': (ctx) => fabricNodes(ctx),
  'fabric.heapPool': (ctx, args) => fabricHeapPool(ctx, args ?? {}),
  'fabric.divergentClasses': (ctx) => fabricDivergentClasses(ctx),
  'fabric.setRequestScope': (ctx, args) => fabricSetRequestScope(ctx, args ?? {}),
};

/** Launch or attach: validates the configuration, reaches the VM, and cleans up everything it started if that fails. */
async function start(ctx: AdapterContext, args: any, session: FabricDebugSession, target: () => TargetConfig): Promise<void> {
  if (ctx.target) throw new AdapterError(AdapterErrorCode.BAD_CONFIGURATION, 'this session is already launched or attached');
  const settings = resolveSettings(args);
  const config = target();
  if (config.kind === 'launch' && settings.workspaceFolders.length === 0 && config.cwd) settings.workspaceFolders.push(config.cwd);
  ctx.settings = settings;
  ctx.sources = new SourceLocator(settings.sourcePaths, settings.workspaceFolders);
  if (args.trace) logger.setup(Logger.LogLevel.Verbose, false);
  try {
    await connect(ctx, config);
    if (wantsNodeSessions(ctx, session.clientStartsSessions, args)) await session.openNodeSessions(byEvent(args)); // node sessions
    await session.afterConnect();
  } catch (err) {
    ctx.vm?.close();
    ctx.vm = undefined;
    ctx.target = undefined;
    await disposeResources(ctx, true);
    throw err;
  }
}

/** Requests that may come before launch or attach has finished. */
const BEFORE_CONNECT = new Set(['initialize', 'launch', 'attach', 'disconnect', 'terminate']);

/**
 * The jdwp-fabric debug adapter: DAP on one side, JDWP to a JVM or the virtual VM on the other.
 * Every request runs in its own handler module; every failure answers a numbered DAP error.
 */
export class FabricDebugSession extends LoggingDebugSession {
  /** The session's state; exposed for tests and the extension's diagnostics. */
  readonly ctx: AdapterContext;
  /** True when the client answers the startDebugging reverse request (node sessions). */
  clientStartsSessions = false;
  /** Node sessions: one child session per node of the virtual VM (adapter/node-sessions.ts). */
  private nodeSessions: NodeSessions | undefined;
  /** Node sessions: set when this adapter was started for a node's child and relays to the cluster's session. */
  private relay: ParentRelay | undefined;
  constructor() {
    super();
    this.ctx = new AdapterContext((event) => {
      if (!this.nodeSessions?.route(event)) this.sendEvent(event);
    });
  }

  /** Node sessions: starts serving a child session per node. */
  async openNodeSessions(byEvent: boolean): Promise<void> {
    const hub = new NodeSessions(this, HANDLERS, byEvent);
    await hub.open();
    this.nodeSessions = hub;
  }

  /** Called by launch and attach once the VM is reached: tells the client to send its configuration. */
  async afterConnect(): Promise<void> {
    await startSession(this.ctx);
    this.sendEvent(new InitializedEvent());
  }

  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const response = new Response(request);
    // Node sessions: an adapter started for a node's child forwards everything from its attach on.
    if (this.relay) return this.relay.forward(request);
    let target;
    try {
      target = request.command === 'attach' ? nodeTargetOf(request.arguments ?? {}) : undefined;
    } catch (err) {
      return this.fail(response, err);
    }
    if (target) {
      ParentRelay.open(target, request, this).then((relay) => (this.relay = relay), (err) => this.fail(response, err));
      return;
    }
    const handler = this.nodeSessions?.override(request.command) ?? HANDLERS[request.command];
    if (!handler) {
      this.fail(response, new AdapterError(AdapterErrorCode.UNSUPPORTED_REQUEST, `the request "${request.command}" is not supported`));
      return;
    }
    void this.run(handler, request, response);
  }

  private async run(handler: Handler, request: DebugProtocol.Request, response: DebugProtocol.Response): Promise<void> {
    try {
      if (!BEFORE_CONNECT.has(request.command) && !this.ctx.vm && !this.ctx.ended) {
        throw new AdapterError(AdapterErrorCode.NOT_CONNECTED, `"${request.command}" needs a launch or attach first`);
      }
      const body = await handler(this.ctx, request.arguments ?? {}, this);
      if (body !== undefined) response.body = body;
      this.sendResponse(response);
    } catch (err) {
      this.fail(response, err);
    }
  }

  private fail(response: DebugProtocol.Response, err: unknown): void {
    const error = toAdapterError(err);
    this.sendErrorResponse(response, { id: error.code, format: ERROR_FORMAT, variables: { _message: error.message, _code: String(error.code) }, showUser: true });
  }
}
