import * as path from 'node:path';
import { SMALL_JVM_FLAGS, type Jvm } from '../../jdwp/launch/java';
import { fixtureClasses, killAll, lineOf, ROOT, startFixture } from '../support/fixtures';
import { assertGolden } from './golden';
import { attachAndConfigure, launchAndConfigure, nextStop, startAdapter, type AdapterUnderTest } from './harness';
import { agentPort } from './suspension';

const MAIN = path.join(ROOT, 'test/fixtures/java/dapfix/DapMain.java');
const line = (marker: string) => lineOf('dapfix/DapMain.java', marker);

describe('golden DAP transcripts', function () {
  let a: AdapterUnderTest | undefined;
  const jvms: Jvm[] = [];
  afterEach(async function () {
    if (a && this.currentTest?.state === 'failed') console.log(JSON.stringify(a.dc.transcript.slice(-6)).slice(0, 3000));
    await a?.close();
    a = undefined;
  });
  after(() => killAll(jvms));

  const launchArgs = (extra: Record<string, unknown> = {}) => ({ mainClass: 'dapfix.DapMain', classPaths: [fixtureClasses()], vmArgs: SMALL_JVM_FLAGS, ...extra });

  it('launch: breakpoint, stack, scopes, variables, collections, evaluate, terminate', async () => {
    a = await startAdapter();
    const dc = a.dc;
    await launchAndConfigure(dc, launchArgs(), () => dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: line('VARS_LINE') }, { line: line('STEP_NEXT') - 100 }] }));
    const stop = await nextStop(dc);
    const st = await dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 20 });
    const scopes = await dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
    const locals = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
    const byName = new Map(locals.body.variables.map((v) => [v.name, v]));
    await dc.variablesRequest({ variablesReference: byName.get('numbers')!.variablesReference, filter: 'indexed', start: 0, count: 5 });
    await dc.variablesRequest({ variablesReference: byName.get('map')!.variablesReference });
    await dc.variablesRequest({ variablesReference: byName.get('child')!.variablesReference });
    await dc.variablesRequest({ variablesReference: scopes.body.scopes[1].variablesReference });
    await dc.evaluateRequest({ expression: 'child.total() + list.get(0).length()', frameId: st.body.stackFrames[0].id, context: 'repl' });
    await dc.evaluateRequest({ expression: 'list.get(', frameId: st.body.stackFrames[0].id, context: 'repl' }).catch(() => undefined);
    const ended = Promise.all([dc.waitForEvent('exited'), dc.waitForEvent('terminated')]);
    await dc.terminateRequest({});
    await ended;
    dc.recording = false;
    assertGolden('launch-variables', dc.transcript);
  });

  it('launch: stop on entry, step in, over and out', async () => {
    a = await startAdapter();
    const dc = a.dc;
    await launchAndConfigure(dc, launchArgs({ stopOnEntry: true }), () =>
      dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: line('STEP_CALL'), condition: 'round == 1' }] }),
    );
    const entry = await nextStop(dc);
    const threadId = entry.body.threadId!;
    await dc.continueRequest({ threadId });
    await nextStop(dc);
    for (const step of ['stepIn', 'next', 'stepOut', 'next'] as const) {
      await dc.send(step, { threadId });
      await nextStop(dc);
      await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 });
    }
    const exited = dc.waitForEvent('exited');
    await dc.disconnectRequest({});
    await exited;
    dc.recording = false;
    assertGolden('launch-stepping', dc.transcript);
  });

  it('attach: errors and exception breakpoints', async () => {
    const jvm = await startFixture(jvms, 'dapfix.DapMain');
    a = await startAdapter();
    const dc = a.dc;
    await attachAndConfigure(dc, { hostName: '127.0.0.1', port: await agentPort(jvm) }, async () => {
      await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'caught', condition: 'java.lang.IllegalArgumentException' }, { filterId: 'bogus' }] });
      await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'dapfix.Nope.method' }, { name: '???' }] });
    });
    const stop = await nextStop(dc);
    await dc.exceptionInfoRequest({ threadId: stop.body.threadId! });
    await dc.stackTraceRequest({ threadId: 4242, startFrame: 0, levels: 1 }).catch(() => undefined);
    await dc.variablesRequest({ variablesReference: 4242 }).catch(() => undefined);
    await dc.send('goto', { threadId: 4243, targetId: 1 }).catch(() => undefined);
    await dc.setExceptionBreakpointsRequest({ filters: [] });
    await dc.disconnectRequest({});
    dc.recording = false;
    assertGolden('attach-exceptions-errors', dc.transcript, [[/caught-\d+/g, 'caught-<round>']]);
  });
});
