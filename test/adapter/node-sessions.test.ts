import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Jvm } from '../../jdwp/launch/java';
import { slotOf } from '../../jdwp/vm/ids';
import { NODE_ATTRIBUTE, NODE_EVENTS_ATTRIBUTE, NODE_SESSION_EVENT } from '../../adapter/node-sessions';
import { killAll, lineOf, ROOT, startFixture } from '../support/fixtures';
import { answerReverseRequests, RecordingClient, startAdapter, type AdapterUnderTest } from './harness';
import { agentPort, suspendedThreads } from './suspension';

const MAIN = path.join(ROOT, 'test/fixtures/java/dapfix/DapMain.java');
const BREAK_LINE = lineOf('dapfix/DapMain.java', 'VARS_LINE');
const INIT: DebugProtocol.InitializeRequestArguments = { adapterID: 'jdwp-fabric', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', supportsStartDebuggingRequest: true };

/** A child session as the test (standing in for VS Code) started it from a startDebugging request. */
interface ChildSession {
  name: string;
  slot: number;
  dc: RecordingClient;
  terminated: Promise<unknown>;
}

/** Initializes and attaches a child as VS Code would, with the breakpoint the tests use; answers its setBreakpoints. */
async function configureChild(dc: RecordingClient, configuration: Record<string, unknown>): Promise<DebugProtocol.SetBreakpointsResponse> {
  await dc.initializeRequest(INIT);
  const initialized = dc.waitForEvent('initialized');
  await dc.attachRequest(configuration as DebugProtocol.AttachRequestArguments);
  await initialized;
  const bps = await dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: BREAK_LINE }] });
  await dc.configurationDoneRequest();
  return bps;
}

/** Stopped events a client saw since `from` (an index into its transcript). */
function stopsSince(dc: RecordingClient, from: number): number {
  return dc.transcript.slice(from).filter((e) => e.dir === 'event' && e.event === 'stopped').length;
}

