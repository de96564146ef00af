// Stand-in nodes: a load generator that serves many light JDWP nodes from one process. Each replays the replies a
// real JVM gave (recorded by standin-record.ts), matched by command and out-data; EventRequest.Set gets a fresh
// request ID per node. They dial in to a proxy's --accept port, or listen on ports of their own.
// Run: node out/bench/support/standin.js RECORDING COUNT (--accept HOST:PORT | --listen)
//   prints "standins: COUNT dialed in" or "standins listening: PORT,PORT,..."; on SIGTERM it prints the commands it
//   could not answer ("standins missed: ...") and exits.
import * as fs from 'node:fs';
import * as net from 'node:net';
import { JdwpConnection } from '../../jdwp/client/connection';
import type { CommandPacket } from '../../jdwp/codec/packet';
import { commandById, commandByName, JDWP } from '../../jdwp/registry';
import { dialTcp, listenTcp, parseAddress, serverAddress, type Address } from '../../jdwp/transport/tcp';

/** One recorded command and the JVM's reply to it (data in hex). */
export interface RecordedReply {
  command: string;
  out: string;
  errorCode: number;
  data: string;
}

/** What standin-record.ts writes: the events a JVM sends once a debugger connects, and its replies. */
export interface Recording {
  /** The JVM the replies came from. */
  source: string;
  /** Event.Composite packets (data in hex) the JVM sent right after the handshake (VMStart). */
  opening: string[];
  replies: RecordedReply[];
}

const key = (commandSet: number, command: number) => (commandSet << 8) | command;
const SET = commandByName('EventRequest.Set');
const COMPOSITE = commandByName('Event.Composite');
/** Commands answered with an empty reply when the recording has no reply to their exact out-data. */
const EMPTY_REPLIES = new Set(
  ['EventRequest.Clear', 'EventRequest.ClearAllBreakpoints', 'VirtualMachine.Resume', 'VirtualMachine.Suspend', 'ThreadReference.Resume', 'ThreadReference.Suspend', 'VirtualMachine.Dispose'].map(
    (name) => {
      const c = commandByName(name);
      return key(c.set.id, c.spec.id);
    },
  ),
);
const EMPTY = Buffer.alloc(0);

/** The recorded replies, by command and by the exact bytes of the command's out-data. */
export class ReplyBook {
  private readonly byCommand = new Map<number, Map<string, { errorCode: number; data: Buffer }>>();
  readonly opening: Buffer[];
  /** Commands answered NOT_IMPLEMENTED for want of a recorded reply, with how often. */
  readonly missed = new Map<string, number>();

  constructor(recording: Recording) {
    this.opening = recording.opening.map((hex) => Buffer.from(hex, 'hex'));
    for (const r of recording.replies) {
      const c = commandByName(r.command);
      let m = this.byCommand.get(key(c.set.id, c.spec.id));
      if (!m) this.byCommand.set(key(c.set.id, c.spec.id), (m = new Map()));
      const out = Buffer.from(r.out, 'hex').toString('latin1');
      if (!m.has(out)) m.set(out, { errorCode: r.errorCode, data: Buffer.from(r.data, 'hex') });
    }
  }

  /** Reads a recording file. */
  static load(file: string): ReplyBook {
    return new ReplyBook(JSON.parse(fs.readFileSync(file, 'utf8')) as Recording);
  }

  /** The recorded reply to a command, an empty one for commands that need none recorded, else undefined. */
  answer(commandSet: number, command: number, out: Buffer): { errorCode: number; data: Buffer } | undefined {
    const k = key(commandSet, command);
    const hit = this.byCommand.get(k)?.get(out.toString('latin1'));
    if (hit) return hit;
    if (EMPTY_REPLIES.has(k)) return { errorCode: 0, data: EMPTY };
    const name = commandById(commandSet, command)?.fullName ?? `${commandSet}/${command}`;
    this.missed.set(name, (this.missed.get(name) ?? 0) + 1);
    return undefined;
  }
}

