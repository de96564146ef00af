import type { BinaryOp, Expr, ParsedExpression, PrimitiveName, TypeRef } from './ast';
import { EvalError, EvalErrorCode } from './errors';
import { tokenize, type Token } from './lexer';

const PRIMITIVES = new Set<string>(['boolean', 'byte', 'char', 'short', 'int', 'long', 'float', 'double']);

/** Binary operators by precedence level, loosest first (the conditional operator sits above these). */
const LEVELS: BinaryOp[][] = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!='],
  ['<', '>', '<=', '>='],
  ['<<', '>>', '>>>'],
  ['+', '-'],
  ['*', '/', '%'],
];
const RELATIONAL = 6;

const ASSIGNMENTS = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=', '>>>=', '++', '--']);

function error(message: string, pos: number): EvalError {
  return new EvalError(EvalErrorCode.PARSE_ERROR, message, pos + 1);
}

/** A recursive-descent parser over the token list. */
class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private get tok(): Token {
    return this.tokens[this.i];
  }

  private peek(n = 1): Token {
    return this.tokens[Math.min(this.i + n, this.tokens.length - 1)];
  }

  private is(text: string, t: Token = this.tok): boolean {
    return (t.kind === 'op' || t.kind === 'keyword') && t.text === text;
  }

  private next(): Token {
    const t = this.tok;
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private expect(text: string): Token {
    if (!this.is(text)) throw this.unexpected(`'${text}'`);
    return this.next();
  }

  private unexpected(wanted?: string): EvalError {
    const t = this.tok;
    if (t.kind === 'eof') return error(wanted ? `expected ${wanted} but the expression ended` : 'unexpected end of expression', t.pos);
    if (t.kind === 'op' && ASSIGNMENTS.has(t.text)) return error(`assignment '${t.text}' is not supported`, t.pos);
    if (this.is('new')) return error("object creation ('new') is not supported", t.pos);
    if (this.is('->') || this.is('::')) return error('lambdas and method references are not supported', t.pos);
    return error(wanted ? `expected ${wanted} but found '${t.text}'` : `unexpected '${t.text}'`, t.pos);
  }

  parse(): Expr {
    const e = this.expression();
    if (this.tok.kind !== 'eof') throw this.unexpected();
    return e;
  }

  private expression(): Expr {
    const test = this.binary(0);
    if (!this.is('?')) return test;
    this.next();
    const then = this.expression();
    this.expect(':');
    const otherwise = this.expression();
    return { kind: 'conditional', test, then, otherwise, pos: test.pos };
  }

  private binary(level: number): Expr {
    if (level === LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.tok;
      if (level === RELATIONAL && this.is('instanceof')) {
        this.next();
        const type = this.typeRef();
        left = { kind: 'instanceof', expr: left, type, pos: left.pos };
        continue;
      }
      if (t.kind !== 'op' || !(LEVELS[level] as string[]).includes(t.text)) return left;
      this.next();
      const right = this.binary(level + 1);
      left = { kind: 'binary', op: t.text as BinaryOp, left, right, opPos: t.pos, pos: left.pos };
    }
  }

  private unary(): Expr {
    const t = this.tok;
    if (t.kind === 'op' && (t.text === '-' || t.text === '+' || t.text === '!' || t.text === '~')) {
      this.next();
      const n = this.tok;
      if (t.text === '-' && (n.kind === 'int' || n.kind === 'long') && n.decimal) {
        const after = this.peek();
        if (!(this.is('.', after) || this.is('[', after))) {
          this.next();
          return this.integerLiteral(n, true, t.pos);
        }
      }
      return { kind: 'unary', op: t.text, operand: this.unary(), pos: t.pos };
    }
    if (t.kind === 'op' && (t.text === '++' || t.text === '--')) throw this.unexpected();
    if (this.is('(') && this.looksLikeCast()) {
      this.next();
      const type = this.typeRef();
      this.expect(')');
      return { kind: 'cast', type, expr: this.unary(), pos: t.pos };
    }
    return this.postfix(this.primary());
  }

  /** At '(': true when a type, then ')', then something a cast can apply to follow. */
  private looksLikeCast(): boolean {
    let k = this.i + 1;
    const at = (n: number) => this.tokens[Math.min(n, this.tokens.length - 1)];
    const first = at(k);
    const primitive = first.kind === 'keyword' && PRIMITIVES.has(first.text);
    if (!primitive && first.kind !== 'ident') return false;
    k++;
    if (!primitive) {
      while (this.is('.', at(k)) && at(k + 1).kind === 'ident') k += 2;
    }
    if (!primitive && this.is('<', at(k))) return this.genericCast(k);
    while (this.is('[', at(k)) && this.is(']', at(k + 1))) k += 2;
    if (!this.is(')', at(k))) return false;
    if (primitive) return true;
    const after = at(k + 1);
    if (['ident', 'int', 'long', 'float', 'double', 'char', 'string'].includes(after.kind)) return true;
    if (after.kind === 'keyword') return ['this', 'true', 'false', 'null', 'super', 'new'].includes(after.text) || PRIMITIVES.has(after.text);
    return this.is('(', after) || this.is('!', after) || this.is('~', after);
  }

  /** At a '<' after a type name inside '(': true for type arguments closed before ')', as in `(List<String>) x`. */
  private genericCast(k: number): boolean {
    let depth = 0;
    for (let t = this.tokens[k]; t.kind !== 'eof'; t = this.tokens[++k]) {
      if (t.kind === 'op') {
        if (t.text === '<') depth++;
        else if (t.text === '>' || t.text === '>>' || t.text === '>>>') depth -= t.text.length;
        else if (t.text === ')') return depth <= 0;
        else if (!['.', ',', '?', '[', ']', '&'].includes(t.text)) return false;
      } else if (t.kind !== 'ident' && !(t.kind === 'keyword' && (t.text === 'super' || PRIMITIVES.has(t.text)))) return false;
    }
    return false;
  }

  private typeRef(): TypeRef {
    const t = this.tok;
    let name: string;
    if (t.kind === 'keyword' && PRIMITIVES.has(t.text)) {
      this.next();
      name = t.text as PrimitiveName;
    } else if (t.kind === 'ident') {
      this.next();
      name = t.text;
      while (this.is('.') && this.peek().kind === 'ident') {
        this.next();
        name += '.' + this.next().text;
      }
      if (this.is('<')) throw error('generic type arguments are not supported; leave them out', this.tok.pos);
    } else throw this.unexpected('a type');
    let dims = 0;
    while (this.is('[') && this.is(']', this.peek())) {
      this.next();
      this.next();
      dims++;
    }
    return { name, dims, pos: t.pos };
  }

  private integerLiteral(t: Token, negated: boolean, pos: number): Expr {
    const magnitude = t.value as bigint;
    const bits = t.kind === 'long' ? 64n : 32n;
    const max = (1n << (bits - 1n)) - 1n;
    let v = negated ? -magnitude : magnitude;
    if (t.decimal && v > max) throw error(`${t.kind} literal is out of range`, t.pos);
    if (!t.decimal) v = BigInt.asIntN(Number(bits), v);
    return t.kind === 'long' ? { kind: 'literal', type: 'long', value: v, pos } : { kind: 'literal', type: 'int', value: Number(v), pos };
  }

  private primary(): Expr {
    const t = this.tok;
    switch (t.kind) {
      case 'int':
      case 'long':
        this.next();
        return this.integerLiteral(t, false, t.pos);
      case 'float':
      case 'double':
      case 'char':
        this.next();
        return { kind: 'literal', type: t.kind, value: t.value as number, pos: t.pos };
      case 'string':
        this.next();
        return { kind: 'literal', type: 'string', value: t.value as string, pos: t.pos };
      case 'ident':
        this.next();
        if (this.is('(')) return { kind: 'call', name: t.text, namePos: t.pos, args: this.args(), pos: t.pos };
        return { kind: 'name', name: t.text, pos: t.pos };
      case 'keyword':
        if (t.text === 'true' || t.text === 'false') {
          this.next();
          return { kind: 'literal', type: 'boolean', value: t.text === 'true', pos: t.pos };
        }
        if (t.text === 'null') {
          this.next();
          return { kind: 'literal', type: 'null', value: null, pos: t.pos };
        }
        if (t.text === 'this') {
          this.next();
          return { kind: 'this', pos: t.pos };
        }
        if (PRIMITIVES.has(t.text) || t.text === 'void') {
          const type = this.typeRef();
          if (this.is('.') && this.is('class', this.peek())) throw error('class literals of primitive types are not supported', t.pos);
          throw error(`'${type.name}' is a type, not a value`, t.pos);
        }
        if (t.text === 'super') throw error("'super' is not supported; cast 'this' instead", t.pos);
        throw this.unexpected();
      case 'op':
        if (t.text === '(') {
          this.next();
          const expr = this.expression();
          this.expect(')');
          return { kind: 'paren', expr, pos: t.pos };
        }
        throw this.unexpected();
      default:
        throw this.unexpected();
    }
  }

  private args(): Expr[] {
    this.expect('(');
    const args: Expr[] = [];
    if (this.is(')')) {
      this.next();
      return args;
    }
    for (;;) {
      args.push(this.expression());
      if (this.is(')')) {
        this.next();
        return args;
      }
      this.expect(',');
    }
  }

  private postfix(expr: Expr): Expr {
    for (;;) {
      if (this.is('.')) {
        this.next();
        const n = this.tok;
        if (this.is('class')) {
          this.next();
          return this.postfix({ kind: 'classLiteral', type: this.typeOf(expr), pos: expr.pos });
        }
        if (n.kind !== 'ident') throw this.unexpected('a name after \'.\'');
        this.next();
        expr = this.is('(')
          ? { kind: 'call', target: expr, name: n.text, namePos: n.pos, args: this.args(), pos: expr.pos }
          : { kind: 'field', target: expr, name: n.text, namePos: n.pos, pos: expr.pos };
      } else if (this.is('[')) {
        const open = this.next();
        if (this.is(']')) throw error("array types are only allowed in casts, instanceof and class literals", open.pos);
        const index = this.expression();
        this.expect(']');
        expr = { kind: 'index', target: expr, index, pos: expr.pos };
      } else if (this.tok.kind === 'op' && (this.tok.text === '++' || this.tok.text === '--')) {
        throw this.unexpected();
      } else return expr;
    }
  }

  /** The type a name chain spells, for `a.b.C.class`. */
  private typeOf(expr: Expr): TypeRef {
    const parts: string[] = [];
    let e = expr;
    while (e.kind === 'field') {
      parts.unshift(e.name);
      e = e.target;
    }
    if (e.kind !== 'name') throw error("'.class' must follow a class name", expr.pos);
    parts.unshift(e.name);
    return { name: parts.join('.'), dims: 0, pos: expr.pos };
  }
}

/** Parses a Java expression. Throws EvalError 2001 (PARSE_ERROR) whose message ends with the column of the problem. */
export function parseExpression(source: string): ParsedExpression {
  if (source.trim() === '') throw new EvalError(EvalErrorCode.PARSE_ERROR, 'empty expression', 1);
  return { source, root: new Parser(tokenize(source)).parse() };
}
