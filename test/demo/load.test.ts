// The load generator against a local HTTP server that records what it receives: pacing, the cap on requests in
// flight, marked and traced shares, timeouts and the latency stats.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoadGenerator, quantile, type LoadResult } from '../../cli/load';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A server that answers each request after `delayMs` (never, when undefined), and counts requests in flight. */
async function server(delayMs: number | undefined): Promise<{ url: string; received: Received[]; maxInFlight: () => number; close(): Promise<void> }> {
  const received: Received[] = [];
  let inFlight = 0;
  let max = 0;
  const srv = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      max = Math.max(max, ++inFlight);
      if (delayMs === undefined) return;
      setTimeout(() => {
        inFlight--;
        res.end('{"ok":true}');
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/checkout`,
    received,
    maxInFlight: () => max,
    close: () => {
      srv.closeAllConnections();
      return new Promise((resolve) => srv.close(() => resolve()));
    },
  };
}

describe('the load generator', function () {
  this.timeout(30_000);

  it('paces requests, marks one in N, traces the given share and reports latency percentiles', async () => {
    const s = await server(20);
    try {
      const results: LoadResult[] = [];
      const started = Date.now();
      const load = LoadGenerator.start({ targets: [s.url], rate: 50, concurrency: 32, markEvery: 10, tracedShare: 0.25, onResult: (r) => results.push(r) });
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const elapsed = Date.now() - started;
      const stats = await load.stop();
      assert.ok(stats.sent >= ((elapsed - 200) * 50) / 1000 && stats.sent <= (elapsed * 50) / 1000 + 1, `${stats.sent} requests in ${elapsed} ms at 50/s`);
      assert.equal(stats.skipped, 0, '32 in flight are enough for 50/s of 20 ms requests');
      assert.equal(stats.ok, stats.sent);
      assert.equal(s.received.length, stats.sent);
      assert.ok(stats.p50 >= 20 && stats.p50 <= stats.p99 && stats.p99 <= stats.max, JSON.stringify(stats));
      assert.equal(stats.p99, quantile(results.map((r) => r.latencyMs), 0.99));

      const marked = s.received.filter((r) => r.headers['x-debug-session'] === 'alice');
      assert.equal(marked.length, results.filter((r) => r.marked).length);
      assert.equal(marked.length, Math.floor(stats.sent / 10), 'one in 10');
      assert.ok(marked.every((r) => r.headers.baggage === 'user=alice'));
      const traced = s.received.filter((r) => r.headers.traceparent);
      assert.equal(traced.length, Math.floor(stats.sent / 4), 'a quarter carries a traceparent');
      assert.ok(traced.every((r) => /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/.test(r.headers.traceparent as string)));
      assert.equal(new Set(traced.map((r) => r.headers.traceparent)).size, traced.length, 'a new trace each');
      assert.ok(s.received.every((r) => /^customer=\w+&item=\w+&qty=[123]$/.test(r.body)), s.received[0].body);
    } finally {
      await s.close();
    }
  });

  it('holds at most `concurrency` requests in flight and counts the ones it skipped', async () => {
    const s = await server(300);
    try {
      const started = Date.now();
      const load = LoadGenerator.start({ targets: [s.url], rate: 100, concurrency: 3 });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const elapsed = Date.now() - started;
      const stats = await load.stop();
      assert.equal(s.maxInFlight(), 3);
      assert.ok(stats.sent >= 6 && stats.sent <= 3 * Math.ceil(elapsed / 300), `${stats.sent} sent in ${elapsed} ms: 3 at a time, 300 ms each`);
      assert.ok(stats.sent + stats.skipped >= ((elapsed - 200) * 100) / 1000, `${stats.skipped} skipped`);
      assert.ok(stats.skipped > 2 * stats.sent, `${stats.skipped} skipped`);
      assert.equal(stats.ok, stats.sent);
    } finally {
      await s.close();
    }
  });

  it('counts a request with no answer within the timeout as failed', async () => {
    const s = await server(undefined);
    try {
      const results: LoadResult[] = [];
      const load = LoadGenerator.start({ targets: [s.url], rate: 5, concurrency: 1, timeoutMs: 300, onResult: (r) => results.push(r) });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const stats = await load.stop();
      assert.ok(results.length >= 1);
      assert.equal(stats.ok, 0);
      assert.equal(stats.failed, results.length);
      assert.match(results[0].error!, /no answer within 300 ms/);
      assert.ok(results[0].latencyMs >= 290, `${results[0].latencyMs} ms`);
    } finally {
      await s.close();
    }
  });
});
