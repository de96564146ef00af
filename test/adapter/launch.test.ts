import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { SMALL_JVM_FLAGS, type Jvm } from '../../jdwp/launch/java';
import { fixtureClasses, killAll, lineOf, ROOT, startFixture } from '../support/fixtures';
import { attachAndConfigure, launchAndConfigure, nextStop, startAdapter, type AdapterUnderTest } from './harness';

const MAIN = path.join(ROOT, 'test/fixtures/java/dapfix/DapMain.java');
const LATE = path.join(ROOT, 'test/fixtures/java/dapfix/Late.java');

describe('debug adapter launching a JVM', function () {
  let a: AdapterUnderTest | undefined;
  afterEach(async () => {
    if (a) {
      await a.dc.disconnectRequest({}).catch(() => undefined);
      await a.close();
      a = undefined;
    }
  });

  const launchArgs = (extra: Record<string, unknown> = {}) => ({
    mainClass: 'dapfix.DapMain',
    classPaths: [fixtureClasses()],
    vmArgs: SMALL_JVM_FLAGS.join(' '),
    cwd: ROOT,
    ...extra,
  });

  it('keeps breakpoints in unloaded classes pending until ClassPrepare, counts hits, shows output, terminates', async () => {
    a = await startAdapter();
    const dc = a.dc;
    const outputs: string[] = [];
    const changed: DebugProtocol.Breakpoint[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(`${e.body.category}:${e.body.output}`));
    dc.on('breakpoint', (e: DebugProtocol.BreakpointEvent) => changed.push(e.body.breakpoint));
    let late!: DebugProtocol.SetBreakpointsResponse;
    let main!: DebugProtocol.SetBreakpointsResponse;
    await launchAndConfigure(dc, launchArgs(), async () => {
      late = await dc.setBreakpointsRequest({
        source: { path: LATE },
        breakpoints: [{ line: lineOf('dapfix/Late.java', 'LATE_LINE') }, { line: lineOf('dapfix/Late.java', 'NESTED_LINE') }],
      });
      main = await dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: lineOf('dapfix/DapMain.java', 'STEP_CALL'), hitCondition: '3' }] });
    });
    assert.deepEqual(late.body.breakpoints.map((b) => b.verified), [false, false]);
    assert.match(late.body.breakpoints[0].message ?? '', /pending/);
    assert.equal(main.body.breakpoints[0].verified, false, 'DapMain is not loaded before configurationDone');

    const first = await nextStop(dc);
    const frame = async (threadId: number) => (await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 })).body.stackFrames[0];
    const top = await frame(first.body.threadId!);
    assert.equal((await dc.evaluateRequest({ expression: 'round', frameId: top.id, context: 'watch' })).body.result, '2', 'hit condition "3" stops on the third hit');
    assert.ok(changed.some((b) => b.id === main.body.breakpoints[0].id && b.verified));
    assert.ok(outputs.includes('stdout:dapfix ready\n'), outputs.join(''));

    await dc.continueRequest({ threadId: first.body.threadId! });
    const atLate = await nextStop(dc);
    const lateFrame = await frame(atLate.body.threadId!);
    assert.deepEqual([lateFrame.name, lateFrame.line], ['Late.touch(int)', lineOf('dapfix/Late.java', 'LATE_LINE')]);
    assert.ok(changed.some((b) => b.id === late.body.breakpoints[0].id && b.verified && b.line === lineOf('dapfix/Late.java', 'LATE_LINE')));
    await dc.continueRequest({ threadId: atLate.body.threadId! });
    const atNested = await nextStop(dc);
    const nestedFrame = await frame(atNested.body.threadId!);
    assert.deepEqual([nestedFrame.name, nestedFrame.line], ['Late.Nested.value(int)', lineOf('dapfix/Late.java', 'NESTED_LINE')]);
    assert.ok(changed.some((b) => b.id === late.body.breakpoints[1].id && b.verified), 'the nested class matched Late$*');

    const exited = dc.waitForEvent('exited');
    const terminated = dc.waitForEvent('terminated');
    await dc.terminateRequest({});
    await Promise.all([exited, terminated]);
  });

  it('stops on entry at the first line of main, and disconnect ends the program', async () => {
    a = await startAdapter();
    const dc = a.dc;
    await launchAndConfigure(dc, launchArgs({ stopOnEntry: true, args: ['0', '40'] }));
    const stop = await nextStop(dc);
    assert.equal(stop.body.reason, 'entry');
    const top = (await dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 1 })).body.stackFrames[0];
    assert.deepEqual([top.name, top.line], ['DapMain.main(String[])', lineOf('dapfix/DapMain.java', 'int extraThreads')]);
    assert.equal((await dc.evaluateRequest({ expression: 'args.length + ":" + args[1]', frameId: top.id, context: 'repl' })).body.result, '"2:40"');
    const exited = dc.waitForEvent('exited');
    await dc.disconnectRequest({});
    await exited;
  });

  it('reports a missing main class on stderr and ends; refuses bad launches with numbered errors', async () => {
    a = await startAdapter();
    const dc = a.dc;
    const stderr: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => e.body.category === 'stderr' && stderr.push(e.body.output));
    const exited = dc.waitForEvent('exited');
    const terminated = dc.waitForEvent('terminated');
    await launchAndConfigure(dc, launchArgs({ mainClass: 'no.such.Main' }));
    assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, 1);
    await terminated;
    assert.match(stderr.join(''), /no\.such\.Main/);
    await a.close();
    a = await startAdapter();
    await a.dc.initializeRequest({ adapterID: 'jdwp-fabric' });
    await assert.rejects(a.dc.launchRequest({ classPaths: [fixtureClasses()] } as DebugProtocol.LaunchRequestArguments), /"mainClass".*error 3003/);
    await assert.rejects(a.dc.launchRequest({ mainClass: 'a.B' } as DebugProtocol.LaunchRequestArguments), /classPaths.*error 3003/);
    await assert.rejects(a.dc.launchRequest(launchArgs({ javaExec: '/nonexistent/java' }) as DebugProtocol.LaunchRequestArguments), /error 3005/);
  });
});

