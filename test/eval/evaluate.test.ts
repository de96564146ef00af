import * as assert from 'node:assert/strict';
import type { ObjectID } from '../../jdwp/protocol/wire-types';
import {
  EvalError, EvalErrorCode, evaluate, evaluateCondition, evaluateToString, interpolate, type EvalContext, type EvalErrorCodeValue,
} from '../../jdwp/eval';
import { JDWP } from '../../jdwp/registry';
import { moveTo, release, stopInEvalFixture, type Stopped } from '../mirror/harness';

describe('eval against a JVM suspended in EvalFixture.work', function () {
  let s: Stopped;
  let ctx: EvalContext;
  let round: number;

  /** Evaluates and renders as `type value` (strings by their text, objects by their class). */
  async function ev(src: string): Promise<string> {
    const r = await evaluate(src, ctx);
    if (r.text !== undefined) return `${r.typeName} ${JSON.stringify(r.text)}`;
    if (r.value.tag === JDWP.Tag.VOID) return 'void';
    if (typeof r.value.value === 'bigint' && r.value.tag !== JDWP.Tag.LONG) {
      if (r.value.value === 0n) return `${r.typeName} null`;
      const type = await s.mirror.typeOfObject(r.value.value as ObjectID);
      return `${r.typeName} <${type.name}>`;
    }
    return `${r.typeName} ${String(r.value.value)}`;
  }

  async function fails(src: string, code: EvalErrorCodeValue, pattern: RegExp, column?: number): Promise<EvalError> {
    let caught: unknown;
    try {
      await evaluate(src, ctx);
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof EvalError, `${src}: expected an EvalError, got ${caught}`);
    assert.equal(caught.code, code, `${src}: ${caught.message}`);
    assert.match(caught.message, pattern);
    if (column !== undefined) assert.equal(caught.column, column, `${src}: ${caught.message}`);
    return caught;
  }

  before(async function () {
    s = await stopInEvalFixture();
    ctx = { mirror: s.mirror, thread: s.thread, frame: 0 };
    round = (await evaluate('round', ctx)).value.value as number;
  });

  after(async function () {
    await release(s);
  });

  it('reads literals, locals, this and fields', async function () {
    assert.equal(await ev('42'), 'int 42');
    assert.equal(await ev('local'), `int ${round * 2}`);
    assert.equal(await ev('msg'), `java.lang.String "round ${round}"`);
    assert.equal(await ev('letter'), `char ${'A'.charCodeAt(0)}`);
    assert.equal(await ev('i'), 'int 42');
    assert.equal(await ev('this.l'), 'long 1234567890123');
    assert.equal(await ev('s'), 'short -3');
    assert.equal(await ev('b'), 'byte -16');
    assert.equal(await ev('z'), 'boolean true');
    assert.equal(await ev('str'), 'java.lang.String "hello \\"world\\"\\n"');
    assert.equal(await ev('nullStr'), 'java.lang.String null');
    assert.equal(await ev('this'), 'evalfix.EvalFixture <evalfix.EvalFixture>');
    assert.equal(await ev('shadow'), 'int 2');
    assert.equal(await ev('baseField'), 'int 11');
    assert.equal(await ev('point'), 'java.lang.Object <evalfix.Point>');
  });

  it('reads static fields by simple, nested and qualified names', async function () {
    assert.equal(await ev('sCount'), 'int 3');
    assert.equal(await ev('EvalFixture.S_NAME'), 'java.lang.String "static-name"');
    assert.equal(await ev('evalfix.EvalFixture.sLong'), `long ${2n ** 40n}`);
    assert.equal(await ev('CONSTANT'), 'int 99');
    assert.equal(await ev('Greeter.CONSTANT'), 'int 99');
    assert.equal(await ev('baseStatic'), 'java.lang.String "base"');
    assert.equal(await ev('EvalFixture.Inner.VALUE'), 'int 5');
    assert.equal(await ev('Inner.VALUE'), 'int 5');
    assert.equal(await ev('Integer.MAX_VALUE'), 'int 2147483647');
    assert.equal(await ev('java.lang.Long.MIN_VALUE'), 'long -9223372036854775808');
    assert.equal(await ev('evalfix.util.Helper.NAME'), 'java.lang.String "helper"');
    assert.equal(await ev('Helper.NAME'), 'java.lang.String "helper"');
    assert.equal(await ev('EvalFixture.INSTANCE.i'), 'int 42');
  });

  it('indexes arrays and reads their length', async function () {
    assert.equal(await ev('ints[2]'), 'int 3');
    assert.equal(await ev('ints.length'), 'int 3');
    assert.equal(await ev('grid[1][0]'), 'int 3');
    assert.equal(await ev('grid[1].length'), 'int 2');
    assert.equal(await ev('strs[0]'), 'java.lang.String "a"');
    assert.equal(await ev('strs[1]'), 'java.lang.String null');
    assert.equal(await ev('mixed[1]'), 'java.lang.Object "two"');
    assert.equal(await ev('mixed[0]'), 'java.lang.Object <java.lang.Integer>');
    assert.equal(await ev("ints['\\u0001']"), 'int 2');
    await fails('ints[3]', EvalErrorCode.INDEX_OUT_OF_BOUNDS, /index 3 is out of bounds for length 3 at column 6/, 6);
    await fails('ints[-1]', EvalErrorCode.INDEX_OUT_OF_BOUNDS, /index -1/);
    await fails('ints[1L]', EvalErrorCode.TYPE_ERROR, /must be an int/);
    await fails('i[0]', EvalErrorCode.TYPE_ERROR, /int is not an array/);
  });

  it('does arithmetic with Java numeric promotion', async function () {
    assert.equal(await ev('1 + 2 * 3'), 'int 7');
    assert.equal(await ev('7 / 2'), 'int 3');
    assert.equal(await ev('-7 / 2'), 'int -3');
    assert.equal(await ev('-7 % 3'), 'int -1');
    assert.equal(await ev('7 / 2.0'), 'double 3.5');
    assert.equal(await ev('f * 2'), 'float 2.5');
    assert.equal(await ev('i + l'), 'long 1234567890165');
    assert.equal(await ev('Integer.MAX_VALUE + 1'), 'int -2147483648');
    assert.equal(await ev('Long.MAX_VALUE + 1'), 'long -9223372036854775808');
    assert.equal(await ev('2147483647 * 2'), 'int -2');
    assert.equal(await ev("'a' + 1"), 'int 98');
    assert.equal(await ev('b + s'), 'int -19');
    assert.equal(await ev('boxed + 1'), 'int 8');
    assert.equal(await ev('boxedLong * boxed'), 'long 56');
    assert.equal(await ev('-boxedDouble'), 'double -2.5');
    assert.equal(await ev('~5'), 'int -6');
    assert.equal(await ev('-l'), 'long -1234567890123');
    assert.equal(await ev('1 << 33'), 'int 2');
    assert.equal(await ev('1L << 33'), 'long 8589934592');
    assert.equal(await ev('-16 >> 2'), 'int -4');
    assert.equal(await ev('-16 >>> 28'), 'int 15');
    assert.equal(await ev('-1L >>> 60'), 'long 15');
    assert.equal(await ev('0xF0 & 0x3C | 1 ^ 3'), 'int 50');
    assert.equal(await ev('(int) 3.99'), 'int 3');
    assert.equal(await ev('(byte) 300'), 'byte 44');
    assert.equal(await ev('(char) 66'), 'char 66');
    assert.equal(await ev('(long) d'), 'long 3');
    assert.equal(await ev('(double) i / 8'), 'double 5.25');
    assert.equal(await ev('(int) boxed'), 'int 7');
    assert.equal(await ev('1.0 / 0'), 'double Infinity');
    await fails('1 / 0', EvalErrorCode.DIVIDE_BY_ZERO, /division by zero at column 3/, 3);
    await fails('l % 0L', EvalErrorCode.DIVIDE_BY_ZERO, /remainder by zero/);
    await fails('1 + true', EvalErrorCode.TYPE_ERROR, /operator '\+' cannot be applied to int and boolean at column 3/);
    await fails('-str', EvalErrorCode.TYPE_ERROR, /operator '-' cannot be applied to java.lang.String at column 1/);
    await fails('1.5 << 1', EvalErrorCode.TYPE_ERROR, /integral/);
  });

  it('compares, and evaluates && and || with short-circuit', async function () {
    assert.equal(await ev('i > 40 && i < 50'), 'boolean true');
    assert.equal(await ev('i == 42.0'), 'boolean true');
    assert.equal(await ev("c == 'q'"), 'boolean true');
    assert.equal(await ev('boxed == 7'), 'boolean true');
    assert.equal(await ev('nullStr == null'), 'boolean true');
    assert.equal(await ev('str != null'), 'boolean true');
    assert.equal(await ev('self == this'), 'boolean true');
    assert.equal(await ev('asBase == point'), 'boolean false');
    assert.equal(await ev('S_NAME == "static-name"'), 'boolean true');
    assert.equal(await ev('nullStr != null && nullStr.length() > 0'), 'boolean false');
    assert.equal(await ev('nullStr == null || nullStr.length() > 0'), 'boolean true');
    assert.equal(await ev('true ^ true'), 'boolean false');
    assert.equal(await ev('z & !boxedBool'), 'boolean true');
    await fails('i && true', EvalErrorCode.TYPE_ERROR, /operator '&&' needs boolean operands, found int at column 1/);
    await fails('1 == true', EvalErrorCode.TYPE_ERROR, /cannot compare int with boolean/);
  });

  it('concatenates strings of mixed types, objects through toString()', async function () {
    assert.equal(await ev('"n=" + i'), 'java.lang.String "n=42"');
    assert.equal(await ev('1 + 2 + "x" + 1 + 2'), 'java.lang.String "3x12"');
    assert.equal(await ev('"" + c + z + l + f + d + nullStr'), 'java.lang.String "qtrue12345678901231.253.5null"');
    assert.equal(await ev('"" + point'), 'java.lang.String "Point(1, 2)"');
    assert.equal(await ev('"" + boxed + boxedChar + boxedBool + boxedDouble'), 'java.lang.String "7Zfalse2.5"');
    assert.equal(await ev('"" + 1.0f + 100.0 + 1e10'), 'java.lang.String "1.0100.01.0E10"');
    assert.equal(await ev('msg + "!"'), `java.lang.String "round ${round}!"`);
    assert.equal(await ev('"" + list'), 'java.lang.String "[x, y, z]"');
    assert.equal(await ev('"" + color'), 'java.lang.String "GREEN"');
  });

  it('calls methods: instance, static, implicit this, interface default, on strings', async function () {
    assert.equal(await ev('twice(21)'), 'int 42');
    assert.equal(await ev('EvalFixture.twice(5)'), 'int 10');
    assert.equal(await ev('who()'), 'java.lang.String "fixture"');
    assert.equal(await ev('asBase.who()'), 'java.lang.String "fixture"');
    assert.equal(await ev('greet("x")'), 'java.lang.String "hi x"');
    assert.equal(await ev('msg.length()'), `int ${`round ${round}`.length}`);
    assert.equal(await ev('"abc".toUpperCase()'), 'java.lang.String "ABC"');
    assert.equal(await ev('list.size()'), 'int 3');
    assert.equal(await ev('list.get(1)'), 'java.lang.Object "y"');
    assert.equal(await ev('(String) list.get(1)'), 'java.lang.String "y"');
    assert.equal(await ev('map.get("two")'), 'java.lang.Object <java.lang.Integer>');
    assert.equal(await ev('(Integer) map.get("two") + 1'), 'int 3');
    assert.equal(await ev('Math.max(3, 9)'), 'int 9');
    assert.equal(await ev('Math.max(3, 9L)'), 'long 9');
    assert.equal(await ev('Math.abs(-2.5)'), 'double 2.5');
    assert.equal(await ev('String.valueOf(c)'), 'java.lang.String "q"');
    assert.equal(await ev('Integer.parseInt("12") + 1'), 'int 13');
    assert.equal(await ev('Inner.hello()'), 'java.lang.String "inner"');
    assert.equal(await ev('evalfix.util.Helper.triple(3)'), 'int 9');
    assert.equal(await ev('nothing()'), 'java.lang.String null');
    assert.equal(await ev('sum(1, 2)'), 'int 3');
    assert.equal(await ev('opt.isPresent()'), 'boolean true');
    assert.equal(await ev('sb.length()'), 'int 5');
    assert.equal(await ev('ints.hashCode() == ints.hashCode()'), 'boolean true');
  });

  it('chooses overloads: exact, widening, boxing, unboxing, varargs', async function () {
    assert.equal(await ev('over(1)'), 'java.lang.String "int"');
    assert.equal(await ev("over('c')"), 'java.lang.String "int"');
    assert.equal(await ev('over(b)'), 'java.lang.String "int"');
    assert.equal(await ev('over(1L)'), 'java.lang.String "long"');
    assert.equal(await ev('over(1.5f)'), 'java.lang.String "double"');
    assert.equal(await ev('over(boxed)'), 'java.lang.String "Integer"');
    assert.equal(await ev('over(boxedLong)'), 'java.lang.String "Object"');
    assert.equal(await ev('over("s")'), 'java.lang.String "String"');
    assert.equal(await ev('over(msg)'), 'java.lang.String "String"');
    assert.equal(await ev('over(point)'), 'java.lang.String "Object"');
    assert.equal(await ev('over(true)'), 'java.lang.String "Object"');
    assert.equal(await ev('over(1, 2)'), 'java.lang.String "int,int"');
    assert.equal(await ev('vararg()'), 'java.lang.String "varargs0"');
    assert.equal(await ev('vararg(1, 2, 3)'), 'java.lang.String "varargs3"');
    assert.equal(await ev('vararg(ints)'), 'java.lang.String "varargs3"');
    assert.equal(await ev('join("-", "a", "b")'), 'java.lang.String "a-b"');
    assert.equal(await ev('Integer.valueOf(5)'), 'java.lang.Integer <java.lang.Integer>');
    await fails('over(null)', EvalErrorCode.NO_SUCH_METHOD, /ambiguous/);
    await fails('twice("x")', EvalErrorCode.NO_SUCH_METHOD, /no method twice\(java.lang.String\); candidates: twice\(int\) at column 1/, 1);
    await fails('nope()', EvalErrorCode.NO_SUCH_METHOD, /no method 'nope' in evalfix.EvalFixture/);
    await fails('EvalFixture.who()', EvalErrorCode.NO_SUCH_METHOD, /instance method/);
  });

  it('handles instanceof, casts and class literals', async function () {
    assert.equal(await ev('point instanceof Point'), 'boolean true');
    assert.equal(await ev('point instanceof Object'), 'boolean true');
    assert.equal(await ev('point instanceof String'), 'boolean false');
    assert.equal(await ev('list instanceof java.util.List'), 'boolean true');
    assert.equal(await ev('list instanceof java.util.Collection'), 'boolean true');
    assert.equal(await ev('nullStr instanceof String'), 'boolean false');
    assert.equal(await ev('ints instanceof int[]'), 'boolean true');
    assert.equal(await ev('strs instanceof Object[]'), 'boolean true');
    assert.equal(await ev('this instanceof Greeter'), 'boolean true');
    assert.equal(await ev('((Point) point).x'), 'int 1');
    assert.equal(await ev('(Object) "x"'), 'java.lang.Object "x"');
    assert.equal(await ev('(Object) 5'), 'java.lang.Object <java.lang.Integer>');
    assert.equal(await ev('(String) null'), 'java.lang.String null');
    assert.equal(await ev('String.class'), 'java.lang.Class <java.lang.Class>');
    assert.equal(await ev('String.class.getSimpleName()'), 'java.lang.String "String"');
    await fails('(String) point', EvalErrorCode.CLASS_CAST, /evalfix.Point cannot be cast to java.lang.String at column 1/);
    await fails('(int) str', EvalErrorCode.TYPE_ERROR, /cannot be cast to int/);
    await fails('(boolean) 1', EvalErrorCode.TYPE_ERROR, /cannot be cast to boolean/);
    await fails('i instanceof Object', EvalErrorCode.TYPE_ERROR, /needs an object/);
    await fails('point instanceof Nope', EvalErrorCode.UNKNOWN_NAME, /unknown class 'Nope' at column 18/, 18);
  });

  it('evaluates ?: on the chosen branch only', async function () {
    assert.equal(await ev('z ? "yes" : nullStr.length()'), 'java.lang.String "yes"');
    assert.equal(await ev('i > 100 ? 1 : 2'), 'int 2');
    await fails('i ? 1 : 2', EvalErrorCode.TYPE_ERROR, /must be boolean/);
  });

  it('reports unknown names, nulls and exceptions with their column', async function () {
    const e = await fails('i + foo', EvalErrorCode.UNKNOWN_NAME, /^unknown name 'foo' at column 5$/, 5);
    assert.equal(e.detail, "unknown name 'foo'");
    await fails('nope.nada.x', EvalErrorCode.UNKNOWN_NAME, /unknown name 'nope.nada.x'/);
    await fails('point.zz', EvalErrorCode.UNKNOWN_NAME, /unknown field 'zz' in evalfix.Point at column 7/, 7);
    await fails('nullStr.length()', EvalErrorCode.NULL_POINTER, /cannot call 'length' because the value is null at column 9/, 9);
    await fails('deep.next.next.next.next.next.next.depth', EvalErrorCode.NULL_POINTER, /cannot read field 'depth'/);
    await fails('EvalFixture', EvalErrorCode.TYPE_ERROR, /is a class, not a value/);
    await fails('EvalFixture.i', EvalErrorCode.TYPE_ERROR, /instance field/);
    const thrown = await fails('1 + boom()', EvalErrorCode.INVOCATION_THREW, /boom threw java.lang.IllegalStateException: boom at column 5/, 5);
    assert.ok(thrown.exception && thrown.exception.objectID !== 0n);
    await fails('ints[', EvalErrorCode.PARSE_ERROR, /at column 6/);
  });

  it('refuses to run code when invocation is off, and reads fields still', async function () {
    const noInvoke = { allowInvoke: false };
    assert.equal((await evaluate('i + ints[1]', ctx, noInvoke)).value.value, 44);
    await assert.rejects(evaluate('who()', ctx, noInvoke), (err: unknown) => err instanceof EvalError && err.code === EvalErrorCode.INVOKE_DISABLED && err.column === 1);
    await assert.rejects(evaluate('"" + point', ctx, noInvoke), (err: unknown) => err instanceof EvalError && err.code === EvalErrorCode.INVOKE_DISABLED);
    assert.equal((await evaluate('"" + boxed', ctx, noInvoke)).text, '7');
    await assert.rejects(evaluate('twice(1) + twice(2)', ctx, { maxInvocations: 1 }), (err: unknown) => err instanceof EvalError && err.code === EvalErrorCode.TOO_MANY_INVOCATIONS);
  });

  it('evaluates in an outer frame', async function () {
    const outer = { ...ctx, frame: 1 };
    assert.equal((await evaluate('round', outer)).value.value, round);
    await assert.rejects(evaluate('this', outer), (err: unknown) => err instanceof EvalError && err.code === EvalErrorCode.UNKNOWN_NAME && /static method/.test(err.message));
    assert.equal((await evaluate('INSTANCE.i', outer)).value.value, 42);
    assert.equal((await evaluate('twice(round)', outer)).value.value, 2 * round);
  });

  it('evaluates conditions, strings and logpoint templates', async function () {
    assert.equal(await evaluateCondition('local == round * 2', ctx), true);
    assert.equal(await evaluateCondition('boxedBool', ctx), false);
    assert.equal(await evaluateCondition('list.isEmpty()', ctx), false);
    await assert.rejects(evaluateCondition('  i + 1', ctx), (err: unknown) => err instanceof EvalError && err.code === EvalErrorCode.TYPE_ERROR && /must be boolean, found int at column 3/.test(err.message));
    await assert.rejects(evaluateCondition('str', ctx), (err: unknown) => err instanceof EvalError && /found java.lang.String/.test(err.message));
    assert.equal(await evaluateToString('point', ctx), 'Point(1, 2)');
    assert.equal(await interpolate('round {round}: {msg} {{x}} {point} {ints.length > 2}', ctx), `round ${round}: round ${round} {x} Point(1, 2) true`);
    assert.equal(await interpolate('bad {nope} end', ctx), "bad {!unknown name 'nope'} end");
    await assert.rejects(interpolate('bad {nope} end', ctx, { onError: 'throw' }), (err: unknown) => err instanceof EvalError && err.column === 6);
  });

  it('returns JDWP values the adapter can show', async function () {
    const r = await evaluate('"made " + i', ctx);
    assert.equal(r.value.tag, JDWP.Tag.STRING);
    assert.equal(await s.mirror.stringValue(r.value.value as ObjectID), 'made 42');
    assert.equal(r.type, 'Ljava/lang/String;');
    const n = await evaluate('null', ctx);
    assert.deepEqual([n.type, n.typeName, n.value.value], ['null', 'null', 0n]);
    const v = await evaluate('sb.setLength(5)', ctx);
    assert.deepEqual([v.type, v.typeName, v.value.tag], ['V', 'void', JDWP.Tag.VOID]);
  });

  it('finds fields of the enclosing instance from an inner class frame (run last: it moves the thread)', async function () {
    await moveTo(s, 'evalfix.EvalFixture$Ticker', 'BREAK_INNER');
    ctx = { mirror: s.mirror, thread: s.thread, frame: 0 };
    const step = (await evaluate('step', ctx)).value.value as number;
    assert.equal(await ev('ticks'), `int ${1 + step}`);
    assert.equal(await ev('i + ticks'), `int ${42 + 1 + step}`);
    assert.equal(await ev('str.length()'), 'int 14');
    assert.equal(await ev('sCount'), 'int 3');
    assert.equal(await ev('this'), 'evalfix.EvalFixture$Ticker <evalfix.EvalFixture$Ticker>');
  });
});
