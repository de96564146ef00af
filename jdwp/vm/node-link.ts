import type { Duplex } from 'node:stream';
import { JdwpClient } from '../client/client';
import { JdwpConnection } from '../client/connection';
import type { CommandPacket } from '../codec/packet';
import type { ReplyPacket } from '../codec/packet';
import type { VirtualMachine_CapabilitiesNew_Reply, VirtualMachine_Version_Reply } from '../protocol/spec-types';
import { DEFAULT_MAX_PACKET_SIZE } from '../codec/framer';
import { FabricError, FabricErrorCode } from '../errors';
import { NodeIdSpace } from './ids';
import { ClassMirror, type ClassRow } from './class-mirror';
import { INVOCATION_KEYS } from './invocations';
import { ReplyStore } from './reply-store';
import type { VField, VMethod, VType } from './type-registry';

/** How long a node has to complete the JDWP handshake and answer the commands that open a link. */
const OPEN_TIMEOUT_MS = 10_000;
/** The largest packet a node may send before it has opened its link (its first events and the opening replies are small). */
const OPEN_MAX_PACKET = 64 * 1024;

/** One live JDWP connection to one node. A node that reconnects gets a new link, and a slot that no debugger session has seen in use. */
export class NodeLink {
  readonly ids: NodeIdSpace;
  /** "vmName vmVersion" and the full description: equal builds may share JDK class symbols. */
  readonly build: string;
  /** Raw reference type ID to the promise of its virtual type. */
  readonly typePromises = new Map<bigint, Promise<VType>>();
  /** Raw reference type ID to its virtual type, once resolved. */
  readonly types = new Map<bigint, VType>();
  /** Raw method ID (unique per VM) to its virtual method. */
  readonly methods = new Map<bigint, VMethod>();
  /** "rawType:rawField" to its virtual field (field IDs are only unique within a type). */
  readonly fields = new Map<string, VField>();
  /** The proxy's own ThreadStart and ThreadDeath request IDs on this node. */
  trackStartId = -1;
  trackDeathId = -1;
  /** The proxy's own ClassPrepare and ClassUnload request IDs on this node. */
  trackPrepareId = -1;
  trackUnloadId = -1;
  /** Raw IDs of the node's live platform threads, kept by the proxy's own ThreadStart/ThreadDeath requests. */
  readonly threads = new Set<bigint>();
  /** Counts the changes of `threads`, so an answer built from them knows when it is out of date. */
  threadsVersion = 0;
  /** Set when the node lists virtual threads in VirtualMachine.AllThreads (includevirtualthreads=y): the mirror then does not answer it. */
  listsVirtualThreads = false;
  /** The node's classes by signature, kept live by the proxy's own class requests. */
  readonly classes = new ClassMirror();
  /** Threads the debugger was told about with a synthesized ThreadStart when the node joined. */
  readonly synthesizedStarts = new Set<bigint>();
  /** Set when the link has gone down. */
  down = false;
  /** Set once the node has joined: the proxy tracks its threads and it has the debugger's requests. */
  joined = false;
  /** Set once the link's slot went back to the pool. */
  slotReleased = false;
  /** Replies fetched ahead at a stop; every command to the node passes it, and a kept read is answered from it. */
  readonly store: ReplyStore;

  private constructor(
    readonly slot: number,
    readonly name: string,
    readonly address: string,
    readonly client: JdwpClient,
    readonly version: VirtualMachine_Version_Reply,
    readonly capabilities: VirtualMachine_CapabilitiesNew_Reply,
  ) {
    this.ids = new NodeIdSpace(slot);
    this.build = `${version.vmName}|${version.vmVersion}|${version.description}`;
    this.store = new ReplyStore(client.connection, client.sizes);
  }

