import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Jvm } from '../../jdwp/launch/java';
import { killAll, lineOf, ROOT, startFixture } from '../support/fixtures';
import { attachAndConfigure, errorNumber, nextStop, startAdapter, type AdapterUnderTest } from './harness';
import { agentPort, suspendedThreads } from './suspension';
import { printed } from '../vm/support';

const MAIN = path.join(ROOT, 'test/fixtures/java/dapfix/DapMain.java');
const line = (marker: string) => lineOf('dapfix/DapMain.java', marker);

describe('debug adapter against one JVM', function () {
  const jvms: Jvm[] = [];
  let jvm: Jvm;
  let a: AdapterUnderTest | undefined;
  /** Debugger sessions so far; the agent listens on a new port after each. */
  let sessions = 0;

  before(async () => {
    jvm = await startFixture(jvms, 'dapfix.DapMain');
    // Its agent listens before DapMain is loaded: the first test expects the class there, its breakpoint verified at once.
    await printed(jvm, 'dapfix ready');
  });
  afterEach(async function () {
    if (a && this.currentTest?.state === 'failed') console.log(JSON.stringify(a.dc.transcript.slice(-12), (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
    if (a) {
      await a.dc.disconnectRequest({}).catch(() => undefined);
      await a.close();
      a = undefined;
    }
  });
  after(async () => {
    await killAll(jvms);
  });

  async function attach(configure: (a: AdapterUnderTest) => Promise<unknown> = async () => undefined, extra: Record<string, unknown> = {}): Promise<AdapterUnderTest> {
    const port = await agentPort(jvm, sessions);
    sessions++;
    a = await startAdapter();
    const session = a;
    await attachAndConfigure(a.dc, { hostName: '127.0.0.1', port, ...extra }, () => configure(session));
    return a;
  }

  async function stopAt(marker: string): Promise<{ a: AdapterUnderTest; stop: DebugProtocol.StoppedEvent; bps: DebugProtocol.SetBreakpointsResponse }> {
    let bps!: DebugProtocol.SetBreakpointsResponse;
    const session = await attach(async (s) => {
      bps = await s.dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: line(marker) }] });
    });
    const stop = await nextStop(session.dc);
    return { a: session, stop, bps };
  }

  it('verifies a line breakpoint, stops on it and shows the stack with sources', async () => {
    const { a, stop, bps } = await stopAt('STEP_CALL');
    assert.deepEqual(bps.body.breakpoints.map((b) => [b.verified, b.line]), [[true, line('STEP_CALL')]]);
    assert.equal(stop.body.reason, 'breakpoint');
    assert.deepEqual(stop.body.hitBreakpointIds, [bps.body.breakpoints[0].id]);
    assert.equal(stop.body.allThreadsStopped, true);
    const st = await a.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 20 });
    assert.equal(st.body.totalFrames, 2);
    assert.deepEqual(
      st.body.stackFrames.map((f) => [f.name, f.line, f.source?.path]),
      [
        ['DapMain.work(int)', line('STEP_CALL'), MAIN],
        ['DapMain.main(String[])', lineOf('dapfix/DapMain.java', 'sum += work(round)'), MAIN],
      ],
    );
    const page = await a.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 1, levels: 1 });
    assert.deepEqual(page.body.stackFrames.map((f) => f.name), ['DapMain.main(String[])']);
    assert.equal(page.body.totalFrames, 2);
    const threads = await a.dc.threadsRequest();
    const names = threads.body.threads.map((t) => t.name);
    assert.ok(names.includes('main'), names.join(', '));
    assert.equal(threads.body.threads.find((t) => t.id === stop.body.threadId)?.name, 'main');
  });

  it('steps in, out and over', async () => {
    const { a, stop } = await stopAt('STEP_CALL');
    const threadId = stop.body.threadId!;
    const top = async () => (await a.dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 })).body.stackFrames[0];
    await a.dc.stepInRequest({ threadId });
    assert.equal((await nextStop(a.dc)).body.reason, 'step');
    assert.deepEqual([(await top()).name, (await top()).line], ['DapMain.helper(int)', line('HELPER_FIRST')]);
    await a.dc.nextRequest({ threadId });
    await nextStop(a.dc);
    assert.equal((await top()).line, line('HELPER_RETURN'));
    await a.dc.stepOutRequest({ threadId });
    await nextStop(a.dc);
    const back = await top();
    assert.equal(back.name, 'DapMain.work(int)');
    assert.ok([line('STEP_CALL'), line('STEP_NEXT')].includes(back.line), `stepped out to line ${back.line}`);
    await a.dc.nextRequest({ threadId });
    await nextStop(a.dc);
    assert.equal((await top()).line, back.line === line('STEP_CALL') ? line('STEP_NEXT') : line('VARS_LINE'));
  });

  it('skips the step filters: stepping into String.length() stays in our code', async () => {
    const { a, stop } = await stopAt('STEP_NEXT');
    const threadId = stop.body.threadId!;
    await a.dc.stepInRequest({ threadId });
    await nextStop(a.dc);
    const frame = (await a.dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 })).body.stackFrames[0];
    assert.equal(frame.name, 'DapMain.work(int)');
    assert.equal(frame.line, line('VARS_LINE'));
  });

  it('pauses every thread and continues', async () => {
    const session = await attach();
    const threads = (await session.dc.threadsRequest()).body.threads;
    const main = threads.find((t) => t.name === 'main')!;
    const stopped = nextStop(session.dc);
    await session.dc.pauseRequest({ threadId: main.id });
    const stop = await stopped;
    assert.equal(stop.body.reason, 'pause');
    assert.equal(stop.body.allThreadsStopped, true);
    const st = await session.dc.stackTraceRequest({ threadId: main.id, startFrame: 0, levels: 50 });
    assert.ok(st.body.stackFrames.length > 0);
    for (const f of st.body.stackFrames) {
      if (!f.source?.path) assert.equal(f.presentationHint, 'subtle', `${f.name} has no source`);
      if (f.source && !f.source.path) assert.equal(f.source.presentationHint, 'deemphasize');
    }
    const mainFrame = st.body.stackFrames.find((f) => f.name === 'DapMain.main(String[])');
    assert.deepEqual(mainFrame?.source, { name: 'DapMain.java', presentationHint: 'deemphasize', origin: 'source not found' }, 'no sourcePaths and no breakpoint named the file');
    const cont = await session.dc.continueRequest({ threadId: main.id });
    assert.equal(cont.body.allThreadsContinued, true);
    assert.equal(await errorNumber(session.dc.stackTraceRequest({ threadId: main.id, startFrame: 0, levels: 1 })), 3013);
  });

  it('stops on a function breakpoint Class.method', async () => {
    let fb!: DebugProtocol.SetFunctionBreakpointsResponse;
    const session = await attach(
      async (s) => {
        fb = await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'dapfix.DapMain.helper' }, { name: 'no method here' }] });
      },
      { sourcePaths: [path.join(ROOT, 'test/fixtures/java')] },
    );
    assert.equal(fb.body.breakpoints[0].verified, true);
    assert.equal(fb.body.breakpoints[1].verified, false);
    assert.match(fb.body.breakpoints[1].message ?? '', /3015/);
    const stop = await nextStop(session.dc);
    assert.equal(stop.body.reason, 'function breakpoint');
    const frame = (await session.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 1 })).body.stackFrames[0];
    assert.deepEqual([frame.name, frame.line, frame.source?.path], ['DapMain.helper(int)', line('HELPER_FIRST'), MAIN]);
  });

  it('stops on caught exceptions of a listed class, with exceptionInfo', async () => {
    const session = await attach(
      async (s) => {
        await s.dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'caught', condition: 'java.lang.RuntimeException' }] });
      },
      { workspaceFolders: [path.join(ROOT, 'test')] },
    );
    const stop = await nextStop(session.dc);
    assert.equal(stop.body.reason, 'exception');
    assert.match(stop.body.text ?? '', /^caught-\d+$/);
    const info = await session.dc.exceptionInfoRequest({ threadId: stop.body.threadId! });
    assert.equal(info.body.exceptionId, 'java.lang.IllegalArgumentException');
    assert.equal(info.body.breakMode, 'always');
    const frame = (await session.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 1 })).body.stackFrames[0];
    assert.deepEqual([frame.line, frame.source?.path], [line('THROW_CAUGHT'), MAIN], 'found by scanning the workspace folder');
  });

  it('stops on uncaught exceptions in another thread', async () => {
    const session = await attach(async (s) => {
      await s.dc.setExceptionBreakpointsRequest({ filters: ['uncaught'] });
    });
    const stop = await nextStop(session.dc);
    assert.equal(stop.body.reason, 'exception');
    assert.match(stop.body.text ?? '', /^uncaught-\d+$/);
    const threads = (await session.dc.threadsRequest()).body.threads;
    assert.match(threads.find((t) => t.id === stop.body.threadId)?.name ?? '', /^thrower-\d+$/);
  });

  it('shows locals, this-less static frames, statics, inherited fields and pages arrays', async () => {
    const { a, stop } = await stopAt('VARS_LINE');
    const frameId = (await a.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 1 })).body.stackFrames[0].id;
    const scopes = (await a.dc.scopesRequest({ frameId })).body.scopes;
    assert.deepEqual(scopes.map((s) => s.name), ['Locals', 'Static (DapMain)']);
    const locals = (await a.dc.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables;
    const byName = new Map(locals.map((v) => [v.name, v]));
    assert.ok(!byName.has('this'));
    assert.deepEqual(['round', 'small', 'text', 'numbers', 'list', 'set', 'map', 'hashed', 'child', 'h', 'total'].filter((n) => !byName.has(n)), []);
    const round = Number(byName.get('round')!.value);
    assert.equal(byName.get('small')!.value, String(round % 7));
    assert.equal(byName.get('text')!.value, `"round-${round}"`);
    assert.equal(byName.get('text')!.type, 'java.lang.String');
    assert.equal(byName.get('numbers')!.value, 'int[250] {0, 1, 4, 9, 16, …}');
    const numbers = byName.get('numbers')!;
    assert.equal(numbers.indexedVariables, 250);
    const page = (await a.dc.variablesRequest({ variablesReference: numbers.variablesReference, filter: 'indexed', start: 200, count: 50 })).body.variables;
    assert.equal(page.length, 50);
    assert.deepEqual([page[0].name, page[0].value, page[49].name, page[49].value], ['[200]', String(200 * 200), '[249]', String(249 * 249)]);
    const child = (await a.dc.variablesRequest({ variablesReference: byName.get('child')!.variablesReference })).body.variables;
    const fields = new Map(child.map((v) => [v.name, v.value]));
    assert.equal(fields.get('round'), String(round));
    assert.equal(fields.get('baseValue'), '10');
    assert.equal(fields.get('name'), '"child"');
    assert.equal(fields.get('name (Base)'), '"base"');
    const statics = (await a.dc.variablesRequest({ variablesReference: scopes[1].variablesReference })).body.variables;
    assert.deepEqual(statics.map((v) => v.name), ['rounds', 'label', 'loadLate']);
    assert.equal(statics.find((v) => v.name === 'label')?.value, '"dap"');
  });

  it('stops only when the condition holds, and reports bad conditions', async () => {
    let bps!: DebugProtocol.SetBreakpointsResponse;
    const session = await attach(async (s) => {
      bps = await s.dc.setBreakpointsRequest({
        source: { path: MAIN },
        breakpoints: [{ line: line('STEP_CALL'), condition: 'round % 3 == 0 && text.endsWith("" + round)' }, { line: line('STEP_NEXT'), condition: 'round +* 2' }],
      });
    });
    assert.equal(bps.body.breakpoints[0].verified, true);
    assert.equal(bps.body.breakpoints[1].verified, false);
    assert.match(bps.body.breakpoints[1].message ?? '', /column 8.*2001/);
    for (let i = 0; i < 2; i++) {
      const stop = await nextStop(session.dc);
      const frameId = (await session.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 1 })).body.stackFrames[0].id;
      const round = Number((await session.dc.evaluateRequest({ expression: 'round', frameId, context: 'watch' })).body.result);
      assert.equal(round % 3, 0, `stopped in round ${round}`);
      await session.dc.continueRequest({ threadId: stop.body.threadId! });
    }
  });

  it('logs logpoint messages with {expr} and does not stop', async () => {
    const outputs: string[] = [];
    let stopped = false;
    const session = await attach(async (s) => {
      s.dc.on('output', (e: DebugProtocol.OutputEvent) => {
        if (e.body.category === 'console') outputs.push(e.body.output.trimEnd());
      });
      s.dc.on('stopped', () => (stopped = true));
      await s.dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: line('STEP_CALL'), logMessage: 'work {round} small={small} text={text} size={list.size()} {nope}' }] });
    });
    const deadline = Date.now() + 10_000;
    while (outputs.filter((o) => o.startsWith('work')).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const lines = outputs.filter((o) => o.startsWith('work'));
    assert.ok(lines.length >= 3, outputs.join('\n'));
    const rounds = lines.map((l) => {
      const m = /^work (\d+) small=(\d+) text=round-(\d+) size=2 \{!.*nope.*\}$/.exec(l);
      assert.ok(m, l);
      assert.equal(Number(m[2]), Number(m[1]) % 7);
      assert.equal(m[3], m[1]);
      return Number(m[1]);
    });
    assert.deepEqual(rounds.slice(1, 3), [rounds[0] + 1, rounds[0] + 2]);
    assert.equal(stopped, false);
    assert.ok(session);
  });

  it('evaluates for watch, REPL and hover, with numbered errors and columns', async () => {
    const { a, stop } = await stopAt('VARS_LINE');
    const frameId = (await a.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 1 })).body.stackFrames[0].id;
    const ev = (expression: string, context = 'repl') => a.dc.evaluateRequest({ expression, frameId, context });
    const round = Number((await ev('round')).body.result);
    assert.equal((await ev('text.length() + small')).body.result, String(`round-${round}`.length + (round % 7)));
    assert.equal((await ev('list.get(1)')).body.result, '"beta"');
    assert.equal((await ev('child.total()', 'watch')).body.result, String(round + 10 + 10));
    assert.equal((await ev('numbers[12] > 100 ? "big" : "small"')).body.result, '"big"');
    const arr = (await ev('numbers', 'watch')).body;
    assert.equal(arr.indexedVariables, 250);
    assert.ok(arr.variablesReference > 0);
    assert.equal((await ev('label', 'hover')).body.result, '"dap"');
    assert.equal(await errorNumber(ev('list.size()', 'hover')), 2008);
    assert.equal(await errorNumber(ev('1 +')), 2001);
    await assert.rejects(ev('nope + 1'), /nope[\s\S]*column 1/);
    assert.equal((await a.dc.evaluateRequest({ expression: 'text', frameId, context: 'clipboard' })).body.result, `round-${round}`);
  });

  it('lists this once, first, in the Locals of an instance method', async () => {
    const session = await attach(async (s) => {
      await s.dc.setBreakpointsRequest({ source: { path: path.join(ROOT, 'test/fixtures/java/dapfix/Child.java') }, breakpoints: [{ line: lineOf('dapfix/Child.java', 'CHILD_TOTAL') }] });
    });
    const stop = await nextStop(session.dc);
    const frameId = (await session.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 1 })).body.stackFrames[0].id;
    const scopes = (await session.dc.scopesRequest({ frameId })).body.scopes;
    const names = (await session.dc.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables.map((v) => v.name);
    assert.equal(names[0], 'this');
    assert.deepEqual(names.filter((n) => n === 'this'), ['this']);
  });

  it('shows List, Set and Map logically with a raw view', async () => {
    const { a, stop } = await stopAt('VARS_LINE');
    const frameId = (await a.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 1 })).body.stackFrames[0].id;
    const scopes = (await a.dc.scopesRequest({ frameId })).body.scopes;
    const locals = new Map((await a.dc.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables.map((v) => [v.name, v]));
    const kids = async (name: string) => (await a.dc.variablesRequest({ variablesReference: locals.get(name)!.variablesReference })).body.variables;
    assert.equal(locals.get('list')!.value, 'ArrayList size=2 ["alpha", "beta"]');
    assert.equal(locals.get('list')!.indexedVariables, 2);
    assert.deepEqual((await kids('list')).map((v) => [v.name, v.value]), [['[0]', '"alpha"'], ['[1]', '"beta"'], ['[raw]', '']]);
    assert.deepEqual((await kids('set')).map((v) => v.value).slice(0, 2), ['Integer(3)', 'Integer(5)']);
    assert.equal(locals.get('map')!.value, 'LinkedHashMap size=2 {"one"=Integer(1), "two"=Integer(2)}');
    const map = await kids('map');
    assert.deepEqual(map.map((v) => [v.name, v.value]), [['"one"', 'Integer(1)'], ['"two"', 'Integer(2)'], ['[raw]', '']]);
    assert.deepEqual((await kids('hashed')).slice(0, 2).map((v) => `${v.name}=${v.value}`).sort(), ['"one"=Integer(1)', '"two"=Integer(2)']);
    const raw = (await a.dc.variablesRequest({ variablesReference: (await kids('list'))[2].variablesReference })).body.variables;
    assert.ok(raw.some((v) => v.name === 'elementData' && v.indexedVariables !== undefined), raw.map((v) => v.name).join(', '));
    const page = (await a.dc.variablesRequest({ variablesReference: locals.get('list')!.variablesReference, filter: 'indexed', start: 1, count: 1 })).body.variables;
    assert.deepEqual(page.map((v) => [v.name, v.value]), [['[1]', '"beta"']]);
  });

  it('sets locals, fields and array elements, converting like Java assignment', async () => {
    const { a, stop } = await stopAt('VARS_LINE');
    const frameId = (await a.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 1 })).body.stackFrames[0].id;
    const scopes = (await a.dc.scopesRequest({ frameId })).body.scopes;
    const localsRef = scopes[0].variablesReference;
    const locals = new Map((await a.dc.variablesRequest({ variablesReference: localsRef })).body.variables.map((v) => [v.name, v]));
    assert.equal((await a.dc.setVariableRequest({ variablesReference: localsRef, name: 'small', value: '6 * 7' })).body.value, '42');
    assert.equal((await a.dc.setVariableRequest({ variablesReference: localsRef, name: 'total', value: 'small' })).body.value, '42');
    assert.equal((await a.dc.setVariableRequest({ variablesReference: localsRef, name: 'text', value: '"changed"' })).body.value, '"changed"');
    assert.equal(await errorNumber(a.dc.setVariableRequest({ variablesReference: localsRef, name: 'small', value: '"x"' })), 3018);
    const childRef = locals.get('child')!.variablesReference;
    assert.equal((await a.dc.setVariableRequest({ variablesReference: childRef, name: 'baseValue', value: '99' })).body.value, '99');
    const numbersRef = locals.get('numbers')!.variablesReference;
    assert.equal((await a.dc.setVariableRequest({ variablesReference: numbersRef, name: '[3]', value: '-1' })).body.value, '-1');
    const ev = async (expression: string) => (await a.dc.evaluateRequest({ expression, frameId, context: 'watch' })).body.result;
    assert.deepEqual([await ev('small'), await ev('total'), await ev('text'), await ev('child.baseValue'), await ev('numbers[3]')], ['42', '42', '"changed"', '99', '-1']);
  });

  it('restarts a frame with PopFrames', async () => {
    const { a, stop } = await stopAt('HELPER_RETURN');
    const threadId = stop.body.threadId!;
    const top = (await a.dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 })).body.stackFrames[0];
    assert.equal(top.name, 'DapMain.helper(int)');
    await a.dc.send('restartFrame', { frameId: top.id });
    const again = await nextStop(a.dc);
    assert.equal(again.body.reason, 'restart');
    const frame = (await a.dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 })).body.stackFrames[0];
    assert.deepEqual([frame.name, frame.line], ['DapMain.helper(int)', line('HELPER_FIRST')]);
    const bottom = (await a.dc.stackTraceRequest({ threadId, startFrame: 2, levels: 1 })).body.stackFrames[0];
    assert.equal(await errorNumber(a.dc.send('restartFrame', { frameId: bottom.id })), 3020);
  });

  it('answers fabric.nodes, fabric.heapPool and fabric.divergentClasses for a plain JVM', async () => {
    const session = await attach();
    const nodes = (await session.dc.customRequest('fabric.nodes')).body.nodes;
    assert.equal(nodes.length, 1);
    assert.equal(nodes[0].name, 'jvm');
    assert.equal(nodes[0].state, 'up');
    assert.ok(nodes[0].threadCount >= 5, `threadCount ${nodes[0].threadCount}`);
    assert.match(nodes[0].vmVersion, /17/);
    const pool = (await session.dc.customRequest('fabric.heapPool', { node: 'jvm', topN: 5 })).body.classes;
    assert.equal(pool.length, 5);
    assert.ok(pool.every((c: { count: number }, i: number) => i === 0 || pool[i - 1].count >= c.count));
    assert.ok(pool.some((c: { name: string }) => c.name === 'java.lang.String' || c.name === 'byte[]'), JSON.stringify(pool));
    assert.deepEqual((await session.dc.customRequest('fabric.divergentClasses')).body.classes, []);
    assert.equal(await errorNumber(session.dc.customRequest('fabric.heapPool', { node: 'nope' })), 3023);
  });

  it('answers numbered errors for bad requests and never dies', async () => {
    const session = await attach();
    assert.equal(await errorNumber(session.dc.stackTraceRequest({ threadId: 9999, startFrame: 0, levels: 1 })), 3010);
    assert.equal(await errorNumber(session.dc.scopesRequest({ frameId: 4242 })), 3011);
    assert.equal(await errorNumber(session.dc.variablesRequest({ variablesReference: 4242 })), 3012);
    assert.equal(await errorNumber(session.dc.send('stepBack', { threadId: 1 })), 3022);
    assert.equal(await errorNumber(session.dc.terminateRequest({})), 3021);
    assert.ok((await session.dc.threadsRequest()).body.threads.length > 0);
  });

  it('refuses bad configurations and unreachable VMs with numbered errors', async () => {
    a = await startAdapter();
    await a.dc.initializeRequest({ adapterID: 'jdwp-fabric' });
    assert.equal(await errorNumber(a.dc.attachRequest({ port: 'x' } as any)), 3003);
    assert.equal(await errorNumber(a.dc.attachRequest({ suspendScope: 'galaxy', port: 1 } as any)), 3003);
    assert.equal(await errorNumber(a.dc.attachRequest({ hostName: '127.0.0.1', port: 1, timeout: 2000 } as any)), 3004);
    assert.equal(await errorNumber(a.dc.threadsRequest()), 3002);
  });

  it('disconnects leaving no thread suspended', async () => {
    const { a: session } = await stopAt('STEP_CALL');
    await session.dc.setExceptionBreakpointsRequest({ filters: ['caught'] });
    await session.dc.disconnectRequest({});
    await session.close();
    a = undefined;
    assert.deepEqual(await suspendedThreads(await agentPort(jvm, sessions++)), []);
    assert.equal(jvm.process.exitCode, null);
  });
});
