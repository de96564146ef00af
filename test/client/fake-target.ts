// Fake JDWP targets for fault injection: TCP servers that answer the handshake (or not) and then
// misbehave in scripted ways. Only for tests of failure paths; everything else runs against real JVMs.
import * as net from 'node:net';
import { PacketFramer } from '../../jdwp/codec/framer';
import { decodePacket, encodeReply, HANDSHAKE, type CommandPacket } from '../../jdwp/codec/packet';
import { commandByName } from '../../jdwp/registry';
import { DEFAULT_ID_SIZES } from '../../jdwp/protocol/wire-types';

/** What a fake target does with each command it receives. */
export type Behaviour = (packet: CommandPacket, socket: net.Socket, target: FakeTarget) => void;

/** Options of a fake target. */
export interface FakeOptions {
  /** Answer the handshake; default true. */
  handshake?: boolean;
  /** Bytes to send instead of the handshake. */
  handshakeBytes?: Buffer;
  /** Answer VirtualMachine.IDSizes with 8-byte IDs before handing other commands to the behaviour; default true. */
  answerIdSizes?: boolean;
  /** Called for every other command. */
  behaviour?: Behaviour;
}

const ID_SIZES = commandByName('VirtualMachine.IDSizes');

/** A scripted JDWP target on a loopback port. */
export class FakeTarget {
  readonly sockets: net.Socket[] = [];
  /** Every command received, in order. */
  readonly received: CommandPacket[] = [];
  private constructor(readonly server: net.Server) {}

  /** Starts a fake target on a free loopback port. */
  static async start(options: FakeOptions = {}): Promise<FakeTarget> {
    const server = net.createServer();
    const target = new FakeTarget(server);
    server.on('connection', (socket) => target.serve(socket, options));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return target;
  }

  /** The port it listens on. */
  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Resolves once n commands (IDSizes not counted) have arrived. */
  async waitFor(n: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > deadline) throw new Error(`fake target got ${this.received.length} of ${n} commands`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: net.Socket, options: FakeOptions): void {
    this.sockets.push(socket);
    socket.on('error', () => {});
    const framer = new PacketFramer({ handshake: true });
    framer.onHandshake = () => {
      if (options.handshake === false) return;
      socket.write(options.handshakeBytes ?? HANDSHAKE);
    };
    framer.onPacket = (buf) => {
      const packet = decodePacket(Buffer.from(buf));
      if (packet.reply) return;
      if (options.answerIdSizes !== false && packet.commandSet === ID_SIZES.set.id && packet.command === ID_SIZES.spec.id) {
        socket.write(encodeReply(packet.id, 0, ID_SIZES.reply!.encode(DEFAULT_ID_SIZES, { ...DEFAULT_ID_SIZES })));
        return;
      }
      this.received.push(packet);
      options.behaviour?.(packet, socket, this);
    };
    socket.on('data', (chunk: Buffer) => framer.push(chunk));
  }
}