async function eventually(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('node sessions: one child debug session per node of the virtual VM', function () {
  this.timeout(120_000);
  const jvms: Jvm[] = [];
  const children: ChildSession[] = [];
  let a: AdapterUnderTest;
  let ports: number[] = [];
  const relays: AdapterUnderTest[] = [];
  let asked = 0;

  /** The JDWP thread of a DAP thread id (the children share the parent's numbers). */
  const threadOf = (id: number) => a.session().ctx.threadIds.key(id)!;
  const suspendCount = async (id: number) => (await a.session().ctx.vm!.ThreadReference.SuspendCount(threadOf(id))).suspendCount;
  const mainOf = async (child: ChildSession) => (await child.dc.threadsRequest()).body.threads.find((t) => t.name === 'main')!;

  before(async () => {
    await Promise.all([0, 1, 2].map(() => startFixture(jvms, 'dapfix.DapMain', { args: ['2', '40'] })));
    ports = await Promise.all(jvms.map((j) => agentPort(j)));
    a = await startAdapter();
    answerReverseRequests(a.dc, async (request) => {
      assert.equal(request.command, 'startDebugging');
      const { configuration } = request.arguments as DebugProtocol.StartDebuggingRequestArguments;
      const target = configuration[NODE_ATTRIBUTE] as { slot: number; port: number };
      // The first child goes through an adapter of its own, as a standalone `jdwp-fabric dap` started for it
      // would (it relays to the cluster's session); the others connect to the cluster's session directly.
      let dc: RecordingClient;
      // Decided before any await: the requests for all nodes come at once.
      if (asked++ === 0) {
        const own = await startAdapter();
        relays.push(own);
        dc = own.dc;
      } else {
        dc = new RecordingClient('node', 'unused', 'jdwp-fabric');
        dc.defaultTimeout = 20_000;
        await dc.start(target.port);
      }
      const child: ChildSession = { name: configuration.name as string, slot: target.slot, dc, terminated: dc.waitForEvent('terminated', 60_000).catch(() => undefined) };
      children.push(child);
      const bps = await configureChild(dc, configuration);
      assert.equal(bps.body.breakpoints[0].message, 'bound on 3/3 nodes', 'a child shows the breakpoints of the cluster');
    });
    await a.dc.initializeRequest(INIT);
    const initialized = a.dc.waitForEvent('initialized');
    await a.dc.attachRequest({ nodes: ports.map((p) => `127.0.0.1:${p}`) } as DebugProtocol.AttachRequestArguments);
    await initialized;
    await a.dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: BREAK_LINE }] });
    await a.dc.configurationDoneRequest();
  });
  after(async () => {
    await a?.dc.disconnectRequest({}).catch(() => undefined);
    for (const c of children) if (!relays.some((r) => r.dc === c.dc)) (c.dc as unknown as { stopAdapter(): void }).stopAdapter();
    await a?.close();
    for (const r of relays) await r.close();
    await killAll(jvms);
  });

  it('starts one child per node, each listing only its node threads with the stopped one first', async () => {
    await eventually('3 children', () => children.length === 3);
    const nodes = (await a.dc.customRequest('fabric.nodes')).body.nodes as Array<{ slot: number; name: string }>;
    assert.deepEqual(children.map((c) => c.name).sort(), nodes.map((n) => n.name).sort());
    assert.deepEqual((await a.dc.threadsRequest()).body.threads, [], 'the cluster session lists no threads of its own');
    for (const child of children) {
      const stop = await child.dc.nextStop(20_000);
      assert.equal(stop.body.reason, 'breakpoint');
      assert.equal(stop.body.allThreadsStopped, true, `${child.name}: a stop holds its whole node, and its session says so`);
      assert.equal(slotOf(threadOf(stop.body.threadId!)), child.slot, `${child.name} got a stop of another node`);
      const threads = (await child.dc.threadsRequest()).body.threads;
      assert.ok(threads.length >= 4, `${child.name}: ${JSON.stringify(threads)}`);
      assert.equal(threads[0].id, stop.body.threadId, `${child.name}: the stopped thread comes first`);
      assert.equal(threads[0].name, 'main');
      for (const t of threads) {
        assert.equal(slotOf(threadOf(t.id)), child.slot, `${child.name} lists ${t.name} of slot ${slotOf(threadOf(t.id))}`);
        assert.doesNotMatch(t.name, /^\[/, 'the node prefix is dropped inside the node session');
      }
      const frames = (await child.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 1 })).body.stackFrames;
      assert.equal(frames[0].line, BREAK_LINE);
    }
  });

  it('continue on a child resumes only its node', async () => {
    const [first, ...others] = children;
    const marks = children.map((c) => c.dc.transcript.length);
    const otherMains = await Promise.all(others.map(mainOf));
    const resp = await first.dc.continueRequest({ threadId: (await mainOf(first)).id });
    assert.equal(resp.body.allThreadsContinued, true);
    const again = await first.dc.nextStop(20_000);
    assert.equal(again.body.reason, 'breakpoint', 'the continued node runs into the breakpoint again');
    await new Promise((r) => setTimeout(r, 500));
    for (const [i, child] of others.entries()) {
      assert.equal(stopsSince(child.dc, marks[i + 1]), 0, `${child.name} got a stop although it was not continued`);
      assert.ok((await suspendCount(otherMains[i].id)) > 0, `${child.name}'s main thread runs`);
    }
  });

  it('a step on a child moves only its node', async () => {
    const [first, ...others] = children;
    const marks = children.map((c) => c.dc.transcript.length);
    const main = await mainOf(first);
    await first.dc.nextRequest({ threadId: main.id });
    const stop = await first.dc.nextStop(20_000);
    assert.equal(stop.body.reason, 'step');
    assert.equal(stop.body.threadId, main.id);
    const top = (await first.dc.stackTraceRequest({ threadId: main.id, startFrame: 0, levels: 1 })).body.stackFrames[0];
    assert.notEqual(top.line, BREAK_LINE, 'the step left the breakpoint line');
    for (const [i, child] of others.entries()) {
      assert.equal(stopsSince(child.dc, marks[i + 1]), 0, `${child.name} got a stop from another node's step`);
      assert.ok((await suspendCount((await mainOf(child)).id)) > 0, `${child.name} ran during another node's step`);
      assert.ok(!child.dc.transcript.slice(marks[i + 1]).some((e) => e.event === 'continued'), `${child.name} was told it continued`);
    }
  });

  it('pause on the cluster session stops every node; continue on it resumes them all', async () => {
    await a.dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [] });
    for (const c of children) c.dc.stops.splice(0);
    const continued = children.map((c) => c.dc.waitForEvent('continued', 20_000));
    await a.dc.continueRequest({ threadId: 0 });
    await Promise.all(continued);
    for (const child of children) assert.equal(await suspendCount((await mainOf(child)).id), 0, `${child.name} still suspended after the cluster's continue`);
    await a.dc.pauseRequest({ threadId: 0 });
    for (const child of children) {
      const stop = await child.dc.nextStop(20_000);
      assert.equal(stop.body.reason, 'pause');
      assert.equal(stop.body.allThreadsStopped, true);
      for (const t of (await child.dc.threadsRequest()).body.threads) assert.ok((await suspendCount(t.id)) > 0, `${child.name}: ${t.name} runs after the pause`);
    }
    await a.dc.continueRequest({ threadId: 0 });
  });

  it('pause and continue on a child stop and resume only its node', async () => {
    const [first, second] = children;
    const main1 = await mainOf(first);
    const main2 = await mainOf(second);
    await first.dc.pauseRequest({ threadId: main1.id });
    const stop = await first.dc.nextStop(20_000);
    assert.equal(stop.body.reason, 'pause');
    assert.equal(stop.body.allThreadsStopped, true, 'the node is held, though the cluster is not');
    assert.ok((await suspendCount(main1.id)) > 0);
    assert.equal(await suspendCount(main2.id), 0, `${second.name} was paused with ${first.name}`);
    await first.dc.continueRequest({ threadId: main1.id });
    assert.equal(await suspendCount(main1.id), 0);
  });

  it('a node paused on its own session runs again with the cluster session\'s continue, and its session hears of it', async () => {
    const child = children[2];
    const main = await mainOf(child);
    await child.dc.pauseRequest({ threadId: main.id });
    assert.equal((await child.dc.nextStop(20_000)).body.threadId, main.id);
    const continued = child.dc.waitForEvent('continued', 20_000);
    await a.dc.continueRequest({ threadId: 0 });
    await continued;
    assert.equal(await suspendCount(main.id), 0);
  });

  it('lists a thread that stopped first in its node, although the JVM lists it last', async () => {
    await a.dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [] });
    for (const c of children) c.dc.stops.splice(0);
    await a.dc.setExceptionBreakpointsRequest({ filters: ['uncaught'] });
    // waitForEvent, not nextStop: the children that do not stop must not keep a waiter that takes their next stop.
    const stop = await Promise.any(children.map((c) => c.dc.waitForEvent('stopped', 20_000).then((e) => ({ child: c, e: e as DebugProtocol.StoppedEvent }))));
    assert.equal(stop.e.body.reason, 'exception');
    await a.dc.setExceptionBreakpointsRequest({ filters: [] });
    const threads = (await stop.child.dc.threadsRequest()).body.threads;
    assert.match(threads[0].name, /^thrower-\d+$/);
    assert.equal(threads[0].id, stop.e.body.threadId);
    assert.equal(threads[1].name, 'main', 'the rest keep the order of the JVM, oldest first');
    await a.dc.continueRequest({ threadId: 0 });
    for (const c of children) c.dc.stops.splice(0);
  });

  it('disconnect on a child detaches its node: it runs on, and its later hits resume at once', async () => {
    const detached = children[1];
    const main = await mainOf(detached);
    await a.dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: BREAK_LINE }] });
    await detached.dc.nextStop(20_000);
    await detached.dc.disconnectRequest({});
    const started = children.length;
    await new Promise((r) => setTimeout(r, 300));
    let longest = 0;
    let run = 0;
    for (let i = 0; i < 20; i++) {
      run = (await suspendCount(main.id)) > 0 ? run + 1 : 0;
      longest = Math.max(longest, run);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(longest < 5, `${detached.name}'s main thread stayed suspended for ${longest} samples in a row`);
    assert.equal(children.length, started, 'no new session for the detached node');
    await a.dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [] });
    await a.dc.continueRequest({ threadId: 0 });
    await a.dc.pauseRequest({ threadId: 0 });
    assert.equal(await suspendCount(main.id), 0, 'a cluster pause leaves the detached node running');
    await a.dc.continueRequest({ threadId: 0 });
    for (const c of children) c.dc.stops.splice(0);
  });

  it('a node that leaves ends its child', async () => {
    const leaving = children[2];
    const nodes = (await a.dc.customRequest('fabric.nodes')).body.nodes as Array<{ slot: number; address: string }>;
    const address = nodes.find((n) => n.slot === leaving.slot)!.address;
    const index = ports.findIndex((p) => address.endsWith(`:${p}`));
    assert.ok(index >= 0, `no JVM listens at ${address}`);
    await jvms[index].kill();
    jvms.splice(index, 1);
    ports.splice(index, 1);
    await Promise.race([leaving.terminated, new Promise((_, reject) => setTimeout(() => reject(new Error('the child of the node that left did not end')), 20_000))]);
    assert.equal(children.filter((c) => c !== leaving).length, 2);
  });

  it('disconnecting the cluster session ends every child and leaves nothing suspended', async () => {
    await a.dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: BREAK_LINE }] });
    await children[0].dc.nextStop(20_000);
    await a.dc.disconnectRequest({});
    await children[0].terminated;
    for (const jvm of jvms) assert.deepEqual(await suspendedThreads(await agentPort(jvm, 1)), []);
  });
});

