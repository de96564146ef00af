import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { CodecError, FabricError, FabricErrorCode } from '../errors';
import { PacketFramer } from '../codec/framer';
import { decodePacket, encodeCommand, encodeReply, HANDSHAKE, type CommandPacket, type ReplyPacket } from '../codec/packet';

/** Which side of JDWP this end plays: the debugger sends the handshake first, the target answers it. */
export type Role = 'debugger' | 'target';

/** Options of a connection. */
export interface ConnectionOptions {
  role: Role;
  /** How long the handshake may take; default 10 s. */
  handshakeTimeoutMs?: number;
  /** Default per-request timeout; 0 waits forever. Default 30 s. */
  requestTimeoutMs?: number;
  /** The largest packet accepted. */
  maxPacketSize?: number;
  /** A name for this connection in error messages. */
  label?: string;
}

/** Options of one request. */
export interface RequestOptions {
  /** Overrides the connection's request timeout; 0 waits forever. */
  timeoutMs?: number;
  /** A name for the request in error messages. */
  name?: string;
  /** False: the connection's tap neither sees nor answers it (the tap's own requests). */
  tap?: false;
}

/** Sees each command before it is written, and may answer it instead of the peer (see ReplyStore). */
export type ConnectionTap = (commandSet: number, command: number, data: Buffer) => Promise<ReplyPacket> | undefined;

interface Pending {
  resolve(reply: ReplyPacket): void;
  reject(err: Error): void;
  /** When the request times out (ms since the epoch), or 0 for never. */
  deadline: number;
  timeoutMs: number;
  name: string;
}

/** How often pending requests are checked for timeouts: one timer per connection, not one per request. */
const SWEEP_MS = 100;

/**
 * One JDWP connection over a byte stream: handshake, framing, packet ids, pipelined requests
 * matched to replies, per-request timeouts, and incoming command packets (events, or requests
 * when this end is a target). When the stream dies, every pending request fails at once.
 */
export class JdwpConnection extends EventEmitter {
  /** Settles once the handshake is done. */
  readonly ready: Promise<void>;
  /** The reason the connection closed, once it has. */
  closeReason: Error | undefined;
  private readonly framer: PacketFramer;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private corked = false;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly requestTimeoutMs: number;
  /** A name for this connection in error messages; it may change once the peer is known. */
  label: string;
  /** Sees every command sent, and may answer it (a node link's fetch-ahead store). */
  tap: ConnectionTap | undefined;

