import * as assert from 'node:assert/strict';
import type { ObjectID, Value } from '../../jdwp/protocol/wire-types';
import { InvocationException, Modifier, signatureToName, threadStatusName } from '../../jdwp/mirror';
import { JDWP } from '../../jdwp/registry';
import { release, stopInEvalFixture, type Stopped } from './harness';

describe('mirror: session model of a real JVM', function () {
  let s: Stopped;

  before(async function () {
    s = await stopInEvalFixture();
  });

  after(async function () {
    await release(s);
  });

  it('loads a type once, sharing one promise between concurrent loads', async function () {
    const [a, b] = await Promise.all([s.mirror.type(s.type.id), s.mirror.type(s.type.id)]);
    assert.equal(a, b);
    assert.equal(a.name, 'evalfix.EvalFixture');
    assert.equal(a.signature, 'Levalfix/EvalFixture;');
    assert.equal(a.tag, JDWP.TypeTag.CLASS);
    assert.equal(a.sourceFile, 'EvalFixture.java');
    assert.ok(a.modifiers & Modifier.PUBLIC);
  });

  it('walks the superclass chain and interfaces', async function () {
    const chain = await s.mirror.superclasses(s.type);
    assert.deepEqual(chain.map((t) => t.name), ['evalfix.EvalFixture', 'evalfix.Base', 'java.lang.Object']);
    const all = await s.mirror.supertypes(s.type);
    const greeter = all.find((t) => t.name === 'evalfix.Greeter');
    assert.ok(greeter);
    assert.equal(greeter.tag, JDWP.TypeTag.INTERFACE);
    assert.equal(greeter.superclass, undefined);
    assert.ok(await s.mirror.isSubtype(s.type, 'Levalfix/Greeter;'));
    assert.ok(!(await s.mirror.isSubtype(greeter, 'Levalfix/Base;')));
  });

  it('lists declared and inherited fields, own fields first', async function () {
    const fields = await s.mirror.allFields(s.type);
    const names = fields.map((f) => f.name);
    assert.ok(names.indexOf('shadow') < names.indexOf('baseField'));
    assert.equal(names.filter((n) => n === 'shadow').length, 2);
    assert.equal((await s.mirror.fieldByName(s.type, 'shadow'))?.declaringType, s.type.id);
    const constant = fields.find((f) => f.name === 'CONSTANT');
    assert.ok(constant?.isStatic);
  });

  it('finds methods by name through the hierarchy, overridden ones once', async function () {
    const over = await s.mirror.methodsByName(s.type, 'over');
    assert.equal(over.length, 7);
    const who = await s.mirror.methodsByName(s.type, 'who');
    assert.equal(who.length, 1);
    assert.equal(who[0].declaringType, s.type.id);
    const greet = await s.mirror.methodsByName(s.type, 'greet');
    assert.equal(greet.length, 1);
    assert.equal(greet[0].declaringTypeTag, JDWP.TypeTag.INTERFACE);
    const [join] = await s.mirror.methodsByName(s.type, 'join');
    assert.ok(join.isStatic && join.isVarArgs);
    assert.deepEqual(join.argumentSignatures, ['Ljava/lang/String;', '[Ljava/lang/String;']);
    assert.equal(join.returnSignature, 'Ljava/lang/String;');
  });

  it('finds classes by Java name, arrays and nested classes included', async function () {
    const [inner] = await s.mirror.classesByName('evalfix.EvalFixture$Inner');
    assert.equal(inner.name, 'evalfix.EvalFixture$Inner');
    const nested = await s.mirror.nestedTypes(s.type);
    assert.ok(nested.some((t) => t.id === inner.id));
    assert.deepEqual(await s.mirror.classesByName('evalfix.NoSuchClass'), []);
    const [intArray] = await s.mirror.classesByName('int[]');
    assert.equal(intArray.tag, JDWP.TypeTag.ARRAY);
    assert.equal(signatureToName(intArray.signature), 'int[]');
  });

  it('maps lines to locations and back', async function () {
    const locations = await s.mirror.locationsOfLine(s.type, s.line);
    assert.equal(locations.length, 1);
    assert.equal(await s.mirror.lineOf(locations[0]), s.line);
    const [method] = s.type.methods.filter((m) => m.id === locations[0].methodID);
    assert.equal(method.name, 'work');
    assert.deepEqual(await s.mirror.locationsOfLine(s.type, 1), []);
  });

  it('reports threads with names, status and groups', async function () {
    const threads = await s.mirror.threads();
    const main = threads.find((t) => t.id === s.thread);
    assert.ok(main);
    assert.equal(main.name, 'main');
    assert.ok(main.suspended);
    assert.equal(await s.mirror.threadGroupName(main.group), 'main');
    assert.equal(threadStatusName(JDWP.ThreadStatus.SLEEPING), 'SLEEPING');
  });

  it('pages frames and keeps them until the thread resumes', async function () {
    const count = await s.mirror.frameCount(s.thread);
    assert.equal(count, 2);
    const [top] = await s.mirror.frames(s.thread, 0, 1);
    assert.equal(top.depth, 0);
    assert.equal(await s.mirror.lineOf(top.location), s.line);
    const all = await s.mirror.frames(s.thread);
    assert.equal(all.length, 2);
    assert.equal(all[1].depth, 1);
    assert.deepEqual(await s.mirror.frames(s.thread, 5, 3), []);
    const again = await s.mirror.frameAt(s.thread, 1);
    assert.equal(again.id, all[1].id);
  });

  it('reads visible locals, this, fields, strings and arrays', async function () {
    const top = await s.mirror.frameAt(s.thread, 0);
    const vars = await s.mirror.visibleVariables(top.location);
    assert.ok(vars);
    assert.deepEqual(vars.map((v) => v.name), ['this', 'round', 'local', 'msg', 'names', 'ratio', 'letter', 'o']);
    const values = await s.mirror.localValues(top, vars);
    const byName = new Map(vars.map((v, k) => [v.name, values[k]]));
    const round = byName.get('round')!.value as number;
    assert.equal(byName.get('local')!.value, round * 2);
    assert.equal(await s.mirror.stringValue(byName.get('msg')!.value as ObjectID), `round ${round}`);
    assert.equal(byName.get('letter')!.value, 'A'.charCodeAt(0));

    const self = await s.mirror.thisObject(top);
    assert.ok(self);
    const fields = await s.mirror.allFields(s.type);
    const pick = (n: string) => fields.find((f) => f.name === n)!;
    const [i, l, ints] = await s.mirror.fieldValues(self, [pick('i'), pick('l'), pick('ints')]);
    assert.deepEqual([i, l], [{ tag: JDWP.Tag.INT, value: 42 }, { tag: JDWP.Tag.LONG, value: 1234567890123n }]);
    assert.equal(ints.tag, JDWP.Tag.ARRAY);
    assert.equal(await s.mirror.arrayLength(ints.value as ObjectID), 3);
    assert.deepEqual((await s.mirror.arrayValues(ints.value as ObjectID, 1)).map((v) => v.value), [2, 3]);
    const [sCount, constant, baseStatic] = await s.mirror.staticValues([pick('sCount'), pick('CONSTANT'), pick('baseStatic')]);
    assert.equal(sCount.value, 3);
    assert.equal(constant.value, 99);
    assert.equal(await s.mirror.stringValue(baseStatic.value as ObjectID), 'base');
  });

  it('invokes instance, static and interface default methods, and frames stay usable after', async function () {
    const top = await s.mirror.frameAt(s.thread, 0);
    const self = (await s.mirror.thisObject(top))!;
    const [twice] = await s.mirror.methodsByName(s.type, 'twice');
    assert.deepEqual(await s.mirror.invoke(s.thread, twice, [{ tag: JDWP.Tag.INT, value: 21 }]), { tag: JDWP.Tag.INT, value: 42 });
    const [who] = await s.mirror.methodsByName(s.type, 'who');
    const r = await s.mirror.invoke(s.thread, who, [], { object: self });
    assert.equal(await s.mirror.stringValue(r.value as ObjectID), 'fixture');
    const [greet] = await s.mirror.methodsByName(s.type, 'greet');
    const arg: Value = { tag: JDWP.Tag.STRING, value: await s.mirror.createString('you') };
    const g = await s.mirror.invoke(s.thread, greet, [arg], { object: self });
    assert.equal(await s.mirror.stringValue(g.value as ObjectID), 'hi you');
    const baseWho = (await s.mirror.superclasses(s.type))[1].methods.find((m) => m.name === 'who')!;
    const nv = await s.mirror.invoke(s.thread, baseWho, [], { object: self, nonVirtual: true });
    assert.equal(await s.mirror.stringValue(nv.value as ObjectID), 'base');
    const fresh = await s.mirror.frameAt(s.thread, 0);
    const vars = (await s.mirror.visibleVariables(fresh.location))!;
    const values = await s.mirror.localValues(top, vars);
    assert.equal(values.length, vars.length);
  });

  it('runs concurrent invocations on one thread one after another', async function () {
    const [twice] = await s.mirror.methodsByName(s.type, 'twice');
    const results = await Promise.all([1, 2, 3, 4].map((n) => s.mirror.invoke(s.thread, twice, [{ tag: JDWP.Tag.INT, value: n }])));
    assert.deepEqual(results.map((r) => r.value), [2, 4, 6, 8]);
  });

  it('reports an exception thrown by an invoked method as InvocationException', async function () {
    const top = await s.mirror.frameAt(s.thread, 0);
    const self = (await s.mirror.thisObject(top))!;
    const [boom] = await s.mirror.methodsByName(s.type, 'boom');
    await assert.rejects(s.mirror.invoke(s.thread, boom, [], { object: self }), (err: unknown) => {
      assert.ok(err instanceof InvocationException);
      assert.equal(err.code, 2005);
      assert.equal(err.exceptionType, 'java.lang.IllegalStateException');
      assert.equal(err.detail, 'boom');
      assert.notEqual(err.exception.objectID, 0n);
      assert.match(err.message, /EvalFixture\.boom threw java\.lang\.IllegalStateException: boom/);
      return true;
    });
  });
});
