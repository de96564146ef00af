// The far-link benchmark's delaying relay: each direction holds chunks about RTT/2, keeps their order, and closes cleanly.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { startRelay, type Relay } from '../../bench/support/relay';
import { listenTcp, serverAddress } from '../../jdwp/transport/tcp';

/** An echo server: every byte comes back at once; it notes when the last chunk arrived. */
async function startEcho(): Promise<{ port: number; arrivedAt: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const echo = { port: 0, arrivedAt: 0, close: async () => {} };
  const server = await listenTcp({ host: '127.0.0.1', port: 0 }, (s) => {
    sockets.add(s);
    s.on('data', (d) => {
      echo.arrivedAt = performance.now();
      s.write(d);
    });
    s.on('error', () => undefined);
  });
  echo.port = serverAddress(server).port;
  echo.close = () => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return echo;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Reads until `bytes` bytes have come. */
function read(s: net.Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let have = 0;
    const on = (d: Buffer) => {
      parts.push(d);
      have += d.length;
      if (have >= bytes) {
        s.removeListener('data', on);
        resolve(Buffer.concat(parts));
      }
    };
    s.on('data', on);
  });
}

describe('the far-link relay (bench/support/relay.ts)', () => {
  const RTT = 100;
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let relay: Relay;

  before(async () => {
    echo = await startEcho();
    relay = await startRelay({ targetPort: echo.port, rttMs: RTT });
  });
  after(async () => {
    await relay.close();
    await echo.close();
  });

  it('delays a round trip by about the RTT, each way by about half', async () => {
    const s = await connect(relay.port);
    try {
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        s.write(Buffer.from([i]));
        const back = await read(s, 1);
        const ms = performance.now() - t0;
        const up = echo.arrivedAt - t0;
        assert.equal(back[0], i);
        // Generous bounds: timers fire late on a loaded machine, never early.
        assert.ok(up >= RTT / 2 - 2 && up < RTT * 2, `one way ${up.toFixed(1)} ms, about ${RTT / 2} ms`);
        assert.ok(ms - up >= RTT / 2 - 2, `the way back ${(ms - up).toFixed(1)} ms, at least ${RTT / 2} ms`);
        assert.ok(ms >= RTT - 2, `round trip ${ms.toFixed(1)} ms, at least ${RTT} ms`);
        assert.ok(ms < RTT * 4, `round trip ${ms.toFixed(1)} ms, well under ${RTT * 4} ms`);
      }
    } finally {
      s.destroy();
    }
  });

  it('keeps the order of chunks sent in a burst, and does not hold one chunk per RTT', async () => {
    const s = await connect(relay.port);
    try {
      const sent: Buffer[] = [];
      const t0 = performance.now();
      for (let i = 0; i < 200; i++) {
        const chunk = Buffer.alloc(100, i & 0xff);
        sent.push(chunk);
        s.write(chunk);
        if (i % 20 === 0) await new Promise((r) => setImmediate(r));
      }
      const back = await read(s, 200 * 100);
      const ms = performance.now() - t0;
      assert.deepEqual(back, Buffer.concat(sent));
      assert.ok(ms < RTT * 4, `the burst came back in ${ms.toFixed(1)} ms: pipelined, not one RTT per chunk`);
    } finally {
      s.destroy();
    }
  });

  it('counts bytes both ways and closes with connections open', async () => {
    const before = { ...relay.bytes };
    const s = await connect(relay.port);
    s.write(Buffer.alloc(10));
    await read(s, 10);
    assert.equal(relay.bytes.up - before.up, 10);
    assert.equal(relay.bytes.down - before.down, 10);
    const other = await startRelay({ targetPort: echo.port, rttMs: RTT });
    const t = await connect(other.port);
    const closed = new Promise((resolve) => t.once('close', resolve));
    await other.close();
    await closed;
    s.destroy();
  });
});
