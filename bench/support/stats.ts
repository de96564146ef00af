// Small measuring helpers for the benchmarks: percentiles, a timed loop, allocation per operation.
import { PerformanceObserver } from 'node:perf_hooks';

import { quantile } from '../../cli/load';

/** The q-quantile of a list of numbers (the load generator's, so that benchmarks and the demo count alike). */
export { quantile };

/** Runs fn `iterations` times and returns the CPU nanoseconds (user + system, all threads) per call. */
export function timeLoop(fn: () => void, iterations: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) fn();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / iterations;
}

/**
 * Runs fn for about `targetMs` of CPU per trial (after a warm-up) and returns the median CPU ns per call
 * over the trials. CPU time rather than wall time, so that other processes on a shared machine do not
 * inflate the figure; packets/s is then per core.
 */
export function throughput(fn: () => void, targetMs = 150, trials = 5): { nsPerOp: number; opsPerSec: number } {
  timeLoop(fn, 5000);
  let n = 1000;
  while (timeLoop(fn, n) * n < targetMs * 1e6 * 0.25 && n < 1e8) n *= 2;
  n = Math.max(1000, Math.round((targetMs * 1e6) / timeLoop(fn, n)));
  const samples = Array.from({ length: trials }, () => timeLoop(fn, n));
  const nsPerOp = quantile(samples, 0.5);
  return { nsPerOp, opsPerSec: 1e9 / nsPerOp };
}

let gcCount = 0;
let observing = false;

function observeGc(): void {
  if (observing) return;
  observing = true;
  new PerformanceObserver((list) => (gcCount += list.getEntries().length)).observe({ entryTypes: ['gc'] });
}

const settle = () => new Promise((r) => setTimeout(r, 20));

/** heapUsed + arrayBuffers growth over n calls, and whether a garbage collection ran meanwhile. */
async function growth(fn: () => void, n: number): Promise<{ bytes: number; collected: boolean }> {
  (globalThis as unknown as { gc: () => void }).gc();
  await settle();
  const gcBefore = gcCount;
  const before = process.memoryUsage();
  for (let i = 0; i < n; i++) fn();
  const after = process.memoryUsage();
  await settle();
  return { bytes: after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers, collected: gcCount !== gcBefore };
}

/**
 * Bytes allocated per call (JS heap plus ArrayBuffer memory). Measures the heap growth over n and over 2n
 * calls and takes the difference, which cancels the fixed cost of measuring; a run during which a garbage
 * collection ran is thrown away (and n halved). Needs --expose-gc; --max-semi-space-size=64
 * --min-semi-space-size=64 give the young generation room for longer runs.
 */
export async function bytesPerOp(fn: () => void, iterations = 5000): Promise<number> {
  if (!(globalThis as { gc?: unknown }).gc) throw new Error('run with node --expose-gc to measure allocation');
  observeGc();
  for (let i = 0; i < 5000; i++) fn();
  for (let n = iterations; n >= 100; n = Math.floor(n / 2)) {
    const results: number[] = [];
    for (let trial = 0; trial < 5; trial++) {
      const one = await growth(fn, n);
      const two = await growth(fn, 2 * n);
      if (!one.collected && !two.collected) results.push((two.bytes - one.bytes) / n);
    }
    if (results.length >= 3) return Math.max(0, quantile(results, 0.5));
  }
  throw new Error('a garbage collection ran inside every measurement; cannot measure allocation');
}

/** Bytes that stay reachable per result of make(): the size of what a decoder hands back, garbage excluded. */
export async function retainedBytesPerOp(make: () => unknown, n = 2000): Promise<number> {
  const gc = (globalThis as unknown as { gc: () => void }).gc;
  const keep: unknown[] = new Array(n);
  gc();
  await settle();
  const before = process.memoryUsage();
  for (let i = 0; i < n; i++) keep[i] = make();
  gc();
  await settle();
  const after = process.memoryUsage();
  const bytes = (after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers) / n;
  keep.length = 0;
  return Math.max(0, bytes);
}

/** Formats a number with thousands separators. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Prints rows as a Markdown table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
