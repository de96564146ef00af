import * as assert from 'node:assert/strict';
import { caretLine, EvalError, EvalErrorCode, formatEvalError, parseExpression, parseTemplate, type Expr } from '../../jdwp/eval';
import { javaDoubleText, javaFloatText, convertPrimitive } from '../../jdwp/eval/numbers';

/** Fully parenthesised text of a tree, to read precedence and associativity off. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return e.type === 'string' ? JSON.stringify(e.value) : e.type === 'char' ? `'${String.fromCharCode(e.value)}'` : e.type === 'long' ? `${e.value}L` : `${e.value}`;
    case 'name':
      return e.name;
    case 'this':
      return 'this';
    case 'paren':
      return show(e.expr);
    case 'field':
      return `${show(e.target)}.${e.name}`;
    case 'index':
      return `${show(e.target)}[${show(e.index)}]`;
    case 'call':
      return `${e.target ? show(e.target) + '.' : ''}${e.name}(${e.args.map(show).join(', ')})`;
    case 'unary':
      return `(${e.op}${show(e.operand)})`;
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'conditional':
      return `(${show(e.test)} ? ${show(e.then)} : ${show(e.otherwise)})`;
    case 'instanceof':
      return `(${show(e.expr)} instanceof ${e.type.name}${'[]'.repeat(e.type.dims)})`;
    case 'cast':
      return `((${e.type.name}${'[]'.repeat(e.type.dims)}) ${show(e.expr)})`;
    case 'classLiteral':
      return `${e.type.name}.class`;
  }
}

const p = (src: string) => show(parseExpression(src).root);

function parseFails(src: string, column: number, pattern: RegExp): void {
  assert.throws(() => parseExpression(src), (err: unknown) => {
    assert.ok(err instanceof EvalError, `not an EvalError: ${err}`);
    assert.equal(err.code, EvalErrorCode.PARSE_ERROR);
    assert.equal(err.column, column, `column of ${err.message}`);
    assert.match(err.message, pattern);
    assert.match(err.message, new RegExp(`at column ${column}$`));
    return true;
  });
}

describe('eval parser (no JVM)', function () {
  it('follows Java precedence and associativity', function () {
    assert.equal(p('1 + 2 * 3'), '(1 + (2 * 3))');
    assert.equal(p('1 - 2 - 3'), '((1 - 2) - 3)');
    assert.equal(p('a || b && c'), '(a || (b && c))');
    assert.equal(p('a | b ^ c & d'), '(a | (b ^ (c & d)))');
    assert.equal(p('a == b < c'), '(a == (b < c))');
    assert.equal(p('1 << 2 + 3'), '(1 << (2 + 3))');
    assert.equal(p('a >>> 3 >> 1'), '((a >>> 3) >> 1)');
    assert.equal(p('a ? b : c ? d : e'), '(a ? b : (c ? d : e))');
    assert.equal(p('x instanceof String && y'), '((x instanceof String) && y)');
    assert.equal(p('-a * !b'), '((-a) * (!b))');
    assert.equal(p('- -1'), '(--1)');
    assert.equal(p('- - x'), '(-(-x))');
    assert.equal(p('(a < b)'), '(a < b)');
    assert.equal(p('(1 + 2) * 3'), '((1 + 2) * 3)');
  });

  it('parses postfix chains: fields, indexes, calls, class literals', function () {
    assert.equal(p('a.b.c'), 'a.b.c');
    assert.equal(p('this.list.get(0).name'), 'this.list.get(0).name');
    assert.equal(p('grid[1][0]'), 'grid[1][0]');
    assert.equal(p('f(1, g(2), "x")'), 'f(1, g(2), "x")');
    assert.equal(p('java.util.List.class'), 'java.util.List.class');
    assert.equal(p('m()'), 'm()');
    assert.equal(p('arr.length'), 'arr.length');
  });

  it('tells casts from parenthesised expressions', function () {
    assert.equal(p('(int) x'), '((int) x)');
    assert.equal(p('(int) -x'), '((int) (-x))');
    assert.equal(p('(String) o'), '((String) o)');
    assert.equal(p('(java.util.List) o'), '((java.util.List) o)');
    assert.equal(p('(int[]) o'), '((int[]) o)');
    assert.equal(p('(a) + b'), '(a + b)');
    assert.equal(p('(a) - 1'), '(a - 1)');
    assert.equal(p('(Object) "s"'), '((Object) "s")');
    assert.equal(p('(long) (a + b)'), '((long) (a + b))');
    assert.equal(p('(x)'), 'x');
  });

  it('reads literals of every kind', function () {
    const lit = (src: string) => {
      const root = parseExpression(src).root;
      assert.equal(root.kind, 'literal');
      return root as Expr & { kind: 'literal' };
    };
    assert.deepEqual([lit('42').type, lit('42').value], ['int', 42]);
    assert.deepEqual([lit('1_000_000').value], [1000000]);
    assert.deepEqual([lit('0x7fff_ffff').value], [2147483647]);
    assert.deepEqual([lit('0xFFFFFFFF').value], [-1]);
    assert.deepEqual([lit('0b1010').value], [10]);
    assert.deepEqual([lit('017').value], [15]);
    assert.deepEqual([lit('-2147483648').value], [-2147483648]);
    assert.deepEqual([lit('123L').type, lit('123L').value], ['long', 123n]);
    assert.deepEqual([lit('-9223372036854775808L').value], [-9223372036854775808n]);
    assert.deepEqual([lit('0xFFFFFFFFFFFFFFFFL').value], [-1n]);
    assert.deepEqual([lit('1.5').type, lit('1.5').value], ['double', 1.5]);
    assert.deepEqual([lit('.5').value], [0.5]);
    assert.deepEqual([lit('1e3').type, lit('1e3').value], ['double', 1000]);
    assert.deepEqual([lit('2.5f').type, lit('2.5f').value], ['float', 2.5]);
    assert.deepEqual([lit('0.1f').value], [Math.fround(0.1)]);
    assert.deepEqual([lit('3d').type], ['double']);
    assert.deepEqual([lit("'a'").type, lit("'a'").value], ['char', 97]);
    assert.deepEqual([lit("'\\n'").value, lit("'\\u0041'").value, lit("'\\''").value], [10, 65, 39]);
    assert.deepEqual([lit('"a\\tb\\"c\\\\"').value], ['a\tb"c\\']);
    assert.deepEqual([lit('"\\101"').value], ['A']);
    assert.deepEqual([lit('true').value, lit('false').value, lit('null').value], [true, false, null]);
  });

  it('reports errors with the column of the problem', function () {
    parseFails('a + ', 5, /expected|end/);
    parseFails('a + * b', 5, /unexpected '\*'/);
    parseFails('foo(1,', 7, /end/);
    parseFails('a # b', 3, /unexpected character '#'/);
    parseFails('x = 1', 3, /assignment '=' is not supported/);
    parseFails('i++', 2, /assignment '\+\+'/);
    parseFails('new Foo()', 1, /'new'/);
    parseFails('"abc', 1, /unterminated string/);
    parseFails("''", 1, /empty character literal/);
    parseFails('2147483648', 1, /int literal is out of range/);
    parseFails('0x1_0000_0000', 1, /out of range/);
    parseFails('9223372036854775808L', 1, /long literal is out of range/);
    parseFails('1_', 1, /underscores/);
    parseFails('089', 1, /octal/);
    parseFails('12abc', 3, /bad character 'a'/);
    parseFails('(a + b', 7, /expected '\)'/);
    parseFails('a ? b', 6, /expected ':'/);
    parseFails('   ', 1, /empty expression/);
    parseFails('a.', 3, /a name after/);
    parseFails('super.x', 1, /'super'/);
    parseFails('(List<String>) x', 6, /generic/);
    parseFails('x -> x', 3, /lambdas/);
  });

  it('formats an error with a caret under its column', function () {
    try {
      parseExpression('a + * b');
      assert.fail('no error');
    } catch (err) {
      assert.ok(err instanceof EvalError);
      assert.equal(caretLine(err.column!), '    ^');
      assert.equal(formatEvalError('a + * b', err), "a + * b\n    ^\nunexpected '*' at column 5");
    }
  });

  it('splits logpoint templates, with escaped braces and braces inside string literals', function () {
    const t = parseTemplate('x={x} s={s.replace("}", "{")} {{literal}} end');
    const kinds = t.parts.map((part) => (typeof part === 'string' ? part : `<${show(part.expression.root)}@${part.offset}>`));
    assert.deepEqual(kinds, ['x=', '<x@3>', ' s=', '<s.replace("}", "{")@9>', ' {literal} end']);
    assert.throws(() => parseTemplate('a {b +} c'), (err: unknown) => err instanceof EvalError && err.column === 7 && /unexpected '}'|end/.test(err.message));
    assert.throws(() => parseTemplate('a {b'), (err: unknown) => err instanceof EvalError && err.column === 3 && /unclosed/.test(err.message));
    assert.throws(() => parseTemplate('a } b'), (err: unknown) => err instanceof EvalError && err.column === 3);
  });

  it("formats numbers as Java's toString does, and converts like Java casts", function () {
    assert.deepEqual([1, 0.1, 100, 1e7, 1.5e-4, 0.001, -2.5, 123456.789, 1e21, NaN, -0].map(javaDoubleText), [
      '1.0', '0.1', '100.0', '1.0E7', '1.5E-4', '0.001', '-2.5', '123456.789', '1.0E21', 'NaN', '-0.0',
    ]);
    assert.deepEqual([Math.fround(0.1), Math.fround(1.25), Math.fround(3.4e38), Math.fround(1e-5)].map(javaFloatText), ['0.1', '1.25', '3.4E38', '1.0E-5']);
    assert.equal(convertPrimitive(3.99, 'D', 'I'), 3);
    assert.equal(convertPrimitive(-3.99, 'D', 'I'), -3);
    assert.equal(convertPrimitive(1e20, 'D', 'I'), 2147483647);
    assert.equal(convertPrimitive(NaN, 'D', 'J'), 0n);
    assert.equal(convertPrimitive(300, 'I', 'B'), 44);
    assert.equal(convertPrimitive(-1, 'I', 'C'), 65535);
    assert.equal(convertPrimitive(4294967297n, 'J', 'I'), 1);
    assert.equal(convertPrimitive(65, 'I', 'C'), 65);
  });
});
