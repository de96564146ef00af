/** Java-style quoting for previews. */

const ESCAPES: Record<string, string> = { '"': '\\"', "'": "\\'", '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

function escapeChar(c: string, quote: string): string {
  if (c === '"' || c === "'") return c === quote ? ESCAPES[c] : c;
  const e = ESCAPES[c];
  if (e) return e;
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : c;
}

/** A string as a Java literal, `"a\"b\n"`, cut to `max` characters with `…` when longer. */
export function quoteString(s: string, max = Infinity): string {
  const cut = s.length > max;
  const body = (cut ? s.slice(0, max) : s).replace(/[\s\S]/g, (c) => escapeChar(c, '"'));
  return `"${body}${cut ? '…' : ''}"`;
}

/** A char as a Java literal, `'x'`, `'\n'`. */
export function quoteChar(code: number): string {
  return `'${escapeChar(String.fromCharCode(code), "'")}'`;
}
