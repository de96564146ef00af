import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { JdwpConnection } from '../client/connection';
import { JDWP } from '../protocol/registry';
import { dialTcp, formatAddress, listenTcp, parseAddress, serverAddress, type Address } from '../transport/tcp';
import { listenWs, type WsListener } from '../transport/ws';
import { Cluster, type ClusterOptions, type NodeEntry } from './cluster';
import { EventRouter } from './events';
import { NodeLink } from './node-link';
import { DebuggerSession } from './session';

/** Options of the virtual VM. */
export interface VirtualVmOptions extends Partial<ClusterOptions> {
  /** Where debuggers attach, HOST:PORT or PORT; default 127.0.0.1:0 (a free port). */
  listen?: string;
  /** Nodes to dial (JVMs started with server=y): "HOST:PORT" or "NAME=HOST:PORT". */
  nodes?: string[];
  /** Where JVMs started with server=n dial in: HOST:PORT or PORT. */
  accept?: string;
  /** Backoff of node redials, in ms: first and largest delay. */
  retryMs?: { first: number; max: number };
  /** Where debuggers may also attach over WebSocket, HOST:PORT; a token is required beyond loopback. */
  listenWs?: string;
  /** The bearer token WebSocket debuggers must present. */
  token?: string;
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
  session: DebuggerSession | undefined;
  private debuggerServer: net.Server | undefined;
  private acceptServer: net.Server | undefined;
  private closing = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pendingOpens = new Set<Promise<unknown>>();
  /** Resolves when the virtual VM has died with its last node (--exit-with-last-node) and stopped. */
  readonly died: Promise<void>;
  private diedResolve!: () => void;

  private constructor(private readonly options: VirtualVmOptions) {
    this.cluster = new Cluster(options);
    this.router = new EventRouter(this.cluster, options.holdStart ?? false);
    this.died = new Promise((resolve) => (this.diedResolve = resolve));
    this.cluster.onNodeEvent = (link, packet) => this.router.onNodeEvent(link, packet);
  }

  /** Starts the virtual VM: listens for debuggers, dials the nodes and accepts nodes that dial in. */
  static async start(options: VirtualVmOptions = {}): Promise<VirtualVm> {
    const vm = new VirtualVm(options);
    vm.debuggerServer = await listenTcp(parseAddress(options.listen ?? '127.0.0.1:0'), (s) => vm.onDebugger(s, `${s.remoteAddress}:${s.remotePort}`));
    vm.address = serverAddress(vm.debuggerServer);
    if (options.listenWs) {
      try {
        vm.wsListener = await listenWs({ ...parseAddress(options.listenWs), token: options.token }, (stream, req) =>
          vm.onDebugger(stream, `ws ${req.socket.remoteAddress}:${req.socket.remotePort}`),
        );
      } catch (err) {
        vm.debuggerServer.close();
        throw err;
      }
      vm.wsUrl = vm.wsListener.url;
    }
    if (options.accept) {
      vm.acceptServer = await listenTcp(parseAddress(options.accept), (s) => vm.onNodeDialIn(s));
      vm.acceptAddress = serverAddress(vm.acceptServer);
    }
    for (const spec of options.nodes ?? []) vm.dial(parseNodeSpec(spec));
    return vm;
  }

  private log(line: string): void {
    this.cluster.options.log(line);
  }