describe('debug adapter as a standalone program and with other suspend settings', function () {
  const jvms: Jvm[] = [];
  after(() => killAll(jvms));

  it('speaks DAP on stdin/stdout (out/adapter/main-entry.js) and holds a JVM started with suspend=y until configurationDone', async () => {
    const jvm = await startFixture(jvms, 'dapfix.DapMain', { suspend: true });
    const dc = new DebugClient('node', path.join(ROOT, 'out/adapter/main-entry.js'), 'jdwp-fabric');
    dc.defaultTimeout = 20_000;
    await dc.start();
    try {
      await dc.initializeRequest({ adapterID: 'jdwp-fabric', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
      const initialized = dc.waitForEvent('initialized');
      await dc.attachRequest({ hostName: '127.0.0.1', port: jvm.port } as DebugProtocol.AttachRequestArguments);
      await initialized;
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(!jvm.output.includes('dapfix ready'), 'the JVM stays suspended before configurationDone');
      const bps = await dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: lineOf('dapfix/DapMain.java', 'STEP_CALL') }] });
      assert.equal(bps.body.breakpoints[0].verified, false);
      const stopped = dc.waitForEvent('stopped');
      await dc.configurationDoneRequest();
      const stop = (await stopped) as DebugProtocol.StoppedEvent;
      const top = (await dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 1 })).body.stackFrames[0];
      assert.equal((await dc.evaluateRequest({ expression: 'round', frameId: top.id, context: 'watch' })).body.result, '0');
      await dc.disconnectRequest({});
    } finally {
      await dc.stop();
    }
  });

  it('with suspendScope "thread" stops only the event thread and resumes only it', async () => {
    const jvm = await startFixture(jvms, 'dapfix.DapMain');
    const a = await startAdapter();
    try {
      await attachAndConfigure(a.dc, { port: jvm.port, suspendScope: 'thread' }, () =>
        a.dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: lineOf('dapfix/DapMain.java', 'STEP_CALL') }] }),
      );
      const stop = await nextStop(a.dc);
      assert.equal(stop.body.allThreadsStopped, false);
      const vm = a.session().ctx.requireVm();
      const { threads } = await vm.VirtualMachine.AllThreads();
      const counts = await Promise.all(threads.map(async (t) => [(await vm.ThreadReference.Name(t)).threadName, (await vm.ThreadReference.SuspendCount(t)).suspendCount] as const));
      assert.deepEqual(counts.filter(([, c]) => c > 0).map(([n]) => n), ['main']);
      await a.dc.nextRequest({ threadId: stop.body.threadId! });
      const step = await nextStop(a.dc);
      assert.equal(step.body.allThreadsStopped, false);
      // Only main was suspended, so resuming it leaves every thread running: all threads continued.
      const cont = await a.dc.continueRequest({ threadId: stop.body.threadId! });
      assert.equal(cont.body.allThreadsContinued, true);
      await a.dc.disconnectRequest({});
    } finally {
      await a.close();
    }
  });
});
