// A delaying TCP relay: a far link on loopback. Each chunk is held RTT/2 in each direction, in order, then written
// at once (no Nagle, no coalescing delay), so a request and its reply cross it in one RTT.
import * as net from 'node:net';
import { listenTcp, serverAddress } from '../../jdwp/transport/tcp';

/** Which way a chunk crosses the relay: from the connecting side to the target, or back. */
export type RelayDirection = 'up' | 'down';

/** What a relay is to connect to, and how far away it is. */
export interface RelayOptions {
  targetPort: number;
  targetHost?: string;
  /** The round-trip time the relay adds, in ms (RTT/2 each way). */
  rttMs: number;
  /** Sees each chunk as it arrives (before the delay), per connection; for counting packets. */
  tap?: (direction: RelayDirection, chunk: Buffer, connection: number) => void;
}

/** A running relay. */
export interface Relay {
  /** The loopback port it listens on. */
  readonly port: number;
  /** Bytes relayed so far towards the target and back, over every connection. */
  readonly bytes: { up: number; down: number };
  /** Connections accepted so far. */
  readonly connections: number;
  /** Stops listening, drops every connection and every chunk still held. */
  close(): Promise<void>;
}

/** One direction of one connection: chunks held until their time, then written in order. */
class DelayLine {
  private readonly held: Array<{ due: number; chunk: Buffer | null }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly to: net.Socket,
    private readonly delayMs: number,
  ) {}

  /** Holds a chunk (null: the end of the stream) for the delay. */
  push(chunk: Buffer | null): void {
    this.held.push({ due: performance.now() + this.delayMs, chunk });
    if (!this.timer) this.arm();
  }

  private arm(): void {
    const wait = Math.max(0, this.held[0].due - performance.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.held.length && this.held[0].due <= now + 0.5) {
      const { chunk } = this.held.shift()!;
      if (this.to.destroyed) continue;
      if (chunk) this.to.write(chunk);
      else this.to.end();
    }
    if (this.held.length) this.arm();
  }

  /** Drops whatever is held. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.held.length = 0;
  }
}

/** Starts a relay on a loopback port to `targetHost:targetPort`, adding `rttMs` of round trip. */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const bytes = { up: 0, down: 0 };
  const live = new Set<{ inbound: net.Socket; outbound: net.Socket; lines: DelayLine[] }>();
  let connections = 0;
  const half = options.rttMs / 2;
  const server = await listenTcp({ host: '127.0.0.1', port: 0 }, (inbound) => {
    const id = connections++;
    const outbound = net.connect({ host: options.targetHost ?? '127.0.0.1', port: options.targetPort, noDelay: true });
    inbound.setNoDelay(true);
    const upLine = new DelayLine(outbound, half);
    const downLine = new DelayLine(inbound, half);
    const entry = { inbound, outbound, lines: [upLine, downLine] };
    live.add(entry);
    const wire = (from: net.Socket, line: DelayLine, direction: RelayDirection) => {
      from.on('data', (chunk: Buffer) => {
        bytes[direction] += chunk.length;
        options.tap?.(direction, chunk, id);
        line.push(chunk);
      });
      from.on('end', () => line.push(null));
    };
    wire(inbound, upLine, 'up');
    wire(outbound, downLine, 'down');
    const drop = () => {
      if (!live.delete(entry)) return;
      // A reset is relayed at once: the far side learns of it when its next write fails, as over a real link.
      upLine.clear();
      downLine.clear();
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', drop);
    outbound.on('error', drop);
    // Both sides closed cleanly: the held ends have been written, so the connection is done.
    let closed = 0;
    const closedCleanly = () => ++closed === 2 && drop();
    inbound.on('close', closedCleanly);
    outbound.on('close', closedCleanly);
  });
  return {
    port: serverAddress(server).port,
    bytes,
    get connections() {
      return connections;
    },
    close() {
      for (const e of [...live]) {
        live.delete(e);
        for (const l of e.lines) l.clear();
        e.inbound.destroy();
        e.outbound.destroy();
      }
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
