import type { ParsedExpression } from './ast';
import { EvalError, EvalErrorCode } from './errors';
import { parseExpression } from './parser';

/** A logpoint template split into text and expressions. */
export interface ParsedTemplate {
  source: string;
  /** Text parts are strings; expressions keep their offset in the template. */
  parts: Array<string | { expression: ParsedExpression; offset: number }>;
}

/**
 * Parses `'text {expr} more {expr2}'`. `{{` and `}}` stand for literal braces; braces inside string and
 * character literals of an expression do not count. Parse errors give the column in the whole template.
 */
export function parseTemplate(source: string): ParsedTemplate {
  const parts: ParsedTemplate['parts'] = [];
  let text = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if ((c === '{' || c === '}') && source[i + 1] === c) {
      text += c;
      i += 2;
      continue;
    }
    if (c === '}') throw new EvalError(EvalErrorCode.PARSE_ERROR, "unmatched '}' in template (write '}}' for a brace)", i + 1);
    if (c !== '{') {
      text += c;
      i++;
      continue;
    }
    const end = closingBrace(source, i);
    const inner = source.slice(i + 1, end);
    let expression: ParsedExpression;
    try {
      expression = parseExpression(inner);
    } catch (err) {
      if (err instanceof EvalError && err.column !== undefined) throw new EvalError(err.code, err.detail, err.column + i + 1);
      throw err;
    }
    if (text) parts.push(text);
    text = '';
    parts.push({ expression, offset: i + 1 });
    i = end + 1;
  }
  if (text) parts.push(text);
  return { source, parts };
}

function closingBrace(source: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  throw new EvalError(EvalErrorCode.PARSE_ERROR, "unclosed '{' in template", open + 1);
}
