import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Jvm } from '../../jdwp/launch/java';
import type { ThreadID } from '../../jdwp/protocol/wire-types';
import { killAll, lineOf, ROOT, startFixture } from '../support/fixtures';
import { startProxy, type ProxyUnderTest } from '../vm/support';
import { attachAndConfigure, nextStop, startAdapter, type AdapterUnderTest, type RecordingClient } from './harness';

const MAIN = path.join(ROOT, 'test/fixtures/java/dapfix/DapMain.java');
const line = (marker: string) => lineOf('dapfix/DapMain.java', marker);

/** What a client shows at a stop: the stack, the top frame's scopes, its locals and the children of `child` and `list`. */
async function showStop(dc: RecordingClient, threadId: number): Promise<unknown[]> {
  const st = await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 20 });
  const scopes = await dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
  const locals = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
  const byName = new Map(locals.body.variables.map((v) => [v.name, v]));
  const child = await dc.variablesRequest({ variablesReference: byName.get('child')!.variablesReference });
  const list = await dc.variablesRequest({ variablesReference: byName.get('list')!.variablesReference });
  return [st.body, scopes.body, locals.body, child.body, list.body];
}

/** A stop's view without the handles the adapter numbers anew on every request (frame IDs, variables references). */
function withoutHandles(view: unknown[]): string {
  return JSON.stringify(view, (key, value) => (key === 'id' || key === 'variablesReference' ? typeof value : value));
}

describe('debug adapter stop snapshots through a proxy', function () {
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest;
  let a: AdapterUnderTest | undefined;

  before(async () => {
    await startFixture(jvms, 'dapfix.DapMain');
    proxy = await startProxy(jvms);
  });
  after(async () => {
    if (a) {
      await a.dc.disconnectRequest({}).catch(() => undefined);
      await a.close();
    }
    await proxy?.close();
    await killAll(jvms);
  });

  /** Runs `show` at the next stop and counts the commands the adapter sent to the proxy from now (the event, holding the node, the stop) to the end of `show`. */
  async function countedStop<T>(dc: RecordingClient, show: (threadId: number) => Promise<T>): Promise<{ value: T; commands: number; thread: ThreadID; threadId: number }> {
    const ctx = a!.session().ctx;
    const connection = ctx.vm!.connection;
    const plain = connection.request;
    let commands = 0;
    connection.request = (...args) => {
      commands++;
      return plain.apply(connection, args);
    };
    try {
      const stop = await nextStop(dc);
      const threadId = stop.body.threadId!;
      const value = await show(threadId);
      return { value, commands, thread: ctx.thread(threadId), threadId };
    } finally {
      connection.request = plain;
    }
  }

  it('shows the same stack, scopes and variables as without a snapshot, with fewer commands to the proxy', async () => {
    a = await startAdapter();
    const dc = a.dc;
    await attachAndConfigure(dc, { hostName: '127.0.0.1', port: proxy.vm.address.port }, () =>
      dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: line('VARS_LINE') }] }),
    );
    const ctx = a.session().ctx;
    assert.equal(ctx.fabric, true);

    // The first stop loads the types the session caches; the next two are alike but for the snapshot.
    ctx.snapshots!.enabled = false;
    let stop = await countedStop(dc, (id) => showStop(dc, id));
    await dc.continueRequest({ threadId: stop.threadId });
    const plain = await countedStop(dc, (id) => showStop(dc, id));
    await dc.continueRequest({ threadId: plain.threadId });
    ctx.snapshots!.enabled = true;
    stop = await countedStop(dc, (id) => showStop(dc, id));
    assert.ok(stop.commands < plain.commands, `${stop.commands} commands with the snapshot, ${plain.commands} without`);
    console.log(`      commands to the proxy at a stop: ${plain.commands} without the snapshot, ${stop.commands} with it`);

    // The same stop read again the ordinary way shows exactly what the snapshot showed.
    ctx.snapshots!.enabled = false;
    ctx.snapshots!.clear();
    ctx.mirror.invalidateThread(stop.thread);
    const again = await showStop(dc, stop.threadId);
    assert.equal(withoutHandles(stop.value as unknown[]), withoutHandles(again));
    await dc.continueRequest({ threadId: stop.threadId });
  });

  it('never shows a value the snapshot held once it was changed: setting a field drops the snapshot', async () => {
    const dc = a!.dc;
    const ctx = a!.session().ctx;
    ctx.snapshots!.enabled = true;
    const stop = await nextStop(dc);
    const threadId = stop.body.threadId!;
    const st = await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 20 });
    const scopes = await dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
    const locals = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
    const child = locals.body.variables.find((v) => v.name === 'child')!;
    const before = await dc.variablesRequest({ variablesReference: child.variablesReference });
    assert.equal(before.body.variables.find((v) => v.name === 'baseValue')?.value, '10');
    await dc.setVariableRequest({ variablesReference: child.variablesReference, name: 'baseValue', value: '77' });
    const after = await dc.variablesRequest({ variablesReference: child.variablesReference });
    assert.equal(after.body.variables.find((v) => v.name === 'baseValue')?.value, '77');
    await dc.continueRequest({ threadId });
  });
});
