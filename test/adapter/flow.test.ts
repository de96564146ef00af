import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Jvm } from '../../jdwp/launch/java';
import { killAll, ROOT } from '../support/fixtures';
import { callWork, hopLine, startChain, type Chain } from '../vm/chain-support';
import { NODE_ATTRIBUTE } from '../../adapter/node-sessions';
import { answerReverseRequests, attachAndConfigure, errorNumber, nextStop, RecordingClient, startAdapter, type AdapterUnderTest } from './harness';
import { agentPort, suspendedThreads } from './suspension';

const HOP = path.join(ROOT, 'test/fixtures/java/hopfix/Hop.java');
const NAMES = ['front', 'mid', 'leaf'];
const LABEL = /^── HTTP GET \/work from (\w+) \(thread .+\) ──$/;

describe('debug adapter: a request across three nodes (stitched stacks, stepping into a remote call)', function () {
  this.timeout(120_000);
  const jvms: Jvm[] = [];
  let chain: Chain;
  let a: AdapterUnderTest | undefined;
  let sessions = 0;
  let pending: Promise<{ status: number; body: string }> | undefined;

  before(async () => {
    chain = await startChain(jvms, NAMES);
    assert.match((await callWork(chain.urls[0])).body, /front@0 <- mid@1 <- leaf@2/);
  });
  afterEach(async function () {
    if (a && this.currentTest?.state === 'failed') console.log(JSON.stringify(a.dc.transcript.slice(-12)).slice(0, 4000));
    if (a) {
      await a.dc.disconnectRequest({}).catch(() => undefined);
      await a.close();
      a = undefined;
    }
    await pending?.catch(() => undefined);
    pending = undefined;
  });
  after(() => killAll(jvms));

  async function attachChain(line: number, extra: Record<string, unknown> = {}): Promise<AdapterUnderTest> {
    const ports = await Promise.all(chain.jvms.map((j) => agentPort(j, sessions)));
    sessions++;
    a = await startAdapter();
    const session = a;
    await attachAndConfigure(session.dc, { nodes: ports.map((p, i) => `${NAMES[i]}=127.0.0.1:${p}`), ...extra }, async () => {
      const bps = await session.dc.setBreakpointsRequest({ source: { path: HOP }, breakpoints: [{ line }] });
      assert.equal(bps.body.breakpoints[0].verified, true, JSON.stringify(bps.body));
    });
    return session;
  }

  async function threadName(s: AdapterUnderTest, id: number): Promise<string> {
    return (await s.dc.threadsRequest()).body.threads.find((t) => t.id === id)?.name ?? `thread ${id}`;
  }

  async function localValue(s: AdapterUnderTest, frameId: number, name: string): Promise<string | undefined> {
    const scopes = (await s.dc.scopesRequest({ frameId })).body.scopes;
    const locals = (await s.dc.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables;
    return locals.find((v) => v.name === name)?.value;
  }

  /** Ends the session and checks that the request completed and that no node keeps a thread suspended. */
  async function finish(s: AdapterUnderTest): Promise<void> {
    const answer = await pending!;
    assert.equal(answer.status, 200);
    assert.match(answer.body, /front@0 <- mid@1 <- leaf@2/);
    await s.dc.disconnectRequest({});
    await s.close();
    a = undefined;
    for (const jvm of chain.jvms) assert.deepEqual(await suspendedThreads(await agentPort(jvm, sessions)), []);
    sessions++;
  }

  it("a stop in the leaf shows label frames between hops and each caller's Hop.work with its own node's locals", async () => {
    const s = await attachChain(hopLine('LEAF_LINE'));
    pending = callWork(chain.urls[0]);
    const stop = await nextStop(s.dc);
    assert.match(await threadName(s, stop.body.threadId!), /^\[leaf\] /);
    const whole = (await s.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 200 })).body;
    const frames = whole.stackFrames;
    assert.equal(whole.totalFrames, frames.length);
    const labels = frames.filter((f) => f.presentationHint === 'label');
    assert.deepEqual(labels.map((f) => LABEL.exec(f.name)?.[1]), ['mid', 'front'], frames.map((f) => f.name).join('\n'));
    assert.ok(labels.every((f) => f.source === undefined && f.line === 0));
    const works = frames.map((f, i) => [f, i] as const).filter(([f]) => f.name.startsWith('Hop.work('));
    assert.equal(works.length, 3, frames.map((f) => f.name).join('\n'));
    // leaf's work, then mid's label, mid's frames (its work among them), then front's label and front's frames.
    const at = (name: string) => frames.findIndex((f) => f.name === name);
    assert.ok(works[0][1] < at(labels[0].name) && at(labels[0].name) < works[1][1] && works[1][1] < at(labels[1].name) && at(labels[1].name) < works[2][1]);
    assert.equal(works[1][0].line, hopLine('CALL_LINE'));
    assert.equal(works[1][0].source?.path, HOP);
    // The callers' locals come from their own nodes.
    assert.deepEqual(await Promise.all(works.map(([f]) => localValue(s, f.id, 'depth'))), ['2', '1', '0']);
    assert.equal(await localValue(s, works[2][0].id, 'hop'), '"front@0"');
    // Expressions in a caller's frame read its node's values; its methods cannot run (its thread waits in the call).
    assert.equal((await s.dc.evaluateRequest({ expression: 'depth + 10', frameId: works[2][0].id, context: 'watch' })).body.result, '10');
    assert.equal(await errorNumber(s.dc.evaluateRequest({ expression: 'hop.length()', frameId: works[2][0].id, context: 'repl' })), 2008);
    assert.equal((await s.dc.evaluateRequest({ expression: 'hop.length()', frameId: works[0][0].id, context: 'repl' })).body.result, String('leaf@2'.length));
    // A label frame has no scopes, and nothing to evaluate in.
    assert.deepEqual((await s.dc.scopesRequest({ frameId: labels[0].id })).body.scopes, []);
    assert.equal(await errorNumber(s.dc.evaluateRequest({ expression: 'depth', frameId: labels[0].id, context: 'watch' })), 3011);
    // Paging as VS Code does (the top frame, then the rest) gives the same list and the same total.
    const first = (await s.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 1 })).body;
    const rest = (await s.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 1, levels: 200 })).body;
    assert.equal(first.totalFrames, whole.totalFrames);
    assert.deepEqual([...first.stackFrames, ...rest.stackFrames].map((f) => [f.name, f.line, f.presentationHint]), frames.map((f) => [f.name, f.line, f.presentationHint]));
    // A page that starts on a label keeps the JDWP frames below it right.
    const fromLabel = (await s.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: at(labels[1].name), levels: 2 })).body.stackFrames;
    assert.deepEqual(fromLabel.map((f) => f.name), frames.slice(at(labels[1].name), at(labels[1].name) + 2).map((f) => f.name));
    assert.equal(await localValue(s, fromLabel[1].id, 'depth'), await localValue(s, frames[at(labels[1].name) + 1].id, 'depth'));
    await s.dc.continueRequest({ threadId: stop.body.threadId! });
    await finish(s);
  });

  it('steps into the remote call, onto the handler on mid with a stitched stack, and out again to the call line on front', async () => {
    const s = await attachChain(hopLine('CALL_LINE'));
    pending = callWork(chain.urls[0]);
    const hit = await nextStop(s.dc);
    assert.match(await threadName(s, hit.body.threadId!), /^\[front\] /);
    await s.dc.setBreakpointsRequest({ source: { path: HOP }, breakpoints: [] });
    await s.dc.stepInRequest({ threadId: hit.body.threadId! });
    const inside = await nextStop(s.dc);
    assert.equal(inside.body.reason, 'step');
    assert.match(await threadName(s, inside.body.threadId!), /^\[mid\] /);
    const stack = (await s.dc.stackTraceRequest({ threadId: inside.body.threadId!, startFrame: 0, levels: 200 })).body.stackFrames;
    assert.match(stack[0].name, /^Hop\.handle\(/);
    assert.equal(stack[0].source?.path, HOP);
    const label = stack.findIndex((f) => f.presentationHint === 'label');
    assert.equal(LABEL.exec(stack[label]?.name ?? '')?.[1], 'front', stack.map((f) => f.name).join('\n'));
    const callerWork = stack.slice(label).find((f) => f.name.startsWith('Hop.work('))!;
    assert.equal(callerWork.line, hopLine('CALL_LINE'));
    assert.equal(await localValue(s, callerWork.id, 'depth'), '0');
    await s.dc.stepOutRequest({ threadId: inside.body.threadId! });
    const back = await nextStop(s.dc);
    assert.equal(back.body.reason, 'step');
    assert.equal(back.body.threadId, hit.body.threadId);
    const top: DebugProtocol.StackFrame = (await s.dc.stackTraceRequest({ threadId: back.body.threadId!, startFrame: 0, levels: 1 })).body.stackFrames[0];
    assert.deepEqual([top.name.split('(')[0], top.line], ['Hop.work', hopLine('CALL_LINE')]);
    await s.dc.continueRequest({ threadId: back.body.threadId! });
    await finish(s);
  });

  it('"stitch": false in the configuration reaches the virtual VM: the leaf shows its own frames only', async () => {
    const s = await attachChain(hopLine('LEAF_LINE'), { stitch: false });
    pending = callWork(chain.urls[0]);
    const stop = await nextStop(s.dc);
    const { stackFrames, totalFrames } = (await s.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 200 })).body;
    assert.equal(totalFrames, stackFrames.length);
    assert.deepEqual(stackFrames.filter((f) => f.presentationHint === 'label' || f.name.startsWith('Hop.work(')).map((f) => f.name), ['Hop.work(String, int)']);
    await s.dc.continueRequest({ threadId: stop.body.threadId! });
    await finish(s);
  });

  it("with a session per node (as VS Code runs it), the step into lands in mid's session and the step out back in front's", async () => {
    const ports = await Promise.all(chain.jvms.map((j) => agentPort(j, sessions)));
    sessions++;
    a = await startAdapter();
    const s = a;
    const init: DebugProtocol.InitializeRequestArguments = { adapterID: 'jdwp-fabric', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', supportsStartDebuggingRequest: true };
    const children = new Map<string, RecordingClient>();
    answerReverseRequests(s.dc, async (request) => {
      const { configuration } = request.arguments as DebugProtocol.StartDebuggingRequestArguments;
      const dc = new RecordingClient('node', 'unused', 'jdwp-fabric');
      dc.defaultTimeout = 20_000;
      await dc.start((configuration[NODE_ATTRIBUTE] as { port: number }).port);
      children.set(configuration.name as string, dc);
      await dc.initializeRequest(init);
      const initialized = dc.waitForEvent('initialized');
      await dc.attachRequest(configuration as DebugProtocol.AttachRequestArguments);
      await initialized;
      await dc.configurationDoneRequest();
    });
    try {
      await attachAndConfigure(s.dc, { nodes: ports.map((p, i) => `${NAMES[i]}=127.0.0.1:${p}`) }, () => s.dc.setBreakpointsRequest({ source: { path: HOP }, breakpoints: [{ line: hopLine('CALL_LINE') }] }), init);
      for (let i = 0; children.size < 3; i++) {
        assert.ok(i < 300, `3 node sessions, not ${[...children.keys()]}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const [front, mid] = [children.get('front')!, children.get('mid')!];
      pending = callWork(chain.urls[0]);
      const hit = await front.nextStop(20_000);
      await s.dc.setBreakpointsRequest({ source: { path: HOP }, breakpoints: [] });
      await front.stepInRequest({ threadId: hit.body.threadId! });
      const inside = await mid.nextStop(20_000);
      assert.equal(inside.body.reason, 'step');
      const stack = (await mid.stackTraceRequest({ threadId: inside.body.threadId!, startFrame: 0, levels: 200 })).body.stackFrames;
      assert.match(stack[0].name, /^Hop\.handle\(/);
      assert.equal(LABEL.exec(stack.find((f) => f.presentationHint === 'label')?.name ?? '')?.[1], 'front', stack.map((f) => f.name).join('\n'));
      assert.ok((await front.threadsRequest()).body.threads.some((t) => t.id === hit.body.threadId), "front's session still lists the caller's thread");
      await mid.stepOutRequest({ threadId: inside.body.threadId! });
      const back = await front.nextStop(20_000);
      assert.deepEqual([back.body.reason, back.body.threadId], ['step', hit.body.threadId]);
      const top = (await front.stackTraceRequest({ threadId: back.body.threadId!, startFrame: 0, levels: 1 })).body.stackFrames[0];
      assert.equal(top.line, hopLine('CALL_LINE'));
      await front.continueRequest({ threadId: back.body.threadId! });
      await finish(s);
    } finally {
      for (const dc of children.values()) (dc as unknown as { stopAdapter(): void }).stopAdapter();
    }
  });

  it("the caller's node dies while its frames are shown: its variables fail with a clear error and the session goes on", async () => {
    const own: Jvm[] = [];
    try {
      const pair = await startChain(own, ['front', 'leaf']);
      await callWork(pair.urls[0]);
      const ports = await Promise.all(pair.jvms.map((j) => agentPort(j)));
      a = await startAdapter();
      const s = a;
      await attachAndConfigure(s.dc, { nodes: ports.map((p, i) => `${['front', 'leaf'][i]}=127.0.0.1:${p}`) }, () =>
        s.dc.setBreakpointsRequest({ source: { path: HOP }, breakpoints: [{ line: hopLine('LEAF_LINE') }] }),
      );
      const call = callWork(pair.urls[0]).catch((err: Error) => ({ status: 0, body: err.message }));
      const stop = await nextStop(s.dc);
      const frames = (await s.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 200 })).body.stackFrames;
      const label = frames.findIndex((f) => f.presentationHint === 'label');
      assert.equal(LABEL.exec(frames[label]?.name ?? '')?.[1], 'front', frames.map((f) => f.name).join('\n'));
      const callerWork = frames.slice(label).find((f) => f.name.startsWith('Hop.work('))!;
      const scopes = (await s.dc.scopesRequest({ frameId: callerWork.id })).body.scopes;
      await pair.jvms[0].kill();
      await call;
      await assert.rejects(s.dc.variablesRequest({ variablesReference: scopes[0].variablesReference }), /the caller's frames are gone.*jdwp-fabric error 3011/);
      // The stopped thread's own frames still answer, and it runs on.
      assert.equal(await localValue(s, frames[0].id, 'depth'), '1');
      await s.dc.continueRequest({ threadId: stop.body.threadId! });
      await s.dc.disconnectRequest({});
      await s.close();
      a = undefined;
      assert.deepEqual(await suspendedThreads(await agentPort(pair.jvms[1], 1)), []);
    } finally {
      await killAll(own);
    }
  });
});