  constructor(
    readonly stream: Duplex,
    readonly options: ConnectionOptions,
  ) {
    super();
    this.label = options.label ?? 'jdwp';
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.framer = new PacketFramer({ handshake: true, maxPacketSize: options.maxPacketSize });
    let handshakeDone!: () => void;
    let handshakeFailed!: (err: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      handshakeDone = resolve;
      handshakeFailed = reject;
    });
    this.ready.catch(() => {});
    const timeoutMs = options.handshakeTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      const err = new FabricError(FabricErrorCode.HANDSHAKE_TIMEOUT, `${this.label}: no JDWP handshake within ${timeoutMs} ms`);
      handshakeFailed(err);
      this.close(err);
    }, timeoutMs);
    this.framer.onHandshake = () => {
      clearTimeout(timer);
      if (options.role === 'target') this.write(HANDSHAKE);
      handshakeDone();
    };
    this.framer.onPacket = (buf) => this.onPacket(buf);
    this.framer.onError = (err) => {
      handshakeFailed(err);
      this.emit('protocolError', err);
      this.close(err);
    };
    stream.on('data', (chunk: Buffer) => this.framer.push(chunk));
    stream.on('error', (err) => this.close(new FabricError(FabricErrorCode.CONNECTION_CLOSED, `${this.label}: ${err.message}`)));
    stream.on('end', () => stream.destroy());
    stream.on('close', () => {
      clearTimeout(timer);
      const err = new FabricError(FabricErrorCode.CONNECTION_CLOSED, `${this.label}: connection closed`);
      handshakeFailed(err);
      this.close(err);
    });
    if (options.role === 'debugger') this.write(HANDSHAKE);
  }

  /** True once the connection has closed. */
  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Sets the largest packet accepted from now on. */
  set maxPacketSize(bytes: number) {
    this.framer.max = bytes;
  }

  /** Requests waiting for their reply. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Sends a command and resolves with its reply, error replies included. Many may be outstanding. */
  request(commandSet: number, command: number, data: Buffer, options: RequestOptions = {}): Promise<ReplyPacket> {
    if (this.closeReason) return Promise.reject(this.closedError(options.name));
    const served = options.tap === false ? undefined : this.tap?.(commandSet, command, data);
    if (served) return served;
    const id = this.allocateId();
    return new Promise<ReplyPacket>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
      const name = options.name ?? `command ${commandSet}/${command}`;
      this.pending.set(id, { resolve, reject, deadline: timeoutMs > 0 ? Date.now() + timeoutMs : 0, timeoutMs, name });
      if (timeoutMs > 0 && !this.sweeper) this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
      this.write(encodeCommand(id, commandSet, command, data));
    });
  }

  /**
   * Sends a command and calls back with its reply (or an error): the same as request() without a promise, for
   * the proxy's hot path.
   */
  requestWith(commandSet: number, command: number, data: Buffer, timeoutMs: number, done: (err: Error | undefined, reply?: ReplyPacket) => void): void {
    if (this.closeReason) {
      done(this.closedError());
      return;
    }
    const served = this.tap?.(commandSet, command, data);
    if (served) {
      served.then((r) => done(undefined, r), done);
      return;
    }
    const id = this.allocateId();
    this.pending.set(id, { resolve: (r) => done(undefined, r), reject: (e) => done(e), deadline: timeoutMs > 0 ? Date.now() + timeoutMs : 0, timeoutMs, name: `command ${commandSet}/${command}` });
    if (timeoutMs > 0 && !this.sweeper) this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.write(encodeCommand(id, commandSet, command, data));
  }

  /** Answers a command with a whole reply packet whose data is already in place: only its id is rewritten. */
  replyPacket(id: number, packet: Buffer): void {
    if (this.closeReason) return;
    packet.writeUInt32BE(id >>> 0, 4);
    this.write(packet);
  }

  /** Fails the requests whose time is up; stops sweeping when none is left waiting. */
  private sweep(): void {
    const now = Date.now();
    let waiting = false;
    for (const [id, p] of this.pending) {
      if (p.deadline === 0) continue;
      if (p.deadline > now) {
        waiting = true;
        continue;
      }
      this.pending.delete(id);
      p.reject(new FabricError(FabricErrorCode.REQUEST_TIMEOUT, `${this.label}: ${p.name} got no reply within ${p.timeoutMs} ms`));
    }
    if (!waiting) this.stopSweeping();
  }

  private stopSweeping(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Sends a command packet that expects no reply (events, from a target). */
  sendCommand(commandSet: number, command: number, data: Buffer): void {
    if (!this.closeReason) this.write(encodeCommand(this.allocateId(), commandSet, command, data));
  }

  /** Answers a command received from the peer. */
  reply(id: number, errorCode: number, data?: Buffer): void {
    if (!this.closeReason) this.write(encodeReply(id, errorCode, data));
  }

  /** Writes a whole packet as is. */
  writePacket(packet: Buffer): void {
    if (!this.closeReason) this.write(packet);
  }

  /** Closes the stream and fails every pending request. */
  close(reason?: Error): void {
    if (this.closeReason) return;
    this.closeReason = reason ?? new FabricError(FabricErrorCode.CONNECTION_CLOSED, `${this.label}: closed`);
    this.stopSweeping();
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(this.closedError(p.name));
    }
    this.stream.destroy();
    this.emit('close', this.closeReason);
  }

  private closedError(name?: string): FabricError {
    const why = this.closeReason?.message ?? 'closed';
    return new FabricError(FabricErrorCode.CONNECTION_CLOSED, `${name ?? 'request'} failed: ${why}`);
  }

  private allocateId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    return id;
  }

  /** Told of the size of each packet written (the guard's bytes-per-second limit counts them). */
  onWrite: ((bytes: number) => void) | undefined;

  private write(buf: Buffer): void {
    this.onWrite?.(buf.length);
    if (!this.corked) {
      this.corked = true;
      this.stream.cork();
      process.nextTick(() => {
        this.corked = false;
        this.stream.uncork();
      });
    }
    this.stream.write(buf);
  }

  private onPacket(buf: Buffer): void {
    let packet;
    try {
      packet = decodePacket(buf);
    } catch (err) {
      this.emit('protocolError', err as CodecError);
      return;
    }
    if (packet.reply) {
      const p = this.pending.get(packet.id);
      if (!p) {
        this.emit('strayReply', packet);
        return;
      }
      this.pending.delete(packet.id);
      p.resolve(packet);
    } else {
      this.emit('command', packet as CommandPacket);
    }
  }
}
