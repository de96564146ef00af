import * as assert from 'node:assert/strict';
import { parseFunctionName, parseHitCondition } from '../../adapter/breakpoints';
import { JDK_PACKAGES, resolveAttach, resolveLaunch, resolveSettings, splitArgs } from '../../adapter/config';
import { AdapterError, toAdapterError } from '../../adapter/errors';
import { packageOfSource, primaryClassOfSource } from '../../adapter/sources';
import { EvalError, EvalErrorCode } from '../../jdwp/eval';
import { FabricError, FabricErrorCode } from '../../jdwp/errors';

const code = (fn: () => unknown): number => {
  try {
    fn();
  } catch (err) {
    return (err as AdapterError).code;
  }
  return 0;
};

describe('adapter pieces without a JVM', function () {
  it('splits vmArgs and args like a shell', () => {
    assert.deepEqual(splitArgs('-Xmx1g  -Dname="a b" \'c d\' e\\ f', 'vmArgs'), ['-Xmx1g', '-Dname=a b', 'c d', 'e f']);
    assert.deepEqual(splitArgs(['x y', 'z'], 'args'), ['x y', 'z']);
    assert.deepEqual(splitArgs('', 'args'), []);
    assert.deepEqual(splitArgs('""', 'args'), ['']);
    assert.equal(code(() => splitArgs('"open', 'args')), 3003);
  });

  it('resolves settings with java-debug names and defaults', () => {
    const d = resolveSettings({});
    assert.deepEqual([d.suspendScope, d.timeout, d.skipSynthetics, d.skipClasses], ['node', 30000, true, ['java.*', 'jdk.*', 'sun.*']]);
    const s = resolveSettings({ stepFilters: { skipClasses: ['$JDK', 'com.acme.*'], skipSynthetics: false }, suspendScope: 'thread', timeout: 5 });
    assert.deepEqual(s.skipClasses, [...JDK_PACKAGES, 'com.acme.*']);
    assert.deepEqual([s.skipSynthetics, s.suspendScope, s.timeout], [false, 'thread', 5]);
    assert.equal(code(() => resolveSettings({ timeout: -1 })), 3003);
    assert.equal(code(() => resolveSettings({ sourcePaths: 'src' as unknown as string[] })), 3003);
  });

  it('tells the three configurations apart and rejects mixtures', () => {
    assert.deepEqual(resolveAttach({ hostName: 'h', port: 5005 }), { kind: 'attach-host', host: 'h', port: 5005 });
    assert.deepEqual(resolveAttach({ port: '5005' as unknown as number }), { kind: 'attach-host', host: '127.0.0.1', port: 5005 });
    assert.deepEqual(resolveAttach({ nodes: ['a:1', 'b:2'] }), { kind: 'attach-nodes', nodes: ['a:1', 'b:2'], discover: [] });
    assert.deepEqual(resolveAttach({ discover: ['k8s:shop/app=orders'] }), { kind: 'attach-nodes', nodes: [], discover: ['k8s:shop/app=orders'] });
    assert.equal(code(() => resolveAttach({ discover: ['consul:orders'] })), 3003);
    assert.equal(code(() => resolveAttach({ nodes: ['a:1'], port: 5 })), 3003);
    assert.equal(code(() => resolveAttach({ nodes: [] })), 3003);
    assert.equal(code(() => resolveAttach({ nodes: ['nope'] })), 3003);
    assert.equal(code(() => resolveAttach({})), 3003);
    assert.equal(code(() => resolveAttach({ port: 70000 })), 3003);
    const l = resolveLaunch({ mainClass: ' a.Main ', classPaths: ['x'], vmArgs: '-Da=1 -Db=2', args: ['p'] });
    assert.deepEqual(l, { kind: 'launch', mainClass: 'a.Main', classPaths: ['x'], vmArgs: ['-Da=1', '-Db=2'], args: ['p'], cwd: undefined, env: undefined, javaExec: undefined });
    assert.equal(code(() => resolveLaunch({ mainClass: 'a.Main', env: { A: 1 as unknown as string } })), 3003);
  });

  it('parses hit conditions', () => {
    const hits = (text: string) => [1, 2, 3, 4, 5, 6].filter((n) => parseHitCondition(text).test(n));
    assert.deepEqual(hits('3'), [3]);
    assert.deepEqual(hits('== 3'), [3]);
    assert.deepEqual(hits('>4'), [5, 6]);
    assert.deepEqual(hits('>= 4'), [4, 5, 6]);
    assert.deepEqual(hits('<2'), [1]);
    assert.deepEqual(hits('<= 2'), [1, 2]);
    assert.deepEqual(hits('% 2'), [2, 4, 6]);
    for (const bad of ['x', '> x', '% 0', '3 4', '']) assert.equal(code(() => parseHitCondition(bad)), 3016, bad);
  });

  it('parses function breakpoint names', () => {
    assert.deepEqual(parseFunctionName('com.acme.Orders.place'), { className: 'com.acme.Orders', method: 'place' });
    assert.deepEqual(parseFunctionName('Orders#place()'), { className: 'Orders', method: 'place' });
    assert.deepEqual(parseFunctionName('a.Outer$Inner.<init>'), { className: 'a.Outer$Inner', method: '<init>' });
    assert.equal(code(() => parseFunctionName('place')), 3015);
    assert.equal(code(() => parseFunctionName('a b.c')), 3015);
  });

  it('reads the package and primary class of a source file', () => {
    assert.equal(packageOfSource('/* package not.this; */\n// package nor.this;\n@Deprecated\npackage a.b.c ;\nclass X {}'), 'a.b.c');
    assert.equal(packageOfSource('class X {}'), '');
    assert.equal(primaryClassOfSource('/src/a/b/Foo.java', 'package a.b;'), 'a.b.Foo');
    assert.equal(primaryClassOfSource('Foo.java', ''), 'Foo');
  });

  it('maps errors to stable numbers', () => {
    assert.equal(toAdapterError(new FabricError(FabricErrorCode.CONNECT_FAILED, 'x')).code, 3004);
    assert.equal(toAdapterError(new FabricError(FabricErrorCode.REQUEST_TIMEOUT, 'x')).code, 3009);
    assert.equal(toAdapterError(new FabricError(FabricErrorCode.CONNECTION_CLOSED, 'x')).code, 3008);
    assert.equal(toAdapterError(new EvalError(EvalErrorCode.UNKNOWN_NAME, 'nope', 3)).code, 2002);
    assert.equal(toAdapterError(new Error('boom')).code, 3001);
    assert.equal(toAdapterError('text').message, 'text');
  });
});
