import { EvalError, parseExpression, parseTemplate, type ParsedExpression, type ParsedTemplate } from '../../jdwp/eval';
import { UsageError } from '../args';
import { ExitCode } from '../exit-codes';
import { TraceError } from './errors';

/** Where a probe stops: a source line of a class, or the first line of every method of a name. */
export type At = { className: string; line: number } | { className: string; method: string };

/** A rate in hits per second. */
export interface Rate {
  perSecond: number;
  /** As the user wrote it, e.g. "10/s". */
  text: string;
}

/** Budgets of one snapshot (captures and locals together). */
export interface Budget {
  /** Object levels expanded. */
  depth: number;
  /** Array and collection items kept. */
  items: number;
  /** String characters kept. */
  string: number;
  /** JSON size of one snapshot, in characters. */
  size: number;
}

/** Hit limits of a probe or of the whole session. */
export interface Limits {
  /** Captured hits in all, after which the probe (or session) is done. */
  maxHits?: number;
  /** Captured hits per node, after which the probe (or session) is done on that node. */
  perNode?: number;
  /** Captured hits per second in all. */
  rate?: Rate;
  /** Captured hits per second on each node. */
  nodeRate?: Rate;
}

/** A probe as the user described it, before its expressions are parsed. */
export interface ProbeSpec {
  /** A label for output; defaults to the `at` text. */
  name?: string;
  at: string;
  /** Scope to one symbol hash of the class (virtual VM only). */
  symbol?: string;
  when?: string;
  capture: string[];
  log?: string;
  /** Frames captured from the top. */
  stack: number;
  /** Capture the top frame's locals. */
  locals: boolean;
  /** Let expressions and snapshots run target code (method calls, toString of JDK value classes). */
  invoke: boolean;
  budget: Budget;
  limits: Limits;
  /** A hit holding its thread longer than this is slow; three slow hits in a row switch the probe off on that node. */
  maxPauseMs: number;
}

/** A probe ready to bind: its location and parsed expressions. */
export interface Probe extends ProbeSpec {
  /** 1-based, in the order given. */
  id: number;
  label: string;
  where: At;
  whenExpr?: ParsedExpression;
  captures: Array<{ text: string; expr: ParsedExpression }>;
  template?: ParsedTemplate;
}

/** Default snapshot budgets: 3 object levels, 20 items, 512 string characters, 64 KiB. */
export const DEFAULT_BUDGET: Budget = { depth: 3, items: 20, string: 512, size: 65536 };

/** Default frames captured. */
export const DEFAULT_STACK = 10;

/** Default slow-hit threshold in ms. */
export const DEFAULT_MAX_PAUSE_MS = 250;

/** Slow hits in a row that switch a probe off on a node. */
export const SLOW_HITS_IN_A_ROW = 3;

const JAVA_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

/** Parses `CLASS:LINE` or `CLASS.method`; a usage error names the input otherwise. */
export function parseAt(text: string, option = '--at'): At {
  const line = /^(.+):(\d+)$/.exec(text);
  if (line && JAVA_NAME.test(line[1]) && Number(line[2]) > 0) return { className: line[1], line: Number(line[2]) };
  const dot = text.lastIndexOf('.');
  if (!line && dot > 0 && JAVA_NAME.test(text)) {
    const parts = text.split('.');
    const looksLikeClass = /^[A-Z]/.test(parts.at(-1)!) && !parts.slice(0, -1).some((p) => /^[A-Z]/.test(p));
    if (looksLikeClass) throw new UsageError(`${option} "${text}" names a class: add :LINE (${text}:23) or .method (${text}.run)`);
    return { className: text.slice(0, dot), method: text.slice(dot + 1) };
  }
  throw new UsageError(`${option} "${text}" is not CLASS:LINE (demo.OrderService:23) or CLASS.method (demo.OrderService.process)`);
}

/** Parses a rate: `N/s`, `N/m` or `N` (per second). */
export function parseRate(text: string, option: string): Rate {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|sec|second|m|min|minute))?\s*$/.exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (!m || !(n > 0)) throw new UsageError(`${option} "${text}" is not a rate such as 10/s or 30/m`);
  const perSecond = m[2] && m[2].startsWith('m') ? n / 60 : n;
  return { perSecond, text: m[2] ? `${m[1]}/${m[2].startsWith('m') ? 'm' : 's'}` : `${m[1]}/s` };
}

/** Parses a size in bytes: `65536`, `64k` or `64KiB`. */
export function parseSize(text: string, option: string): number {
  const m = /^\s*(\d+)\s*(k|kb|kib)?\s*$/i.exec(text);
  const bytes = m ? Number(m[1]) * (m[2] ? 1024 : 1) : NaN;
  if (!(bytes >= 64)) throw new UsageError(`${option} "${text}" is not a size of at least 64 bytes such as 65536 or 64k`);
  return bytes;
}

/** Splits `a, f(b, c), d` at the commas outside brackets, strings and characters. */
export function splitCaptures(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function parsed<T>(what: string, source: string, parse: (s: string) => T): T {
  try {
    return parse(source);
  } catch (err) {
    if (err instanceof EvalError) throw new TraceError(ExitCode.BAD_EXPRESSION, `bad expression in ${what} "${source}": ${err.message} (error ${err.code})`);
    throw err;
  }
}

/** How an option of a probe is named in messages: `--when` on the command line, `probes[0].when` in a script. */
export type OptionNamer = (key: 'at' | 'when' | 'capture' | 'log') => string;

/** Parses a probe's location and expressions; a bad one is a usage error (location) or BAD_EXPRESSION (expressions). */
export function buildProbe(spec: ProbeSpec, id: number, name: OptionNamer = (key) => `--${key}`): Probe {
  const where = parseAt(spec.at, name('at'));
  return {
    ...spec,
    id,
    label: spec.name ?? spec.at,
    where,
    whenExpr: spec.when === undefined ? undefined : parsed(name('when'), spec.when, parseExpression),
    captures: spec.capture.map((text) => ({ text, expr: parsed(name('capture'), text, parseExpression) })),
    template: spec.log === undefined ? undefined : parsed(name('log'), spec.log, parseTemplate),
  };
}

/** The class name and, for a line probe, the line or, for a method probe, the method, as `demo.A:12` or `demo.A.run`. */
export function describeAt(at: At): string {
  return 'line' in at ? `${at.className}:${at.line}` : `${at.className}.${at.method}`;
}
