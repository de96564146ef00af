import * as fs from 'node:fs';
import { UsageError } from '../args';
import { DEFAULT_LOAD_TIMEOUT_S, DEFAULT_NODE_RATE, DEFAULT_RATE, type SessionPlan } from './options';
import { DEFAULT_BUDGET, DEFAULT_MAX_PAUSE_MS, DEFAULT_STACK, buildProbe, parseRate, parseSize, splitCaptures, type Limits, type ProbeSpec } from './probe';

type Obj = Record<string, unknown>;

const SESSION_KEYS = ['connect', 'duration', 'maxHits', 'perNode', 'rate', 'nodeRate', 'loadTimeout', 'json', 'probes', '$comment'];
const PROBE_KEYS = [
  'name', 'at', 'symbol', 'when', 'capture', 'log', 'stack', 'locals', 'invoke', 'maxHits', 'perNode', 'rate', 'nodeRate',
  'maxPause', 'depth', 'items', 'string', 'size', '$comment',
];

/** Reads typed members of one JSON object, naming the path of a bad member in its usage error. */
class Reader {
  constructor(
    private readonly file: string,
    private readonly path: string,
    private readonly obj: Obj,
    allowed: string[],
  ) {
    for (const key of Object.keys(obj)) if (!allowed.includes(key)) throw this.bad(key, `is not a known key (known: ${allowed.filter((k) => k !== '$comment').join(', ')})`);
  }

  bad(key: string, why: string): UsageError {
    return new UsageError(`${this.file}: ${this.path}${this.path ? '.' : ''}${key} ${why}`);
  }

  string(key: string): string | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw this.bad(key, 'must be a non-empty string');
    return v;
  }

  number(key: string, min: number, integer = true): number | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !(v >= min) || (integer && !Number.isInteger(v))) throw this.bad(key, `must be a ${integer ? 'whole ' : ''}number of at least ${min}`);
    return v;
  }

  boolean(key: string): boolean | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw this.bad(key, 'must be true or false');
    return v;
  }

  rate(key: string): Limits['rate'] {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') throw this.bad(key, 'must be a rate such as "10/s"');
    try {
      return parseRate(String(v), `${this.path}${this.path ? '.' : ''}${key}`);
    } catch (err) {
      throw new UsageError(`${this.file}: ${(err as Error).message}`);
    }
  }

  size(key: string): number | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    try {
      return parseSize(String(v), `${this.path}.${key}`);
    } catch (err) {
      throw new UsageError(`${this.file}: ${(err as Error).message}`);
    }
  }

  strings(key: string): string[] {
    const v = this.obj[key];
    if (v === undefined) return [];
    if (typeof v === 'string') return splitCaptures(v);
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x.trim() === '')) throw this.bad(key, 'must be an expression or a list of expressions');
    return v as string[];
  }

  limits(): Limits {
    return { maxHits: this.number('maxHits', 1), perNode: this.number('perNode', 1), rate: this.rate('rate'), nodeRate: this.rate('nodeRate') };
  }
}

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function probeSpec(file: string, index: number, value: unknown): ProbeSpec {
  const path = `probes[${index}]`;
  if (!isObject(value)) throw new UsageError(`${file}: ${path} must be an object`);
  const r = new Reader(file, path, value, PROBE_KEYS);
  const at = r.string('at');
  if (!at) throw r.bad('at', 'is required: "CLASS:LINE" or "CLASS.method"');
  return {
    name: r.string('name'),
    at,
    symbol: r.string('symbol'),
    when: r.string('when'),
    capture: r.strings('capture'),
    log: r.string('log'),
    stack: r.number('stack', 0) ?? DEFAULT_STACK,
    locals: r.boolean('locals') ?? true,
    invoke: r.boolean('invoke') ?? true,
    maxPauseMs: r.number('maxPause', 0.001, false) ?? DEFAULT_MAX_PAUSE_MS,
    budget: {
      depth: r.number('depth', 1) ?? DEFAULT_BUDGET.depth,
      items: r.number('items', 0) ?? DEFAULT_BUDGET.items,
      string: r.number('string', 1) ?? DEFAULT_BUDGET.string,
      size: r.size('size') ?? DEFAULT_BUDGET.size,
    },
    limits: r.limits(),
  };
}

/** Overrides of a script's settings from the `script` command line. */
export interface ScriptOverrides {
  connect?: string;
  durationMs?: number;
  json?: boolean;
}

/**
 * Reads a JSON script: session settings and a list of probes, each with its own options (the schema is in
 * docs/cli.md). Problems are usage errors naming the file and the key.
 */
export function loadScript(file: string, overrides: ScriptOverrides = {}): SessionPlan {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read script ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(json)) throw new UsageError(`${file} must hold a JSON object with "probes"`);
  const r = new Reader(file, '', json, SESSION_KEYS);
  const probes = json.probes;
  if (!Array.isArray(probes) || probes.length === 0) throw r.bad('probes', 'must be a non-empty list of probes');
  const specs = probes.map((p, i) => probeSpec(file, i, p));
  const connect = overrides.connect ?? r.string('connect');
  if (!connect) throw new UsageError(`${file} has no "connect" address: add one or pass --connect HOST:PORT`);
  const limits = r.limits();
  const duration = r.number('duration', 0.001, false);
  return {
    connect,
    probes: specs.map((s, i) => buildProbe(s, i + 1, (key) => `${file}: probes[${i}].${key}`)),
    limits: { ...limits, rate: limits.rate ?? parseRate(DEFAULT_RATE, 'rate'), nodeRate: limits.nodeRate ?? limits.rate ?? parseRate(DEFAULT_NODE_RATE, 'nodeRate') },
    durationMs: overrides.durationMs ?? (duration === undefined ? undefined : duration * 1000),
    loadTimeoutMs: (r.number('loadTimeout', 0, false) ?? DEFAULT_LOAD_TIMEOUT_S) * 1000,
    json: overrides.json ?? r.boolean('json') ?? false,
    command: 'script',
  };
}
