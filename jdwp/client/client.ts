import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type * as net from 'node:net';
import { JdwpReplyError } from '../errors';
import type { DecodeOptions, WireRecord } from '../codec/layout';
import type { ReplyPacket } from '../codec/packet';
import { DEFAULT_ID_SIZES, type IdSizes } from '../protocol/wire-types';
import { allCommands, commandByName, COMPOSITE, type CommandInfo } from '../registry';
import type { Event_Composite_Event, JdwpApi } from '../protocol/spec-types';
import type { FabricApi } from '../protocol/fabric-types';
import { JdwpConnection, type ConnectionOptions, type RequestOptions } from './connection';
import { dialTcp, type Address } from '../transport/tcp';

/** Options of a typed client. */
export interface ClientOptions extends Omit<ConnectionOptions, 'role'> {
  /** Timeout for InvokeMethod and NewInstance, which run target code; 0 waits forever. Default 0. */
  invokeTimeoutMs?: number;
}

const INVOKES = new Set(['ClassType.InvokeMethod', 'ClassType.NewInstance', 'InterfaceType.InvokeMethod', 'ObjectReference.InvokeMethod']);

/** The typed client: every command of the table as `client.Set.Command(...)`, plus events and a raw escape hatch. */
export interface JdwpClient extends JdwpApi, FabricApi {}

/**
 * A JDWP debugger-side client over one connection. Calls are typed from the protocol table,
 * for example `vm.VirtualMachine.Version()` and `vm.ThreadReference.Frames(thread, 0, -1)`.
 * Emits 'event' with each decoded Event.Composite, and 'close'.
 */
export class JdwpClient extends EventEmitter {
  /** The ID widths of this VM, from VirtualMachine.IDSizes. */
  sizes: IdSizes = { ...DEFAULT_ID_SIZES };

  constructor(
    readonly connection: JdwpConnection,
    private readonly options: ClientOptions = {},
  ) {
    super();
    for (const info of allCommands()) {
      if (!info.reply) continue;
      const target = ((this as unknown as Record<string, Record<string, unknown>>)[info.set.name] ??= {});
      const params = (info.spec.out ?? []).map((f) => f.name);
      target[info.spec.name] = (...args: unknown[]) => {
        const rec: WireRecord = {};
        params.forEach((p, i) => (rec[p] = args[i]));
        return this.call(info.fullName, rec);
      };
    }
    connection.on('command', (packet) => {
      if (packet.commandSet !== COMPOSITE.set.id || packet.command !== COMPOSITE.spec.id) return;
      let event: Event_Composite_Event;
      try {
        event = COMPOSITE.out.decode(packet.data, 0, packet.data.length, this.sizes) as unknown as Event_Composite_Event;
      } catch (err) {
        this.emit('protocolError', err);
        return;
      }
      this.emit('event', event);
    });
    connection.on('close', (reason) => this.emit('close', reason));
  }

  /** Dials a VM (or the virtual VM) at host:port, handshakes and reads its ID sizes. */
  static async attach(address: Address, options: ClientOptions = {}): Promise<JdwpClient> {
    const socket = await dialTcp(address, options.handshakeTimeoutMs ?? 10_000);
    return JdwpClient.open(socket, { ...options, label: options.label ?? `${address.host}:${address.port}` });
  }

  /** Wraps a stream that reaches a VM; for a VM that dialled in, pass its accepted socket. */
  static async open(stream: Duplex | net.Socket, options: ClientOptions = {}): Promise<JdwpClient> {
    const connection = new JdwpConnection(stream, { ...options, role: 'debugger' });
    const client = new JdwpClient(connection, options);
    try {
      await connection.ready;
      const sizes = await client.VirtualMachine.IDSizes();
      client.sizes = sizes;
    } catch (err) {
      connection.close(err as Error);
      throw err;
    }
    return client;
  }

  /** Answers a command without sending it when it resolves with a reply record (the adapter's stop snapshots); `call` asks it first. */
  answerer?: (fullName: string, out: WireRecord) => Promise<WireRecord | undefined> | undefined;

  /** Calls a command by "Set.Command" name with its out record; rejects with JdwpReplyError on an error reply. */
  async call(fullName: string, out: WireRecord, options: RequestOptions & DecodeOptions = {}): Promise<any> {
    const answered = this.answerer?.(fullName, out);
    if (answered) {
      const rec = await answered;
      if (rec) return rec;
    }
    const info = commandByName(fullName);
    const reply = await this.send(info, out, options);
    return this.decodeReply(info, reply, options);
  }

  /** Encodes and sends a command; resolves with the raw reply (error replies included). */
  send(info: CommandInfo, out: WireRecord, options: RequestOptions = {}): Promise<ReplyPacket> {
    const data = info.out.encode(this.sizes, out);
    const timeoutMs = options.timeoutMs ?? (INVOKES.has(info.fullName) ? this.options.invokeTimeoutMs ?? 0 : undefined);
    return this.connection.request(info.set.id, info.spec.id, data, { ...options, timeoutMs, name: info.fullName });
  }

  /** Decodes a reply, or throws its JDWP error. */
  decodeReply(info: CommandInfo, reply: ReplyPacket, options: DecodeOptions = {}): WireRecord {
    if (reply.errorCode !== 0) throw new JdwpReplyError(reply.errorCode, info.fullName);
    if (!info.reply) return {};
    return info.reply.decode(reply.data, 0, reply.data.length, this.sizes, options);
  }

  /** The escape hatch: sends raw command data and resolves with the raw reply. */
  raw(commandSet: number, command: number, data: Buffer, options?: RequestOptions): Promise<ReplyPacket> {
    return this.connection.request(commandSet, command, data, options);
  }

  /** Closes the connection without Dispose. */
  close(): void {
    this.connection.close();
  }

  /** Sends VirtualMachine.Dispose (ignoring a dead peer), then closes. */
  async dispose(): Promise<void> {
    try {
      await this.VirtualMachine.Dispose();
    } catch {
      // The peer may already be gone; closing is all that is left to do.
    }
    this.close();
  }
}