describe('node sessions turned off', function () {
  this.timeout(60_000);
  const jvms: Jvm[] = [];
  let a: AdapterUnderTest | undefined;
  after(async () => {
    await a?.dc.disconnectRequest({}).catch(() => undefined);
    await a?.close();
    await killAll(jvms);
  });

  it('keeps the flat thread list with "nodeSessions": false, and asks the client for no session', async () => {
    await Promise.all([0, 1].map(() => startFixture(jvms, 'dapfix.DapMain')));
    const ports = await Promise.all(jvms.map((j) => agentPort(j)));
    a = await startAdapter();
    const reverse: string[] = [];
    answerReverseRequests(a.dc, async (request) => void reverse.push(request.command));
    await a.dc.initializeRequest(INIT);
    const initialized = a.dc.waitForEvent('initialized');
    await a.dc.attachRequest({ nodes: ports.map((p) => `127.0.0.1:${p}`), nodeSessions: false } as DebugProtocol.AttachRequestArguments);
    await initialized;
    await a.dc.configurationDoneRequest();
    const names = (await a.dc.threadsRequest()).body.threads.map((t) => t.name);
    assert.equal(names.filter((n) => /^\[.+\] main$/.test(n)).length, 2, names.join(', '));
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(reverse, []);
  });
});

