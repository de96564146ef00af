import { AdapterError, AdapterErrorCode } from './errors';

/** A parsed hit condition: stop when `test(hits)` holds. */
export interface HitCondition {
  text: string;
  test(hits: number): boolean;
}

/**
 * Parses a hit condition: "5" or "== 5" (the 5th hit), "> 5", ">= 5", "< 5", "<= 5", "% 5"
 * (every 5th hit). Throws BAD_HIT_CONDITION otherwise.
 */
export function parseHitCondition(text: string): HitCondition {
  const m = /^\s*(==|>=|<=|>|<|%)?\s*(\d+)\s*$/.exec(text);
  if (!m) throw new AdapterError(AdapterErrorCode.BAD_HIT_CONDITION, `hit condition "${text}" is not a count such as "5", ">= 5" or "% 5"`);
  const n = Number(m[2]);
  const op = m[1] ?? '==';
  if (op === '%' && n === 0) throw new AdapterError(AdapterErrorCode.BAD_HIT_CONDITION, 'hit condition "% 0" divides by zero');
  const tests: Record<string, (h: number) => boolean> = {
    '==': (h) => h === n,
    '>': (h) => h > n,
    '>=': (h) => h >= n,
    '<': (h) => h < n,
    '<=': (h) => h <= n,
    '%': (h) => h % n === 0,
  };
  return { text, test: tests[op] };
}
