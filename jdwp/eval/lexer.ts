import { EvalError, EvalErrorCode } from './errors';

/** A token's kind. Integer literals carry their digits for the parser's range check. */
export type TokenKind = 'ident' | 'keyword' | 'int' | 'long' | 'float' | 'double' | 'char' | 'string' | 'op' | 'eof';

/** A lexical token; `pos` is its 0-based offset. */
export interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
  /** int and long: the magnitude; float and double: the number; char: its code; string: its text. */
  value?: bigint | number | string;
  /** For int and long: written in decimal (only decimal literals may not exceed the signed maximum). */
  decimal?: boolean;
}

const KEYWORDS = new Set([
  'true', 'false', 'null', 'this', 'super', 'new', 'instanceof', 'class',
  'boolean', 'byte', 'char', 'short', 'int', 'long', 'float', 'double', 'void',
]);

// Longest first, so that `>>>` wins over `>>` and `>`.
const OPERATORS = [
  '>>>=', '<<=', '>>=', '>>>', '...', '&&', '||', '==', '!=', '<=', '>=', '<<', '>>', '++', '--', '+=', '-=', '*=', '/=',
  '%=', '&=', '|=', '^=', '->', '::', '+', '-', '*', '/', '%', '!', '~', '&', '|', '^', '<', '>', '=', '?', ':', '.', ',',
  '(', ')', '[', ']', '{', '}', '@', ';',
];

const ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', s: ' ', '"': '"', "'": "'", '\\': '\\' };

function parseError(message: string, pos: number): EvalError {
  return new EvalError(EvalErrorCode.PARSE_ERROR, message, pos + 1);
}

function isIdentStart(c: string): boolean {
  return /[\p{L}_$]/u.test(c);
}

function isIdentPart(c: string): boolean {
  return /[\p{L}\p{N}_$]/u.test(c);
}

/** Splits a Java expression into tokens, ending with an 'eof' token. Throws EvalError 2001 with the column of a bad character. */
export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      while (i < src.length && isIdentPart(src[i])) i++;
      const text = src.slice(start, i);
      tokens.push({ kind: KEYWORDS.has(text) ? 'keyword' : 'ident', text, pos: start });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const token = readNumber(src, start);
      tokens.push(token);
      i = start + token.text.length;
      continue;
    }
    if (c === '"') {
      const [value, end] = readQuoted(src, start, '"');
      tokens.push({ kind: 'string', text: src.slice(start, end), pos: start, value });
      i = end;
      continue;
    }
    if (c === "'") {
      const [value, end] = readQuoted(src, start, "'");
      if (value.length !== 1) throw parseError(value.length === 0 ? 'empty character literal' : 'character literal holds more than one character', start);
      tokens.push({ kind: 'char', text: src.slice(start, end), pos: start, value: value.charCodeAt(0) });
      i = end;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw parseError(`unexpected character '${c}'`, start);
    tokens.push({ kind: 'op', text: op, pos: start });
    i += op.length;
  }
  tokens.push({ kind: 'eof', text: '', pos: src.length });
  return tokens;
}

function readQuoted(src: string, start: number, quote: string): [string, number] {
  let out = '';
  let i = start + 1;
  for (;;) {
    if (i >= src.length || src[i] === '\n') throw parseError(quote === '"' ? 'unterminated string literal' : 'unterminated character literal', start);
    const c = src[i];
    if (c === quote) return [out, i + 1];
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = src[i + 1];
    if (e === undefined) throw parseError('unterminated escape sequence', i);
    if (e in ESCAPES) {
      out += ESCAPES[e];
      i += 2;
    } else if (e === 'u') {
      let j = i + 1;
      while (src[j] === 'u') j++;
      const hex = src.slice(j, j + 4);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw parseError('bad unicode escape', i);
      out += String.fromCharCode(parseInt(hex, 16));
      i = j + 4;
    } else if (/[0-7]/.test(e)) {
      const m = /^[0-3][0-7]{0,2}|^[4-7][0-7]?/.exec(src.slice(i + 1))!;
      out += String.fromCharCode(parseInt(m[0], 8));
      i += 1 + m[0].length;
    } else throw parseError(`bad escape sequence '\\${e}'`, i);
  }
}

function checkUnderscores(digits: string, pos: number): string {
  if (digits.startsWith('_') || digits.endsWith('_')) throw parseError('underscores must sit between digits', pos);
  return digits.replace(/_/g, '');
}

function readNumber(src: string, start: number): Token {
  const rest = src.slice(start);
  const radix = /^0[xX]([0-9a-fA-F_]+)([lL])?/.exec(rest) ?? /^0[bB]([01_]+)([lL])?/.exec(rest);
  if (radix) {
    const base = /^0[xX]/.test(rest) ? 16 : 2;
    const digits = checkUnderscores(radix[1], start);
    return integer(src, start, radix[0], BigInt((base === 16 ? '0x' : '0b') + digits), !!radix[2], false);
  }
  const float = /^(?:[0-9][0-9_]*\.(?:[0-9][0-9_]*)?|\.[0-9][0-9_]*|[0-9][0-9_]*)(?:[eE][+-]?[0-9][0-9_]*)?[fFdD]?/.exec(rest)!;
  const text = float[0];
  const isFloating = /[.eEfFdD]/.test(text);
  if (isFloating) {
    const suffix = /[fFdD]$/.exec(text)?.[0];
    const body = suffix ? text.slice(0, -1) : text;
    for (const part of body.split(/[.eE][+-]?/)) if (part) checkUnderscores(part, start);
    const value = Number(body.replace(/_/g, ''));
    const isFloat = suffix === 'f' || suffix === 'F';
    if (isFloat ? Math.fround(value) === Infinity : value === Infinity) throw parseError('floating-point literal is too large', start);
    end(src, start + text.length);
    return { kind: isFloat ? 'float' : 'double', text, pos: start, value: isFloat ? Math.fround(value) : value };
  }
  const long = /^[0-9][0-9_]*[lL]/.exec(rest);
  const digitsText = long ? long[0] : text;
  const digits = checkUnderscores(long ? digitsText.slice(0, -1) : digitsText, start);
  const octal = digits.length > 1 && digits.startsWith('0');
  if (octal && /[89]/.test(digits)) throw parseError('bad digit in octal literal', start);
  return integer(src, start, digitsText, octal ? BigInt('0o' + digits.slice(1)) : BigInt(digits), !!long, !octal);
}

function integer(src: string, start: number, text: string, magnitude: bigint, isLong: boolean, decimal: boolean): Token {
  const bits = isLong ? 64n : 32n;
  const limit = decimal ? 1n << (bits - 1n) : 1n << bits;
  if (magnitude > limit || (!decimal && magnitude === limit)) throw parseError(`${isLong ? 'long' : 'int'} literal is out of range`, start);
  end(src, start + text.length);
  return { kind: isLong ? 'long' : 'int', text, pos: start, value: magnitude, decimal };
}

function end(src: string, at: number): void {
  if (at < src.length && isIdentPart(src[at])) throw parseError(`bad character '${src[at]}' in number`, at);
}
