import type { IncomingMessage } from 'node:http';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { JdwpConnection } from '../client/connection';
import { JDWP, MOD_KIND } from '../registry';
import { dialTcp, formatAddress, listenTcp, parseAddress, requireLoopback, serverAddress, type Address } from '../transport/tcp';
import { listenWs, type WsListener } from '../transport/ws';
import type { TlsServerFiles } from '../guard/tls';
import type { Identity, TokenCheck } from '../guard/tokens';
import { guardSession, type GuardOptions } from '../guard/index';
import { Discovery, type DiscoveryOptions } from '../discovery/index';
import { Cluster, type ClusterOptions, type NodeEntry } from './cluster';
import { EventRouter } from './events';
import { NodeLink } from './node-link';
import { DebuggerSession } from './session';

/** Options of the virtual VM. */
export interface VirtualVmOptions extends Partial<ClusterOptions>, GuardOptions {
  /** Where debuggers attach, HOST:PORT or PORT; default 127.0.0.1:0 (a free port). */
  listen?: string;
  /** Nodes to dial (JVMs started with server=y): "HOST:PORT" or "NAME=HOST:PORT". */
  nodes?: string[];
  /** Where JVMs started with server=n dial in: HOST:PORT or PORT. */
  accept?: string;
  /** Sources of nodes (--discover): "k8s:[NAMESPACE/]SELECTOR" or "dns:NAME[:PORT]"; see jdwp/discovery. */
  discover?: string[];
  /** Options of the discovery sources. */
  discovery?: Omit<DiscoveryOptions, 'log'>;
  /** Backoff of node redials, in ms: first and largest delay. */
  retryMs?: { first: number; max: number };
  /** Where debuggers may also attach over WebSocket, HOST:PORT; a token is required beyond loopback. */
  listenWs?: string;
  /** The bearer token WebSocket debuggers must present. */
  token?: string;
  /** The tokens WebSocket debuggers may present, each with its role (--tokens); wins over `token`. */
  tokens?: TokenCheck;
  /** Serve `listenWs` as wss:// with this certificate and key (--tls-cert, --tls-key). */
  tls?: TlsServerFiles;
  /** Allow `listen` and `accept` on addresses that do not resolve to loopback only (REMOTE_NOT_ALLOWED otherwise). */
  allowRemote?: boolean;
  /**
   * Keep nodes that start suspended (suspend=y) suspended until a debugger attaches; it then gets one VMStart and
   * resumes them (--hold-start). Default: such nodes run at once.
   */
  holdStart?: boolean;
  /**
   * Die with the last node: when the last node leaves, the debugger gets ThreadDeath for its threads, then
   * VMDeath, and the proxy stops (--exit-with-last-node). Default: the virtual VM outlives its nodes and waits,
   * thread-less, for nodes to (re)join.
   */
  exitWithLastNode?: boolean;
}

/** Parses "NAME=HOST:PORT" or "HOST:PORT" (named after the address). */
export function parseNodeSpec(spec: string): { name: string; address: Address } {
  const eq = spec.indexOf('=');
  const name = eq > 0 ? spec.slice(0, eq) : '';
  const address = parseAddress(eq > 0 ? spec.slice(eq + 1) : spec);
  return { name: name || formatAddress(address), address };
}

const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;
const M = MOD_KIND;

/** Dial-ins that may be opening (handshake and first commands) at once; more are refused until some finish. */
const MAX_DIAL_INS_OPENING = 64;
/** Failed dial-ins logged in full per second; the rest of that second is logged as one count. */
const DIAL_IN_FAILURES_LOGGED = 5;

