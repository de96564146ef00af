import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TOKEN_ENV } from '../../jdwp/client/connect';
import { readServerFiles } from '../../jdwp/guard/tls';
import { TokenStore } from '../../jdwp/guard/tokens';
import type { Jvm } from '../../jdwp/launch/java';
import { VirtualVm } from '../../jdwp/vm/server';
import { AdapterErrorCode } from '../../adapter/errors';
import { killAll, lineOf, ROOT, startFixture } from '../support/fixtures';
import { makeTestCerts, type TestCerts } from '../guard/certs';
import { assertNothingSuspended, debuggerGone, startProxy, type ProxyUnderTest } from '../vm/support';
import { attachAndConfigure, nextStop, startAdapter, type AdapterUnderTest } from './harness';

const MAIN = path.join(ROOT, 'test/fixtures/java/dapfix/DapMain.java');
const TOKEN = 'token of the developer';
const READER = 'token of the reader';
const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

describe('debug adapter attached to the proxy over wss:// with a token', function () {
  this.timeout(90_000);
  const jvms: Jvm[] = [];
  let certs: TestCerts;
  let proxy: ProxyUnderTest;
  let a: AdapterUnderTest | undefined;

  before(async () => {
    certs = makeTestCerts();
    const tokensFile = path.join(certs.dir, 'tokens.json');
    fs.writeFileSync(
      tokensFile,
      JSON.stringify([
        { name: 'developer', sha256: sha256(TOKEN), role: 'full' },
        { name: 'reader', sha256: sha256(READER), role: 'read-only' },
      ]),
    );
    await Promise.all([0, 1].map(() => startFixture(jvms, 'dapfix.DapMain')));
    proxy = await startProxy(jvms, { listenWs: '127.0.0.1:0', tls: readServerFiles(certs.good.cert, certs.good.key), tokens: new TokenStore(tokensFile) });
  });
  afterEach(async function () {
    if (a && this.currentTest?.state === 'failed') console.log(JSON.stringify(a.dc.transcript.slice(-8)).slice(0, 3000));
    if (a) {
      await a.dc.disconnectRequest({}).catch(() => undefined);
      await a.close();
      a = undefined;
    }
    delete process.env[TOKEN_ENV];
  });
  after(async () => {
    await proxy?.close();
    await killAll(jvms);
    if (certs) fs.rmSync(certs.dir, { recursive: true, force: true });
  });

  /** Attaches a fresh adapter with `args`; resolves with the DAP error (its number and message) or undefined. */
  async function attachError(args: Record<string, unknown>): Promise<{ code: number; message: string } | undefined> {
    await debuggerGone(proxy.vm);
    a = await startAdapter();
    try {
      await attachAndConfigure(a.dc, { timeout: 5_000, ...args });
      return undefined;
    } catch (err) {
      const message = (err as Error).message;
      const m = /jdwp-fabric error (\d+)/.exec(message);
      assert.ok(m, `a DAP error without a number: ${message}`);
      return { code: Number(m[1]), message };
    }
  }

  it('lists the threads of every node and stops at a breakpoint, then leaves nothing suspended', async () => {
    await debuggerGone(proxy.vm);
    a = await startAdapter();
    const session = a;
    let verified: boolean | undefined;
    let bound: string | undefined;
    await attachAndConfigure(session.dc, { url: proxy.vm.wsUrl, token: TOKEN, tlsCa: certs.ca }, async () => {
      const r = await session.dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: lineOf('dapfix/DapMain.java', 'VARS_LINE') }] });
      [verified, bound] = [r.body.breakpoints[0].verified, r.body.breakpoints[0].message];
    });
    assert.equal(verified, true);
    assert.equal(bound, 'bound on 2/2 nodes');
    const stop = await nextStop(session.dc);
    assert.equal(stop.body.reason, 'breakpoint');
    const threads = (await session.dc.threadsRequest()).body.threads;
    assert.deepEqual(threads.map((t) => /^\[(.+)\] main$/.exec(t.name)?.[1]).filter((n) => n !== undefined).sort(), ['node-1', 'node-2'], threads.map((t) => t.name).join(', '));
    const st = await session.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 1 });
    assert.deepEqual([st.body.stackFrames[0].name, st.body.stackFrames[0].line], ['DapMain.work(int)', lineOf('dapfix/DapMain.java', 'VARS_LINE')]);
    await session.dc.disconnectRequest({});
    await session.close();
    a = undefined;
    await assertNothingSuspended(proxy.vm, 2);
  });

  it('gives a read-only token a session that reads variables but cannot set one', async () => {
    await debuggerGone(proxy.vm);
    a = await startAdapter();
    const session = a;
    await attachAndConfigure(session.dc, { url: proxy.vm.wsUrl, token: READER, tlsCa: certs.ca }, () =>
      session.dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: lineOf('dapfix/DapMain.java', 'VARS_LINE') }] }),
    );
    const stop = await nextStop(session.dc);
    const st = await session.dc.stackTraceRequest({ threadId: stop.body.threadId!, startFrame: 0, levels: 1 });
    const locals = (await session.dc.scopesRequest({ frameId: st.body.stackFrames[0].id })).body.scopes[0];
    const small = (await session.dc.variablesRequest({ variablesReference: locals.variablesReference })).body.variables.find((v) => v.name === 'small');
    assert.match(small?.value ?? '', /^\d$/);
    const refused = await session.dc.setVariableRequest({ variablesReference: locals.variablesReference, name: 'small', value: '42' }).then(
      () => undefined,
      (err: Error) => err.message,
    );
    assert.match(refused ?? 'it was set', /StackFrame\.SetValues failed: JDWP error 99 \(NOT_IMPLEMENTED\) \(jdwp-fabric error 3018\)/);
    const again = (await session.dc.variablesRequest({ variablesReference: locals.variablesReference })).body.variables.find((v) => v.name === 'small');
    assert.equal(again?.value, small!.value);
  });

  it('takes the token from $JDWP_FABRIC_TOKEN when the configuration has none', async () => {
    process.env[TOKEN_ENV] = TOKEN;
    assert.equal(await attachError({ url: proxy.vm.wsUrl, tlsCa: certs.ca }), undefined);
    const threads = (await a!.dc.threadsRequest()).body.threads;
    assert.ok(threads.some((t) => t.name === '[node-1] main'), threads.map((t) => t.name).join(', '));
  });

  it('fails the attach with 3026 for a wrong token and for none', async () => {
    const wrong = await attachError({ url: proxy.vm.wsUrl, token: 'not the token', tlsCa: certs.ca });
    assert.equal(wrong?.code, AdapterErrorCode.TOKEN_REJECTED, wrong?.message);
    assert.match(wrong.message, /token was rejected \(HTTP 401\)/);
    await a!.close();
    a = undefined;
    const none = await attachError({ url: proxy.vm.wsUrl, tlsCa: certs.ca });
    assert.equal(none?.code, AdapterErrorCode.TOKEN_REJECTED, none?.message);
    assert.match(none.message, /token was missing/);
  });

  it('fails the attach with 3025 for a certificate the CA did not sign, and for one the system store does not know', async () => {
    const other = await VirtualVm.start({ listen: '127.0.0.1:0', listenWs: '127.0.0.1:0', tls: readServerFiles(certs.wrongCa.cert, certs.wrongCa.key), token: 't', log: () => {} });
    try {
      const e = await attachError({ url: other.wsUrl, token: 't', tlsCa: certs.ca });
      assert.equal(e?.code, AdapterErrorCode.CERTIFICATE_REJECTED, e?.message);
      assert.match(e.message, /certificate was refused: unable to verify the first certificate/);
    } finally {
      await other.close();
    }
    await a!.close();
    a = undefined;
    const system = await attachError({ url: proxy.vm.wsUrl, token: TOKEN });
    assert.equal(system?.code, AdapterErrorCode.CERTIFICATE_REJECTED, system?.message);
  });

  it('fails the attach with 3025 for an expired certificate', async () => {
    const other = await VirtualVm.start({ listen: '127.0.0.1:0', listenWs: '127.0.0.1:0', tls: readServerFiles(certs.expired.cert, certs.expired.key), token: 't', log: () => {} });
    try {
      const e = await attachError({ url: other.wsUrl, token: 't', tlsCa: certs.ca });
      assert.equal(e?.code, AdapterErrorCode.CERTIFICATE_REJECTED, e?.message);
      assert.match(e.message, /certificate was refused: certificate has expired/);
    } finally {
      await other.close();
    }
  });

  it('fails the attach with 3003 for a CA file it cannot read', async () => {
    const e = await attachError({ url: proxy.vm.wsUrl, token: TOKEN, tlsCa: path.join(certs.dir, 'no-such-ca.pem') });
    assert.equal(e?.code, AdapterErrorCode.BAD_CONFIGURATION, e?.message);
    assert.match(e.message, /cannot read the TLS CA file .*no-such-ca\.pem/);
  });
});
