/** Java's primitive arithmetic and number-to-text rules, on JS numbers (int, float, double, char...) and bigints (long). */

/** A primitive type signature. */
export type PrimSig = 'Z' | 'B' | 'C' | 'S' | 'I' | 'J' | 'F' | 'D';

/** Numeric primitive signatures, narrowest first. */
const WIDENING: Record<string, string[]> = {
  B: ['S', 'I', 'J', 'F', 'D'],
  S: ['I', 'J', 'F', 'D'],
  C: ['I', 'J', 'F', 'D'],
  I: ['J', 'F', 'D'],
  J: ['F', 'D'],
  F: ['D'],
  D: [],
  Z: [],
};

/** True when a primitive of type `from` converts to `to` by identity or widening. */
export function widens(from: string, to: string): boolean {
  return from === to || (WIDENING[from]?.includes(to) ?? false);
}

/** True for the numeric primitive signatures (char included). */
export function isNumeric(sig: string): boolean {
  return sig.length === 1 && 'BCSIJFD'.includes(sig);
}

/** True for the integral primitive signatures (char included). */
export function isIntegral(sig: string): boolean {
  return sig.length === 1 && 'BCSIJ'.includes(sig);
}

/** Binary numeric promotion: the type two numeric operands are computed in. */
export function promote2(a: string, b: string): PrimSig {
  if (a === 'D' || b === 'D') return 'D';
  if (a === 'F' || b === 'F') return 'F';
  if (a === 'J' || b === 'J') return 'J';
  return 'I';
}

/** Unary numeric promotion: byte, short and char become int. */
export function promote1(a: string): PrimSig {
  return a === 'B' || a === 'S' || a === 'C' ? 'I' : (a as PrimSig);
}

function clampToLong(v: number): bigint {
  if (Number.isNaN(v)) return 0n;
  if (v >= 9223372036854775807) return 9223372036854775807n;
  if (v <= -9223372036854775808) return -9223372036854775808n;
  return BigInt(Math.trunc(v));
}

function clampToInt(v: number): number {
  if (Number.isNaN(v)) return 0;
  if (v >= 2147483647) return 2147483647;
  if (v <= -2147483648) return -2147483648;
  return Math.trunc(v);
}

/** Converts a primitive value between numeric types as a Java cast does (widening or narrowing). */
export function convertPrimitive(value: number | bigint, from: string, to: PrimSig): number | bigint {
  if (from === to) return value;
  const floating = from === 'F' || from === 'D';
  switch (to) {
    case 'J':
      return typeof value === 'bigint' ? value : floating ? clampToLong(value) : BigInt(value);
    case 'F':
      return Math.fround(Number(value));
    case 'D':
      return Number(value);
    default: {
      let asInt: number;
      if (typeof value === 'bigint') asInt = Number(BigInt.asIntN(32, value));
      else asInt = floating ? clampToInt(value) : value;
      switch (to) {
        case 'I':
          return asInt | 0;
        case 'S':
          return (asInt << 16) >> 16;
        case 'B':
          return (asInt << 24) >> 24;
        case 'C':
          return asInt & 0xffff;
        default:
          throw new Error(`cannot convert to ${to}`);
      }
    }
  }
}

/** Java's Double.toString: `1.0`, `0.001`, `1.0E7`, `1.0E-4`, `NaN`, `Infinity`. */
export function javaDoubleText(v: number): string {
  return floatingText(v, String);
}

/** Java's Float.toString, with the shortest digits that read back as the same float. */
export function javaFloatText(v: number): string {
  return floatingText(v, (x) => {
    for (let p = 1; p <= 9; p++) {
      const s = x.toPrecision(p);
      if (Math.fround(Number(s)) === x) return String(Number(s));
    }
    return String(x);
  });
}

function floatingText(v: number, shortest: (x: number) => string): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(v);
  const digits = shortest(abs);
  let mantissa: string;
  let exponent: number;
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(digits);
  if (!m) return (v < 0 ? '-' : '') + digits;
  // Normalise to all significant digits `ds` and a decimal exponent: abs = 0.ds × 10^point.
  let ds = (m[1] + (m[2] ?? '')).replace(/^0+/, '');
  let point = m[1].replace(/^0+/, '').length + Number(m[3] ?? 0);
  if (m[1].replace(/^0+/, '') === '') {
    const frac = m[2] ?? '';
    const lead = frac.length - frac.replace(/^0+/, '').length;
    point = -lead + Number(m[3] ?? 0);
  }
  ds = ds.replace(/0+$/, '') || '0';
  const sign = v < 0 ? '-' : '';
  if (abs >= 1e-3 && abs < 1e7) {
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${ds}`;
    const intPart = ds.slice(0, point).padEnd(point, '0');
    const fracPart = ds.slice(point) || '0';
    return `${sign}${intPart}.${fracPart}`;
  }
  mantissa = `${ds[0]}.${ds.slice(1) || '0'}`;
  exponent = point - 1;
  return `${sign}${mantissa}E${exponent}`;
}