/** One stand-in node on one connection: it answers the proxy from the book. */
class StandinNode {
  readonly connection: JdwpConnection;
  private nextRequestId = 2;

  constructor(
    private readonly book: ReplyBook,
    socket: net.Socket,
    label: string,
  ) {
    socket.setNoDelay(true);
    this.connection = new JdwpConnection(socket, { role: 'target', label, handshakeTimeoutMs: 60_000 });
    this.connection.ready.then(
      () => {
        for (const data of book.opening) this.connection.sendCommand(COMPOSITE.set.id, COMPOSITE.spec.id, data);
      },
      () => undefined,
    );
    this.connection.on('command', (p: CommandPacket) => this.serve(p));
  }

  private serve(p: CommandPacket): void {
    if (p.commandSet === SET.set.id && p.command === SET.spec.id) {
      const data = Buffer.allocUnsafe(4);
      data.writeInt32BE(this.nextRequestId++, 0);
      this.connection.reply(p.id, 0, data);
      return;
    }
    const reply = this.book.answer(p.commandSet, p.command, p.data);
    if (reply) this.connection.reply(p.id, reply.errorCode, reply.data);
    else this.connection.reply(p.id, JDWP.Error.NOT_IMPLEMENTED);
  }
}

/** Many stand-in nodes served from one process. */
export class StandinFleet {
  private readonly nodes = new Set<StandinNode>();
  private readonly servers: net.Server[] = [];
  private closing = false;

  constructor(readonly book: ReplyBook) {}

  /**
   * Dials `count` nodes in to a proxy's --accept address, at most `window` handshaking at once; a dial the proxy
   * refuses (it closes before the handshake: too many dial-ins opening) is retried. Resolves once all handshook.
   */
  async dialIn(address: Address, count: number, window = 32): Promise<void> {
    let next = 0;
    const one = async (i: number): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        if (this.closing) return;
        const socket = await dialTcp(address, 10_000);
        const node = new StandinNode(this.book, socket, `standin-${i}`);
        try {
          await node.connection.ready;
          this.nodes.add(node);
          node.connection.on('close', () => this.nodes.delete(node));
          return;
        } catch (err) {
          if (attempt >= 200) throw err;
          await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(window, count) }, async () => {
        while (next < count) await one(next++);
      }),
    );
  }

  /** Listens for `count` nodes, one port each; a node serves one connection at a time. Resolves with the ports. */
  async listen(count: number): Promise<number[]> {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = await listenTcp({ host: '127.0.0.1', port: 0 }, (socket) => {
        const node = new StandinNode(this.book, socket, `standin-${i}`);
        this.nodes.add(node);
        node.connection.on('close', () => this.nodes.delete(node));
      });
      this.servers.push(server);
      ports.push(serverAddress(server).port);
    }
    return ports;
  }

  /** Connected nodes. */
  get size(): number {
    return this.nodes.size;
  }

  /** Closes every node and port. */
  close(): void {
    this.closing = true;
    for (const s of this.servers) s.close();
    for (const n of this.nodes) n.connection.close();
    this.nodes.clear();
  }
}

async function main(): Promise<void> {
  const [file, countText, mode, addr] = process.argv.slice(2);
  const count = Number(countText);
  if (!file || !count || (mode !== '--accept' && mode !== '--listen')) {
    console.error('usage: standin.js RECORDING COUNT (--accept HOST:PORT | --listen)');
    process.exit(2);
  }
  const fleet = new StandinFleet(ReplyBook.load(file));
  process.on('SIGTERM', () => {
    const missed = [...fleet.book.missed].map(([name, n]) => `${name} x${n}`).join(', ');
    process.stdout.write(`standins missed: ${missed || 'none'}\n`, () => {
      fleet.close();
      process.exit(0);
    });
  });
  if (mode === '--accept') {
    await fleet.dialIn(parseAddress(addr), count);
    console.log(`standins: ${fleet.size} dialed in`);
  } else {
    console.log(`standins listening: ${(await fleet.listen(count)).join(',')}`);
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
