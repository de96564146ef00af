// A small load generator for the demo: checkouts at a steady rate against the gateways, a few marked for a debug
// session, each request's latency recorded.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';

/** Options of the load generator. */
export interface LoadOptions {
  /** URLs to POST checkouts to, taken round-robin (the gateways' /checkout). */
  targets: string[];
  /** Requests started per second; default 5. */
  rate?: number;
  /** Most requests in flight at once; a request due while all are busy is skipped. Default 8. */
  concurrency?: number;
  /** One request in `markEvery` carries `markHeaders`; default 50, 0 marks none. */
  markEvery?: number;
  /** The headers of a marked request; default X-Debug-Session: alice and baggage: user=alice. */
  markHeaders?: Record<string, string>;
  /** Share (0..1) of requests sent with a traceparent of their own, as from an instrumented caller; default 0.5. */
  tracedShare?: number;
  /** Milliseconds until a request counts as failed; default 30000. */
  timeoutMs?: number;
  /** Called with each finished request. */
  onResult?: (result: LoadResult) => void;
}

/** One finished request. */
export interface LoadResult {
  /** Its number, from 0 in the order sent. */
  index: number;
  target: string;
  /** Whether it carried the mark headers. */
  marked: boolean;
  /** The traceparent it was sent with, if any. */
  traceparent?: string;
  status?: number;
  body?: string;
  /** Why it failed without an answer (timeout, connection error). */
  error?: string;
  /** An answer with status 200 came. */
  ok: boolean;
  latencyMs: number;
}

/** Counts and latency percentiles (ms) of the requests finished so far. */
export interface LoadStats {
  sent: number;
  finished: number;
  ok: number;
  failed: number;
  /** Requests that were due while `concurrency` requests were in flight. */
  skipped: number;
  inFlight: number;
  p50: number;
  p99: number;
  max: number;
}

const CUSTOMERS = ['ada', 'grace', 'linus', 'barbara', 'ken'];
const ITEMS = ['apple', 'pear', 'plum', 'fig'];

/** The q-quantile (0..1) of a list of numbers, by the nearest-rank method. */
export function quantile(values: number[], q: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** A running load generator. */
export class LoadGenerator {
  /** Latency and outcome of each finished request (without its body, so that a long demo run stays small). */
  private readonly finished: Array<Pick<LoadResult, 'latencyMs' | 'ok'>> = [];
  private readonly agent: http.Agent;
  private readonly pending = new Set<Promise<void>>();
  private readonly timer: NodeJS.Timeout;
  private readonly started = Date.now();
  private sent = 0;
  private skipped = 0;
  private stopped = false;

  private constructor(private readonly options: Required<Omit<LoadOptions, 'onResult'>> & Pick<LoadOptions, 'onResult'>) {
    if (!options.targets.length) throw new Error('the load generator needs at least one target URL');
    if (!(options.rate > 0)) throw new Error(`the rate must be above 0 (got ${options.rate})`);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.min(50, 1000 / options.rate)));
  }

  /** Starts sending requests. */
  static start(options: LoadOptions): LoadGenerator {
    return new LoadGenerator({
      rate: 5,
      concurrency: 8,
      markEvery: 50,
      markHeaders: { 'X-Debug-Session': 'alice', baggage: 'user=alice' },
      tracedShare: 0.5,
      timeoutMs: 30_000,
      ...options,
    });
  }

  /** Stats of the requests finished so far, or of those from the `from`-th finished one on. */
  stats(from = 0): LoadStats {
    const window = this.finished.slice(from);
    const latencies = window.map((r) => r.latencyMs);
    const ok = window.filter((r) => r.ok).length;
    return {
      sent: this.sent,
      finished: this.finished.length,
      ok,
      failed: window.length - ok,
      skipped: this.skipped,
      inFlight: this.pending.size,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: latencies.length ? latencies.reduce((a, b) => Math.max(a, b)) : NaN,
    };
  }

  /** Stops sending, waits for the requests in flight, and returns the final stats. */
  async stop(): Promise<LoadStats> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all(this.pending);
    this.agent.destroy();
    return this.stats();
  }

  private tick(): void {
    const due = Math.floor(((Date.now() - this.started) * this.options.rate) / 1000);
    while (!this.stopped && this.sent + this.skipped < due) {
      if (this.pending.size >= this.options.concurrency) {
        this.skipped++;
        continue;
      }
      const request = this.send(this.sent++);
      this.pending.add(request);
      void request.finally(() => this.pending.delete(request));
    }
  }

  private send(index: number): Promise<void> {
    const { targets, markEvery, markHeaders, tracedShare, timeoutMs } = this.options;
    const target = targets[index % targets.length];
    const marked = markEvery > 0 && index % markEvery === markEvery - 1;
    const traced = Math.floor((index + 1) * tracedShare) > Math.floor(index * tracedShare);
    const traceparent = traced ? `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` : undefined;
    const form = `customer=${CUSTOMERS[index % CUSTOMERS.length]}&item=${ITEMS[index % ITEMS.length]}&qty=${1 + (index % 3)}`;
    const headers = { ...(traceparent ? { traceparent } : {}), ...(marked ? markHeaders : {}) };
    return checkout(target, { form, headers, timeoutMs, agent: this.agent }).then((answer) => {
      this.finished.push({ latencyMs: answer.latencyMs, ok: answer.ok });
      this.options.onResult?.({ index, target, marked, traceparent, ...answer });
    });
  }
}

/** The answer to one checkout: its status and body, or why none came; never rejects. */
export type CheckoutAnswer = Pick<LoadResult, 'status' | 'body' | 'error' | 'ok' | 'latencyMs'>;

/**
 * POSTs one checkout form (default customer=ada&item=apple&qty=1) to a gateway URL with extra headers (such as
 * traceparent or X-Debug-Session) and resolves with the answer, a failure after `timeoutMs` (default 30000) included.
 */
export function checkout(
  target: string,
  options: { form?: string; headers?: Record<string, string>; timeoutMs?: number; agent?: http.Agent } = {},
): Promise<CheckoutAnswer> {
  const form = options.form ?? 'customer=ada&item=apple&qty=1';
  const timeoutMs = options.timeoutMs ?? 30_000;
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(form), ...options.headers };
  const start = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: Pick<LoadResult, 'status' | 'body' | 'error'>) => {
      if (done) return;
      done = true;
      resolve({ ...outcome, ok: outcome.status === 200 && outcome.error === undefined, latencyMs: performance.now() - start });
    };
    const req = http.request(target, { method: 'POST', headers, agent: options.agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => finish({ status: res.statusCode, error: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => finish({ error: err.message }));
    req.end(form);
  });
}