/** The log of failed and refused dial-ins, throttled so that a flood of junk connections cannot flood the log. */
class DialInFailureLog {
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly log: (line: string) => void) {}

  /** Logs one failure, or counts it when this second has had its share. */
  note(address: string, message: string, name?: string): void {
    const now = Date.now();
    if (now - this.windowStart >= 1_000) {
      this.flush();
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (++this.inWindow <= DIAL_IN_FAILURES_LOGGED) {
      this.log(`[fabric] node ${name ?? address} (${address}) error: ${message}`);
      return;
    }
    this.suppressed++;
    this.timer ??= setTimeout(() => this.flush(), this.windowStart + 1_000 - now).unref();
  }

  /** Logs the count of failures not logged yet. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.suppressed) this.log(`[fabric] ${this.suppressed} more dial-ins failed or were refused within a second`);
    this.suppressed = 0;
  }
}

/**
 * The virtual VM: one JDWP port over many JVM nodes. It dials configured nodes (retrying with backoff while
 * they are down), accepts nodes that dial in, and serves one debugger at a time; the next debugger may attach
 * once the previous one has left.
 */
export class VirtualVm {
  readonly cluster: Cluster;
  readonly router: EventRouter;
  /** Where debuggers attach. */
  address!: Address;
  /** Where nodes dial in, when accepting. */
  acceptAddress: Address | undefined;
  /** The ws:// URL debuggers may attach to, when listening on WebSocket. */
  wsUrl: string | undefined;
  private wsListener: WsListener | undefined;
  private discovery: Discovery | undefined;
  session: DebuggerSession | undefined;
  private debuggerServer: net.Server | undefined;
  private acceptServer: net.Server | undefined;
  private closing = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pendingOpens = new Set<Promise<unknown>>();
  private dialInsOpening = 0;
  private readonly dialInFailures = new DialInFailureLog((line) => this.log(line));
  /** Resolves when the virtual VM has died with its last node (--exit-with-last-node) and stopped. */
  readonly died: Promise<void>;
  private diedResolve!: () => void;

  private constructor(private readonly options: VirtualVmOptions) {
    this.cluster = new Cluster(options);
    this.router = new EventRouter(this.cluster, options.holdStart ?? false);
    this.died = new Promise((resolve) => (this.diedResolve = resolve));
    this.cluster.onNodeEvent = (link, packet) => this.router.onNodeEvent(link, packet);
    this.cluster.takeOutOfBand = (link, packet) => this.router.outOfBand(link, packet);
  }

  /** Starts the virtual VM: listens for debuggers, dials the nodes and accepts nodes that dial in. */
  static async start(options: VirtualVmOptions = {}): Promise<VirtualVm> {
    const listen = parseAddress(options.listen ?? '127.0.0.1:0');
    const accept = options.accept ? parseAddress(options.accept) : undefined;
    if (!options.allowRemote) {
      await requireLoopback('--listen', listen);
      if (accept) await requireLoopback('--accept', accept);
    }
    const vm = new VirtualVm(options);
    if (options.discover?.length) vm.discovery = new Discovery(options.discover, vm, { ...options.discovery, log: (line) => vm.log(line) });
    vm.debuggerServer = await listenTcp(listen, (s) => vm.onDebugger(s, `${s.remoteAddress}:${s.remotePort}`));
    vm.address = serverAddress(vm.debuggerServer);
    if (options.listenWs) {
      try {
        const onRefused = (req: IncomingMessage, reason: string) => vm.log(`[fabric] debugger ws ${req.socket.remoteAddress}:${req.socket.remotePort} refused: ${reason} (HTTP 401)`);
        vm.wsListener = await listenWs({ ...parseAddress(options.listenWs), token: options.token, tokens: options.tokens, tls: options.tls, onRefused }, (stream, req, identity) =>
          vm.onDebugger(stream, `ws ${req.socket.remoteAddress}:${req.socket.remotePort}`, identity),
        );
      } catch (err) {
        vm.debuggerServer.close();
        throw err;
      }
      vm.wsUrl = vm.wsListener.url;
    }
    if (accept) {
      vm.acceptServer = await listenTcp(accept, (s) => vm.onNodeDialIn(s));
      vm.acceptAddress = serverAddress(vm.acceptServer);
    }
    for (const spec of options.nodes ?? []) vm.dial(parseNodeSpec(spec));
    vm.discovery?.start();
    return vm;
  }

  private log(line: string): void {
    this.cluster.options.log(line);
  }

  /** Resolves once `count` nodes have joined (and are up), or rejects after timeoutMs. */
  waitForNodes(count: number, timeoutMs = 30_000): Promise<void> {
    const joined = () => this.cluster.live().filter((l) => l.joined).length;
    return new Promise((resolve, reject) => {
      const check = () => {
        if (joined() >= count) {
          this.cluster.removeListener('nodeUp', check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.cluster.removeListener('nodeUp', check);
        reject(new Error(`only ${joined()} of ${count} nodes joined within ${timeoutMs} ms`));
      }, timeoutMs);
      this.cluster.on('nodeUp', check);
      check();
    });
  }

  /**
   * Adds a node to dial, as --node does: "HOST:PORT" or "NAME=HOST:PORT". The handle's remove() stops dialing
   * it and closes its link, which leaves the cluster as any node does (discovery uses it).
   */
  addNode(spec: string): { remove(reason?: string): void } {
    return this.dial(parseNodeSpec(spec));
  }

  private dial(spec: { name: string; address: Address }): { remove(reason?: string): void } {
    const entry: NodeEntry = { name: spec.name, address: formatAddress(spec.address), state: 'connecting' };
    let removed = false;
    let gone = '';
    this.cluster.entries.push(entry);
    const retry = this.options.retryMs ?? { first: 250, max: 5_000 };
    // A configured node keeps the slot of its place in the configuration until it first joins (so node N of the
    // configuration is slot N however the joins race); later joins take a slot when they open.
    let reserved: number | undefined = this.cluster.allocateSlot();
    const slot = () => {
      const s = reserved ?? this.cluster.allocateSlot();
      reserved = undefined;
      return s;
    };
    let delay = retry.first;
    let lastError = '';
    const attempt = async () => {
      if (this.closing || removed) return;
      try {
        const socket = await dialTcp(spec.address, 5_000);
        const link = await this.open(socket, spec.name, entry.address, slot);
        if (removed) return link.client.connection.close(new Error(gone));
        delay = retry.first;
        lastError = '';
        entry.link = link;
        entry.state = 'up';
        link.client.once('close', () => {
          entry.state = this.closing || removed ? 'down' : 'connecting';
          if (!this.closing && !removed) this.schedule(attempt, retry.first);
        });
      } catch (err) {
        if (removed) return;
        const message = (err as Error).message;
        if (message !== lastError) this.log(`[fabric] node ${spec.name} error: ${message}; retrying with backoff`);
        lastError = message;
        entry.state = 'connecting';
        this.schedule(attempt, delay);
        delay = Math.min(delay * 2, retry.max);
      }
    };
    void attempt();
    return {
      remove: (reason = 'removed') => {
        if (removed) return;
        removed = true;
        gone = reason;
        if (reserved !== undefined) this.cluster.slots.release(reserved);
        reserved = undefined;
        const i = this.cluster.entries.indexOf(entry);
        if (i >= 0) this.cluster.entries.splice(i, 1);
        entry.state = 'down';
        entry.link?.client.connection.close(new Error(gone));
      },
    };
  }

  private schedule(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private onNodeDialIn(socket: net.Socket): void {
    const address = `${socket.remoteAddress}:${socket.remotePort}`;
    if (this.dialInsOpening >= MAX_DIAL_INS_OPENING) {
      this.dialInFailures.note(address, `refused: ${MAX_DIAL_INS_OPENING} other dial-ins are still opening`);
      socket.destroy();
      return;
    }
    this.dialInsOpening++;
    let entry: NodeEntry | undefined;
    const claim = (slot: number) => {
      const name = `node-${slot}`;
      this.cluster.dropLeftDialIn(name);
      entry = { name: this.cluster.entries.some((e) => e.name === name) ? `dialin-${slot}` : name, address, state: 'connecting' };
      this.cluster.entries.push(entry);
      return entry.name;
    };
    this.open(socket, claim, address, () => this.cluster.allocateSlot()).then(
      (link) => {
        entry!.link = link;
        entry!.state = 'up';
        link.client.once('close', () => {
          entry!.state = 'down';
          this.cluster.dialInLeft(entry!);
        });
      },
      (err: Error) => {
        if (entry) {
          entry.state = 'down';
          this.cluster.dialInLeft(entry);
        }
        this.dialInFailures.note(address, err.message, entry?.name);
      },
    ).finally(() => this.dialInsOpening--);
  }

  /**
   * Opens a link over a connected stream and joins it to the cluster. The link takes its slot (and, for a
   * dial-in, its name) only once it has opened; from then on its closing gives the slot back.
   */
  private async open(stream: Duplex, name: string | ((slot: number) => string), address: string, takeSlot: () => number): Promise<NodeLink> {
    const claim = () => {
      const slot = takeSlot();
      return { slot, name: typeof name === 'string' ? name : name(slot) };
    };
    const opening = NodeLink.open(stream, typeof name === 'string' ? name : address, address, 10_000, claim);
    this.pendingOpens.add(opening);
    let link: NodeLink;
    try {
      link = await opening;
    } finally {
      this.pendingOpens.delete(opening);
    }
    link.client.on('close', (reason: Error) => {
      const threads = [...link.threads].map((t) => link.ids.toVirtual(t));
      this.cluster.removeLink(link, reason?.message ?? 'closed', threads);
      this.session?.requests.nodeLeft(link);
      this.session?.suspensions.nodeLeft(link);
      this.router.nodeLeft(link, threads);
      if (this.options.exitWithLastNode && !this.closing && this.cluster.live().length === 0) {
        this.log('[fabric] the last node left: the virtual VM dies with it (--exit-with-last-node)');
        void this.close().then(() => this.diedResolve());
      }
    });
    if (this.closing) {
      link.close();
      throw new Error('the proxy is closing');
    }
    const joined = this.join(link);
    this.cluster.addLink(link, joined);
    try {
      await joined;
    } catch (err) {
      link.client.connection.close(err as Error);
      throw err;
    }
    return link;
  }

  private async join(link: NodeLink): Promise<void> {
    const client = link.client;
    // Virtual threads come and go by the million: the mirror keeps platform threads only, where a node can filter.
    const platformOnly = link.version.jdwpMajor >= 21 ? [{ modKind: M.PlatformThreadsOnly }] : [];
    const [start, death, prepare, unload] = await Promise.all([
      client.EventRequest.Set(K.THREAD_START, P.NONE, platformOnly as never),
      client.EventRequest.Set(K.THREAD_DEATH, P.NONE, platformOnly as never),
      client.EventRequest.Set(K.CLASS_PREPARE, P.NONE, []),
      client.EventRequest.Set(K.CLASS_UNLOAD, P.NONE, []),
    ]);
    link.trackStartId = start.requestID;
    link.trackDeathId = death.requestID;
    link.trackPrepareId = prepare.requestID;
    link.trackUnloadId = unload.requestID;
    link.classes.watching = true;
    await this.router.watchDeath(link);
    if (this.session && !this.session.closed) await this.session.requests.nodeJoined(link);
    const { threads } = await client.VirtualMachine.AllThreads();
    const virtual = platformOnly.length ? await Promise.all(threads.map((t) => client.ThreadReference.IsVirtual(t).then((r) => r.isVirtual, () => false))) : [];
    link.listsVirtualThreads = virtual.includes(true);
    threads.forEach((t, i) => virtual[i] || link.threads.add(t));
    link.threadsVersion++;
    this.log(`[fabric] node ${link.name} joined (${link.address}, slot ${link.slot}): ${link.version.vmName} ${link.version.vmVersion}, ${threads.length} threads`);
    this.router.nodeJoined(link);
    link.joined = true;
    this.cluster.emit('nodeUp', link);
  }

  private onDebugger(socket: Duplex, label: string, identity?: Identity): void {
    if (this.closing || (this.session && !this.session.closed)) {
      this.log(`[fabric] debugger ${label} refused: ${this.closing ? 'the proxy is closing' : 'another debugger is attached'}`);
      socket.destroy();
      return;
    }
    // The previous debugger's cleanup resumes what it suspended: the next one is served once that is done (its
    // bytes wait in the socket), so the cleanup never resumes what the next one suspends.
    const previous = this.session;
    if (previous) {
      void previous.ended.then(() => this.onDebugger(socket, label, identity));
      return;
    }
    const connection = new JdwpConnection(socket, { role: 'target', label: `debugger ${label}` });
    connection.ready.then(
      () => {
        if (connection.closed) return;
        if (this.session && !this.session.closed) {
          this.log(`[fabric] debugger ${label} refused: another debugger is attached`);
          connection.close();
          return;
        }
        const readOnly = this.cluster.options.readOnly || identity?.role === 'read-only';
        const guard = guardSession(this.options, this.cluster, label, identity, readOnly);
        const session = new DebuggerSession(connection, this.cluster, label, readOnly, guard);
        this.session = session;
        this.router.attached(session);
        this.cluster.slots.debuggerAttached();
        this.log(`[fabric] debugger ${label} attached${identity ? ` (token ${identity.name}, ${identity.role})` : ''}`);
        void session.ended.then(() => {
          this.cluster.slots.debuggerLeft();
          this.cluster.objects.forgetStrings();
          if (this.session === session) {
            this.session = undefined;
            this.router.sink = undefined;
          }
        });
      },
      (err: Error) => this.log(`[fabric] debugger ${label}: handshake failed: ${err.message}`),
    );
  }

  /** Stops the proxy: ends the debugger session, disposes every node connection (resuming them) and closes the ports. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.discovery?.stop();
    this.debuggerServer?.close();
    await this.wsListener?.close();
    this.acceptServer?.close();
    this.dialInFailures.flush();
    await this.router.vmDeath();
    if (this.session && !this.session.closed) await this.session.end('the proxy is stopping');
    await Promise.allSettled([...this.pendingOpens]);
    await Promise.all(this.cluster.live().map((l) => l.client.dispose()));
    for (const e of this.cluster.entries) e.state = 'down';
  }
}
