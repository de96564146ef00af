import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import { parseFunctionName } from '../../adapter/function-breakpoints';
import { parseHitCondition } from '../../adapter/hit-conditions';
import { resolveAttach, resolveLaunch, resolveSettings, splitArgs } from '../../adapter/config';
import { JDK_PACKAGES } from '../../adapter/launch-schema';
import { AdapterError, toAdapterError } from '../../adapter/errors';
import { packageOfSource, primaryClassOfSource } from '../../adapter/sources';
import { hopLabel, stackRows } from '../../adapter/stack';
import { EvalError, EvalErrorCode } from '../../jdwp/eval';
import { FabricError, FabricErrorCode } from '../../jdwp/errors';
import { PRESET_EDGES } from '../../jdwp/flow/edges';

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
    assert.deepEqual(resolveAttach({ nodes: ['a:1', 'b:2'] }), { kind: 'attach-nodes', nodes: ['a:1', 'b:2'], discover: [], edges: [...PRESET_EDGES], stitch: true });
    assert.deepEqual(resolveAttach({ discover: ['k8s:shop/app=orders'] }), { kind: 'attach-nodes', nodes: [], discover: ['k8s:shop/app=orders'], edges: [...PRESET_EDGES], stitch: true });
    assert.equal(code(() => resolveAttach({ discover: ['consul:orders'] })), 3003);
    assert.equal(code(() => resolveAttach({ nodes: ['a:1'], port: 5 })), 3003);
    assert.equal(code(() => resolveAttach({ nodes: [] })), 3003);
    assert.equal(code(() => resolveAttach({ nodes: ['nope'] })), 3003);
    assert.equal(code(() => resolveAttach({})), 3003);
    assert.throws(() => resolveAttach({}), /"url"/);
    assert.equal(code(() => resolveAttach({ port: 70000 })), 3003);
    const l = resolveLaunch({ mainClass: ' a.Main ', classPaths: ['x'], vmArgs: '-Da=1 -Db=2', args: ['p'] });
    assert.deepEqual(l, { kind: 'launch', mainClass: 'a.Main', classPaths: ['x'], vmArgs: ['-Da=1', '-Db=2'], args: ['p'], cwd: undefined, env: undefined, javaExec: undefined });
    assert.equal(code(() => resolveLaunch({ mainClass: 'a.Main', env: { A: 1 as unknown as string } })), 3003);
  });

  it('resolves an attach by url with its token and CA, and rejects a bad url or mixed targets with 3003', () => {
    assert.deepEqual(resolveAttach({ url: 'wss://proxy.example:5006/', token: 't', tlsCa: '/ca.pem' }), { kind: 'attach-url', url: 'wss://proxy.example:5006/', token: 't', tlsCa: '/ca.pem' });
    assert.deepEqual(resolveAttach({ url: 'ws://127.0.0.1:5006' }), { kind: 'attach-url', url: 'ws://127.0.0.1:5006' });
    for (const url of ['http://h:1/', 'wss://', 'h:5006', 5006]) assert.equal(code(() => resolveAttach({ url: url as string })), 3003, String(url));
    assert.equal(code(() => resolveAttach({ url: 'wss://h:1/', port: 5005 })), 3003);
    assert.equal(code(() => resolveAttach({ url: 'wss://h:1/', nodes: ['a:1'] })), 3003);
    assert.equal(code(() => resolveAttach({ url: 'wss://h:1/', token: '' })), 3003);
    assert.equal(code(() => resolveAttach({ url: 'ws://h:1/', tlsCa: '/ca.pem' })), 3003);
    assert.equal(code(() => resolveAttach({ port: 5005, token: 't' })), 3003);
    assert.equal(code(() => resolveAttach({ nodes: ['a:1'], tlsCa: '/ca.pem' })), 3003);
    assert.throws(() => resolveAttach({ url: 'ws://h:1/', tlsCa: '/ca.pem' }), /"tlsCa" applies to a "wss:\/\/" url only/);
  });

  it('resolves the edges and stitching of a nodes attach, inline or from a file, with numbered errors', () => {
    const edge = { name: 'rpc', client: { method: 'a.Client.call', key: 'arg0.id' }, server: { method: 'a.Server.serve', key: 'arg0.id' } };
    assert.deepEqual(resolveAttach({ nodes: ['a:1'], edges: [edge], edgePresets: false, stitch: false }), { kind: 'attach-nodes', nodes: ['a:1'], discover: [], edges: [edge], stitch: false });
    const file = path.join(os.tmpdir(), `jdwp-fabric-edges-${process.pid}.json`);
    fs.writeFileSync(file, JSON.stringify({ edges: [edge] }));
    try {
      const t = resolveAttach({ nodes: ['a:1'], edges: file });
      assert.deepEqual(t.kind === 'attach-nodes' && t.edges.map((e) => e.name), [...PRESET_EDGES.map((e) => e.name), 'rpc']);
    } finally {
      fs.rmSync(file);
    }
    assert.equal(code(() => resolveAttach({ nodes: ['a:1'], edges: [{ ...edge, server: { method: 'a.Server.serve' } }] })), 3003);
    assert.equal(code(() => resolveAttach({ nodes: ['a:1'], edges: '/no/such/edges.json' })), 3003);
    assert.equal(code(() => resolveAttach({ nodes: ['a:1'], edgePresets: 'no' as unknown as boolean })), 3003);
    assert.equal(code(() => resolveAttach({ port: 5005, stitch: false })), 3003);
    assert.throws(() => resolveAttach({ nodes: ['a:1'], edges: [{ ...edge, server: { method: 'a.Server.serve' } }] }), /edges\[0\]\.server\.key/);
  });

  it('lays out a stitched stack as DAP rows: a label before each hop, JDWP indices kept, pages by row', () => {
    const hop = (firstFrame: number, node: string) => ({ firstFrame, node, thread: 0n as never, threadName: 't', edge: 'e', label: 'HTTP GET /x' });
    const hops = [hop(2, 'mid'), hop(4, 'front')];
    const text = (rows: ReturnType<typeof stackRows>) => rows.map((r) => ('label' in r ? `[${r.label.node}]` : `${r.frame}${r.hop ? `@${r.hop.node}` : ''}`));
    assert.deepEqual(text(stackRows(5, hops, 0, Infinity)), ['0', '1', '[mid]', '2@mid', '3@mid', '[front]', '4@front']);
    assert.deepEqual(text(stackRows(5, hops, 2, 4)), ['[mid]', '2@mid']);
    assert.deepEqual(text(stackRows(5, hops, 5, 100)), ['[front]', '4@front']);
    assert.deepEqual(text(stackRows(5, hops, 7, 100)), []);
    assert.deepEqual(text(stackRows(3, [], 1, 2)), ['1']);
    assert.equal(hopLabel(hop(2, 'front')), '── HTTP GET /x from front (thread t) ──');
    assert.equal(hopLabel({ ...hop(2, 'front'), label: '' }), '── e from front (thread t) ──');
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
    assert.equal(toAdapterError(new FabricError(FabricErrorCode.CERTIFICATE_REJECTED, 'x')).code, 3025);
    assert.equal(toAdapterError(new FabricError(FabricErrorCode.TOKEN_REJECTED, 'x')).code, 3026);
    assert.equal(toAdapterError(new FabricError(FabricErrorCode.BAD_TLS_FILES, 'x')).code, 3003);
    assert.equal(toAdapterError(new EvalError(EvalErrorCode.UNKNOWN_NAME, 'nope', 3)).code, 2002);
    assert.equal(toAdapterError(new Error('boom')).code, 3001);
    assert.equal(toAdapterError('text').message, 'text');
  });
});