describe('node sessions with suspendScope "cluster", asked for by event as VS Code\'s extension does', function () {
  this.timeout(60_000);
  const jvms: Jvm[] = [];
  const children: RecordingClient[] = [];
  let a: AdapterUnderTest | undefined;
  after(async () => {
    await a?.dc.disconnectRequest({}).catch(() => undefined);
    for (const c of children) (c as unknown as { stopAdapter(): void }).stopAdapter();
    await a?.close();
    await killAll(jvms);
  });

  it('shows every node stopped with the cluster; a child continues its node, the cluster session all of them', async () => {
    await Promise.all([0, 1].map(() => startFixture(jvms, 'dapfix.DapMain')));
    const ports = await Promise.all(jvms.map((j) => agentPort(j)));
    const session = (a = await startAdapter());
    const reverse: string[] = [];
    answerReverseRequests(session.dc, async (request) => void reverse.push(request.command));
    session.dc.on(NODE_SESSION_EVENT, (e: DebugProtocol.Event) => {
      void (async () => {
        const { configuration } = e.body as { configuration: Record<string, unknown> };
        const dc = new RecordingClient('node', 'unused', 'jdwp-fabric');
        dc.defaultTimeout = 20_000;
        await dc.start((configuration[NODE_ATTRIBUTE] as { port: number }).port);
        children.push(dc);
        await configureChild(dc, configuration);
      })();
    });
    await session.dc.initializeRequest(INIT);
    const initialized = session.dc.waitForEvent('initialized');
    await session.dc.attachRequest({ nodes: ports.map((p) => `127.0.0.1:${p}`), suspendScope: 'cluster', [NODE_EVENTS_ATTRIBUTE]: true } as DebugProtocol.AttachRequestArguments);
    await initialized;
    await session.dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: BREAK_LINE }] });
    await session.dc.configurationDoneRequest();
    await eventually('2 children', () => children.length === 2);
    assert.deepEqual(reverse, [], 'no startDebugging when the client asked for events');
    const stops = await Promise.all(children.map((c) => c.nextStop(20_000)));
    assert.ok(stops.every((e) => e.body.allThreadsStopped), JSON.stringify(stops.map((e) => e.body)));
    const suspendCount = async (dc: RecordingClient) => {
      const main = (await dc.threadsRequest()).body.threads.find((t) => t.name === 'main')!;
      const thread = session.session().ctx.threadIds.key(main.id)!;
      return { main, count: (await session.session().ctx.vm!.ThreadReference.SuspendCount(thread)).suspendCount };
    };
    const [first, second] = children;
    assert.ok((await suspendCount(second)).count > 0);
    for (const c of children) c.stops.splice(0);
    await first.continueRequest({ threadId: (await suspendCount(first)).main.id });
    // The continued node runs into the breakpoint again (which suspends the cluster once more).
    const again = await first.nextStop(20_000);
    assert.equal(again.body.reason, 'breakpoint');
    const continued = children.map((c) => c.waitForEvent('continued', 20_000));
    await session.dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [] });
    await session.dc.continueRequest({ threadId: 0 });
    await Promise.all(continued);
    for (const c of children) assert.equal((await suspendCount(c)).count, 0);
  });
});