  /**
   * Handshakes over a stream to a node and reads what the proxy needs to know about it (IDSizes, Version,
   * CapabilitiesNew), all within OPEN_TIMEOUT_MS. Only then does it `claim` the node's slot and name, so a peer
   * that never completes this holds no slot.
   */
  static async open(stream: Duplex, label: string, address: string, requestTimeoutMs: number, claim: () => { slot: number; name: string }): Promise<NodeLink> {
    const connection = new JdwpConnection(stream, { role: 'debugger', label, requestTimeoutMs, handshakeTimeoutMs: OPEN_TIMEOUT_MS, maxPacketSize: OPEN_MAX_PACKET });
    const early: CommandPacket[] = [];
    const keep = (p: CommandPacket) => early.push(p);
    connection.on('command', keep);
    const client = new JdwpClient(connection);
    const deadline = setTimeout(() => connection.close(new FabricError(FabricErrorCode.HANDSHAKE_TIMEOUT, `${label}: the node did not open its link within ${OPEN_TIMEOUT_MS} ms`)), OPEN_TIMEOUT_MS);
    try {
      await connection.ready;
      client.sizes = await client.VirtualMachine.IDSizes();
      const [version, capabilities] = await Promise.all([client.VirtualMachine.Version(), client.VirtualMachine.CapabilitiesNew()]);
      const { slot, name } = claim();
      connection.label = name;
      connection.maxPacketSize = DEFAULT_MAX_PACKET_SIZE;
      const link = new NodeLink(slot, name, address, client, version, capabilities);
      link.early = early;
      link.stopBuffering = () => connection.removeListener('command', keep);
      return link;
    } catch (err) {
      connection.close(err as Error);
      throw connection.closeReason ?? err;
    } finally {
      clearTimeout(deadline);
    }
  }

  /** Command packets (events) the node sent while the link was opening; the cluster replays them first. */
  early: CommandPacket[] = [];
  /** Stops collecting early packets. */
  stopBuffering: () => void = () => {};

  /**
   * Sends a command to the node in the order callers reached this point, even when preparing its data takes
   * time: `prepare` may resolve IDs asynchronously, and later commands wait for earlier ones to be written.
   * With nothing queued and the data ready, the command is written at once. An invocation has no time limit:
   * the node runs the code as long as it takes (nothing could cancel it), and the reply is its answer.
   */
  send(commandSet: number, command: number, prepare: Promise<Buffer> | Buffer, timeoutMs?: number): Promise<ReplyPacket> {
    if (INVOCATION_KEYS.has((commandSet << 8) | command)) timeoutMs = 0;
    if (!this.queue.length && Buffer.isBuffer(prepare)) return this.client.raw(commandSet, command, prepare, { timeoutMs, name: this.name });
    if (!Buffer.isBuffer(prepare)) prepare.catch(() => {});
    return new Promise<ReplyPacket>((resolve, reject) => {
      this.queue.push({ commandSet, command, prepare, timeoutMs, resolve, reject });
      if (this.queue.length === 1) void this.drain();
    });
  }

  /**
   * Writes a command at once and calls back with its reply, when nothing is queued before it; false (and nothing
   * sent) otherwise, so the caller takes the ordered path.
   */
  sendNow(commandSet: number, command: number, data: Buffer, timeoutMs: number, done: (err: Error | undefined, reply?: ReplyPacket) => void): boolean {
    if (this.queue.length) return false;
    this.client.connection.requestWith(commandSet, command, data, timeoutMs, done);
    return true;
  }

  private readonly queue: Array<{
    commandSet: number;
    command: number;
    prepare: Promise<Buffer> | Buffer;
    timeoutMs?: number;
    resolve(reply: Promise<ReplyPacket>): void;
    reject(err: unknown): void;
  }> = [];

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const e = this.queue[0];
      try {
        const data = await e.prepare;
        e.resolve(this.client.raw(e.commandSet, e.command, data, { timeoutMs: e.timeoutMs, name: this.name }));
      } catch (err) {
        e.reject(err);
      }
      this.queue.shift();
    }
  }

  /** VirtualMachine.ClassesBySignature of the node, from its class mirror when that holds the answer. */
  async classesBySignature(signature: string): Promise<ClassRow[]> {
    return this.classes.lookup(signature, async () => (await this.client.VirtualMachine.ClassesBySignature(signature)).classes);
  }

  /** Closes the connection. */
  close(): void {
    this.down = true;
    this.client.close();
  }
}
