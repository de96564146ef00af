import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../support/fixtures';
import type { TranscriptEntry } from './harness';

/** Where the golden transcripts live (in the source tree, not out/). */
export const GOLDEN_DIR = path.join(ROOT, 'test', 'golden');

/** Events whose number and timing depend on the JVM's housekeeping threads. */
const UNSTABLE_EVENTS = new Set(['thread', 'fabric.nodesChanged']);

const ID_KEYS = new Set(['threadId', 'frameId', 'variablesReference', 'id', 'hitBreakpointIds', 'sourceReference']);

/**
 * Normalises a transcript so that it only changes when the adapter's behaviour does: handles
 * (thread, frame, variables and breakpoint ids) become placeholders numbered by first appearance
 * per kind, the project root becomes <root>, ports <port>, object numbers <n>, the VM's name <vm>; stderr output,
 * thread events and fabric.nodesChanged (JVM housekeeping) are left out. Requests and responses keep their order; events,
 * whose timing against responses varies, are grouped by kind, each kind in arrival order.
 */
export function normalizeTranscript(entries: TranscriptEntry[], masks: Array<[RegExp, string]> = []): { exchanges: unknown[]; events: Record<string, unknown[]> } {
  const maps = new Map<string, Map<number, string>>();
  const placeholder = (kind: string, n: number): string => {
    let m = maps.get(kind);
    if (!m) maps.set(kind, (m = new Map()));
    if (n === 0 && kind === 'variablesReference') return '0';
    let p = m.get(n);
    if (!p) m.set(n, (p = `<${kind}${m.size + 1}>`));
    return p;
  };
  const kindOf = (key: string) => (key === 'hitBreakpointIds' || key === 'id' ? 'bp' : key);
  const walk = (value: unknown, key = ''): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, key));
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (k === 'seq' || k === 'request_seq') continue;
        out[k] = walk(v, k);
      }
      return out;
    }
    if (typeof value === 'number' && ID_KEYS.has(key)) return placeholder(kindOf(key), value);
    if (typeof value === 'number' && key === 'port') return '<port>';
    if (typeof value === 'string') {
      const general = value
        .split(ROOT)
        .join('<root>')
        .replace(/(127\.0\.0\.1|localhost):\d+/g, '$1:<port>')
        .replace(/@\d+\b/g, '@<n>')
        .replace(/^(jdwp-fabric: connected to ).*?( \(virtual VM\))?\n$/, '$1<vm>$2\n');
      return masks.reduce((text, [re, by]) => text.replace(re, by), general);
    }
    return value;
  };
  const kept = entries.filter((e) => !(e.dir === 'event' && (UNSTABLE_EVENTS.has(e.event!) || (e.event === 'output' && (e.body as { category?: string }).category === 'stderr'))));
  const normalized = kept.map((e) => walk(e) as TranscriptEntry);
  const events: Record<string, unknown[]> = {};
  for (const e of normalized) if (e.dir === 'event') (events[e.event!] ??= []).push(e.body);
  return { exchanges: normalized.filter((e) => e.dir !== 'event'), events };
}

/** Compares a transcript with its golden file; UPDATE_GOLDEN=1 rewrites the file instead. `masks` hide run-dependent text. */
export function assertGolden(name: string, entries: TranscriptEntry[], masks: Array<[RegExp, string]> = []): void {
  const file = path.join(GOLDEN_DIR, `${name}.json`);
  const actual = normalizeTranscript(entries, masks);
  const text = `${JSON.stringify(actual, (_k, v) => (typeof v === 'bigint' ? String(v) : v), 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    fs.writeFileSync(file, text);
    return;
  }
  if (process.env.GOLDEN_ACTUAL_DIR) fs.writeFileSync(path.join(process.env.GOLDEN_ACTUAL_DIR, `${name}.json`), text);
  if (!fs.existsSync(file)) assert.fail(`no golden transcript ${path.relative(ROOT, file)}; run the test with UPDATE_GOLDEN=1 to record it`);
  assert.deepEqual(JSON.parse(text), JSON.parse(fs.readFileSync(file, 'utf8')), `transcript ${name} differs from ${path.relative(ROOT, file)} (UPDATE_GOLDEN=1 rewrites it)`);
}
