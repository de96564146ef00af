import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Jvm } from '../../jdwp/launch/java';
import { killAll, lineOf, ROOT, startFixture } from '../support/fixtures';
import { attachAndConfigure, nextStop, startAdapter, type AdapterUnderTest } from './harness';
import { agentPort, suspendedThreads } from './suspension';

const MAIN = path.join(ROOT, 'test/fixtures/java/dapfix/DapMain.java');
const line = (marker: string) => lineOf('dapfix/DapMain.java', marker);

describe('debug adapter through the virtual VM over 3 nodes', function () {
  const jvms: Jvm[] = [];
  let a: AdapterUnderTest | undefined;
  let sessions = 0;

  before(async () => {
    await Promise.all([0, 1, 2].map(() => startFixture(jvms, 'dapfix.DapMain')));
  });
  afterEach(async function () {
    if (a && this.currentTest?.state === 'failed') console.log(JSON.stringify(a.dc.transcript.slice(-8)).slice(0, 3000));
    if (a) {
      await a.dc.disconnectRequest({}).catch(() => undefined);
      await a.close();
      a = undefined;
    }
  });
  after(async () => {
    await killAll(jvms);
  });

  async function attachNodes(configure: (a: AdapterUnderTest) => Promise<unknown> = async () => undefined): Promise<AdapterUnderTest> {
    const ports = await Promise.all(jvms.map((j) => agentPort(j, sessions)));
    sessions++;
    a = await startAdapter();
    const session = a;
    await attachAndConfigure(a.dc, { nodes: ports.map((p) => `127.0.0.1:${p}`) }, () => configure(session));
    return a;
  }

  it('lists threads of every node, binds breakpoints on 3/3 nodes and stops with a usable stack', async () => {
    let bps!: DebugProtocol.SetBreakpointsResponse;
    const session = await attachNodes(async (s) => {
      bps = await s.dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: line('VARS_LINE') }] });
    });
    assert.equal(bps.body.breakpoints[0].verified, true);
    assert.equal(bps.body.breakpoints[0].message, 'bound on 3/3 nodes');
    const stop = await nextStop(session.dc);
    assert.equal(stop.body.reason, 'breakpoint');
    const threads = (await session.dc.threadsRequest()).body.threads;
    const mains = threads.map((t) => /^\[(.+)\] main$/.exec(t.name)?.[1]).filter((n) => n !== undefined);
    assert.equal(new Set(mains).size, 3, threads.map((t) => t.name).join(', '));
    assert.match(threads.find((t) => t.id === stop.body.threadId)!.name, /^\[.+\] main$/);
    const st = await session.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 20 });
    assert.deepEqual(
      st.body.stackFrames.map((f) => [f.name, f.line, f.source?.path]),
      [
        ['DapMain.work(int)', line('VARS_LINE'), MAIN],
        ['DapMain.main(String[])', lineOf('dapfix/DapMain.java', 'sum += work(round)'), MAIN],
      ],
    );
    const scopes = (await session.dc.scopesRequest({ frameId: st.body.stackFrames[0].id })).body.scopes;
    const locals = (await session.dc.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables;
    const list = locals.find((v) => v.name === 'list')!;
    assert.equal(list.value, 'ArrayList size=2 ["alpha", "beta"]');
    const ev = await session.dc.evaluateRequest({ expression: 'text.length() + list.size()', frameId: st.body.stackFrames[0].id, context: 'repl' });
    assert.ok(Number(ev.body.result) > 2);
  });

  it('answers the fabric.* requests from the Fabric command set', async () => {
    const session = await attachNodes();
    const nodes = (await session.dc.customRequest('fabric.nodes')).body.nodes;
    assert.equal(nodes.length, 3);
    assert.ok(nodes.every((n: { state: string; threadCount: number }) => n.state === 'up' && n.threadCount > 3), JSON.stringify(nodes));
    const pool = (await session.dc.customRequest('fabric.heapPool', { node: nodes[1].name, topN: 3 })).body.classes;
    assert.equal(pool.length, 3);
    assert.ok(pool.every((c: { count: number; symbolHash: string }) => c.count > 0 && typeof c.symbolHash === 'string'));
    assert.deepEqual((await session.dc.customRequest('fabric.divergentClasses')).body.classes, []);
  });

  it('disconnects leaving no thread suspended on any node', async () => {
    const session = await attachNodes(async (s) => {
      await s.dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: line('STEP_CALL') }] });
    });
    await nextStop(session.dc);
    await session.dc.disconnectRequest({});
    await session.close();
    a = undefined;
    for (const jvm of jvms) assert.deepEqual(await suspendedThreads(await agentPort(jvm, sessions)), []);
    sessions++;
  });
});