  /** Resolves once `count` nodes are up, or rejects after timeoutMs. */
  waitForNodes(count: number, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.cluster.live().length >= count) {
          this.cluster.removeListener('nodeUp', check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.cluster.removeListener('nodeUp', check);
        reject(new Error(`only ${this.cluster.live().length} of ${count} nodes joined within ${timeoutMs} ms`));
      }, timeoutMs);
      this.cluster.on('nodeUp', check);
      check();
    });
  }

  /** Adds a node to dial, as --node does: "HOST:PORT" or "NAME=HOST:PORT". */
  addNode(spec: string): void {
    this.dial(parseNodeSpec(spec));
  }

  private dial(spec: { name: string; address: Address }): void {
    const entry: NodeEntry = { name: spec.name, address: formatAddress(spec.address), state: 'connecting' };
    this.cluster.entries.push(entry);
    const retry = this.options.retryMs ?? { first: 250, max: 5_000 };
    let delay = retry.first;
    let lastError = '';
    const attempt = async () => {
      if (this.closing) return;
      try {
        const socket = await dialTcp(spec.address, 5_000);
        const link = await this.open(socket, spec.name, entry.address);
        delay = retry.first;
        lastError = '';
        entry.link = link;
        entry.state = 'up';
        link.client.once('close', () => {
          entry.state = this.closing ? 'down' : 'connecting';
          if (!this.closing) this.schedule(attempt, retry.first);
        });
      } catch (err) {
        const message = (err as Error).message;
        if (message !== lastError) this.log(`[fabric] node ${spec.name} error: ${message}; retrying with backoff`);
        lastError = message;
        entry.state = 'connecting';
        this.schedule(attempt, delay);
        delay = Math.min(delay * 2, retry.max);
      }
    };
    void attempt();
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
    const entry: NodeEntry = { name: address, address, state: 'connecting' };
    this.cluster.entries.push(entry);
    const taken = (name: string) => this.cluster.entries.some((e) => e !== entry && e.name === name);
    const nameOf = (slot: number) => (entry.name = taken(`node-${slot}`) ? `dialin-${slot}` : `node-${slot}`);
    this.open(socket, nameOf, address).then(
      (link) => {
        entry.link = link;
        entry.state = 'up';
        link.client.once('close', () => (entry.state = 'down'));
      },
      (err: Error) => {
        entry.state = 'down';
        this.log(`[fabric] node ${entry.name} (${address}) error: ${err.message}`);
      },
    );
  }

  /** Opens a link over a connected stream and joins it to the cluster. */
  private async open(stream: Duplex, name: string | ((slot: number) => string), address: string): Promise<NodeLink> {
    const slot = this.cluster.allocateSlot();
    const opening = NodeLink.open(stream, slot, typeof name === 'string' ? name : name(slot), address, 10_000);
    this.pendingOpens.add(opening);
    let link: NodeLink;
    try {
      link = await opening;
    } finally {
      this.pendingOpens.delete(opening);
    }
    if (this.closing) {
      link.close();
      throw new Error('the proxy is closing');
    }
    const joined = this.join(link);
    this.cluster.addLink(link, joined);
    await joined;
    return link;
  }

  private async join(link: NodeLink): Promise<void> {
    const client = link.client;
    client.on('close', (reason: Error) => {
      const threads = [...link.threads].map((t) => link.ids.toVirtual(t));
      this.cluster.removeLink(link, reason?.message ?? 'closed', threads);
      this.session?.requests.nodeLeft(link);
      this.router.nodeLeft(link, threads);
      if (this.options.exitWithLastNode && !this.closing && this.cluster.live().length === 0) {
        this.log('[fabric] the last node left: the virtual VM dies with it (--exit-with-last-node)');
        void this.close().then(() => this.diedResolve());
      }
    });
    const [start, death] = await Promise.all([client.EventRequest.Set(K.THREAD_START, P.NONE, []), client.EventRequest.Set(K.THREAD_DEATH, P.NONE, [])]);
    link.trackStartId = start.requestID;
    link.trackDeathId = death.requestID;
    await this.router.watchDeath(link);
    if (this.session && !this.session.closed) await this.session.requests.nodeJoined(link);
    const { threads } = await client.VirtualMachine.AllThreads();
    for (const t of threads) link.threads.add(t);
    this.log(`[fabric] node ${link.name} joined (${link.address}, slot ${link.slot}): ${link.version.vmName} ${link.version.vmVersion}, ${threads.length} threads`);
    this.router.nodeJoined(link);
    this.cluster.emit('nodeUp', link);
  }

  private onDebugger(socket: Duplex, label: string): void {
    if (this.closing || (this.session && !this.session.closed)) {
      this.log(`[fabric] debugger ${label} refused: ${this.closing ? 'the proxy is closing' : 'another debugger is attached'}`);
      socket.destroy();
      return;
    }
    const connection = new JdwpConnection(socket, { role: 'target', label: `debugger ${label}` });
    connection.ready.then(
      () => {
        if (connection.closed) return;
        if (this.session && !this.session.closed) {
          connection.close();
          return;
        }
        const session = new DebuggerSession(connection, this.cluster, label);
        this.session = session;
        this.router.attached(session);
        this.log(`[fabric] debugger ${label} attached`);
        void session.ended.then(() => {
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
    this.debuggerServer?.close();
    await this.wsListener?.close();
    this.acceptServer?.close();
    await this.router.vmDeath();
    if (this.session && !this.session.closed) await this.session.end('the proxy is stopping');
    await Promise.allSettled([...this.pendingOpens]);
    await Promise.all(this.cluster.live().map((l) => l.client.dispose()));
    for (const e of this.cluster.entries) e.state = 'down';
  }
}
