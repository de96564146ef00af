import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JdwpClient } from '../../jdwp/client/client';
import { connectVm } from '../../jdwp/client/connect';
import { FabricError, FabricErrorCode, JdwpReplyError } from '../../jdwp/errors';
import { readCa, readServerFiles } from '../../jdwp/guard/tls';
import { TokenStore } from '../../jdwp/guard/tokens';
import type { Jvm } from '../../jdwp/launch/java';
import { bridgeTcpToWs } from '../../jdwp/transport/ws-bridge';
import { VirtualVm } from '../../jdwp/vm/server';
import { runCli, startCli, waitForLine } from '../cli/support';
import { killAll } from '../support/fixtures';
import { debuggerGone, startNodes, startProxy, type ProxyUnderTest } from '../vm/support';
import { makeTestCerts, type TestCerts } from './certs';

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');
const isFabric = (code: number) => (e: unknown) => e instanceof FabricError && e.code === code;

/** Writes a tokens file: name, token and role of each entry (only the token's hash goes in). */
function writeTokens(file: string, entries: Array<[string, string, string]>): void {
  fs.writeFileSync(file, JSON.stringify(entries.map(([name, token, role]) => ({ name, sha256: sha256(token), role }))));
}

describe('guarding the door: TLS, tokens with roles, remote listening', function () {
  this.timeout(90_000);
  const jvms: Jvm[] = [];
  let certs: TestCerts;
  let proxy: ProxyUnderTest;
  let tokensFile: string;

  before(async () => {
    certs = makeTestCerts();
    tokensFile = path.join(certs.dir, 'tokens.json');
    writeTokens(tokensFile, [
      ['reader', 'token of the reader', 'read-only'],
      ['admin', 'token of the admin', 'full'],
    ]);
    await startNodes(jvms, 2);
    proxy = await startProxy(jvms, { listenWs: '127.0.0.1:0', tls: readServerFiles(certs.good.cert, certs.good.key), tokens: new TokenStore(tokensFile) });
  });

  after(async () => {
    await proxy?.close();
    await killAll(jvms);
    if (certs) fs.rmSync(certs.dir, { recursive: true, force: true });
  });

  async function session<T>(token: string, fn: (vm: JdwpClient) => Promise<T>): Promise<T> {
    await debuggerGone(proxy.vm);
    const vm = await connectVm(proxy.vm.wsUrl!, { token, tlsCa: certs.ca, requestTimeoutMs: 10_000 });
    try {
      return await fn(vm);
    } finally {
      await vm.dispose();
    }
  }

  it('serves wss:// to a client that verifies the certificate against the CA, as one VM over every node', async () => {
    assert.match(proxy.vm.wsUrl!, /^wss:\/\/127\.0\.0\.1:\d+\/$/);
    const names = await session('token of the admin', async (vm) => {
      const { threads } = await vm.VirtualMachine.AllThreads();
      return Promise.all(threads.map((t) => vm.ThreadReference.Name(t).then((n) => n.threadName)));
    });
    assert.ok(names.some((n) => n.startsWith('[node-1] ')) && names.some((n) => n.startsWith('[node-2] ')));
  });

  it('refuses a certificate of another CA, an expired one, and one the system store does not know, with error 1043', async () => {
    await debuggerGone(proxy.vm);
    await assert.rejects(connectVm(proxy.vm.wsUrl!, { token: 'token of the admin', handshakeTimeoutMs: 3_000 }), isFabric(FabricErrorCode.CERTIFICATE_REJECTED));
    for (const bad of [certs.expired, certs.wrongCa]) {
      const other = await VirtualVm.start({ listen: '127.0.0.1:0', listenWs: '127.0.0.1:0', tls: readServerFiles(bad.cert, bad.key), token: 't', log: () => {} });
      try {
        await assert.rejects(connectVm(other.wsUrl!, { token: 't', tlsCa: certs.ca, handshakeTimeoutMs: 3_000 }), (e) => isFabric(FabricErrorCode.CERTIFICATE_REJECTED)(e) && /certificate/.test((e as Error).message));
      } finally {
        await other.close();
      }
    }
  });

  it('bridges a stock debugger to wss:// only when the certificate verifies', async () => {
    await debuggerGone(proxy.vm);
    const good = await bridgeTcpToWs({ host: '127.0.0.1', port: 0 }, proxy.vm.wsUrl!, 'token of the reader', readCa(certs.ca));
    const port = (good.address() as { port: number }).port;
    try {
      const vm = await JdwpClient.attach({ host: '127.0.0.1', port }, { requestTimeoutMs: 10_000 });
      assert.match((await vm.VirtualMachine.Version()).vmName, /OpenJDK|HotSpot|Java/);
      await vm.dispose();
    } finally {
      good.close();
    }
    await debuggerGone(proxy.vm);
    const errors: unknown[] = [];
    const bad = await bridgeTcpToWs({ host: '127.0.0.1', port: 0 }, proxy.vm.wsUrl!, 'token of the reader', undefined, (err) => errors.push(err));
    try {
      await assert.rejects(JdwpClient.attach({ host: '127.0.0.1', port: (bad.address() as { port: number }).port }, { handshakeTimeoutMs: 3_000 }));
      assert.equal(errors.length, 1);
      assert.ok(isFabric(FabricErrorCode.CERTIFICATE_REJECTED)(errors[0]), String(errors[0]));
    } finally {
      bad.close();
    }
  });

  it('gives a read-only token the read-only rules for its session alone, and a full token everything', async () => {
    const reader = await session('token of the reader', async (vm) => {
      const refused = await vm.VirtualMachine.SetDefaultStratum('Java').then(
        () => 'accepted',
        (e) => (e instanceof JdwpReplyError ? e.errorName : String(e)),
      );
      return { refused, caps: await vm.VirtualMachine.CapabilitiesNew() };
    });
    assert.equal(reader.refused, 'NOT_IMPLEMENTED');
    assert.equal(reader.caps.canRedefineClasses, false);
    const admin = await session('token of the admin', async (vm) => {
      await vm.VirtualMachine.SetDefaultStratum('');
      return vm.VirtualMachine.CapabilitiesNew();
    });
    assert.equal(admin.canRedefineClasses, true);
    assert.ok(proxy.log.some((l) => /attached \(token reader, read-only\)/.test(l)), proxy.log.join('\n'));
  });

  it('turns away a wrong token with error 1041', async () => {
    await debuggerGone(proxy.vm);
    await assert.rejects(connectVm(proxy.vm.wsUrl!, { token: 'token of nobody', tlsCa: certs.ca, handshakeTimeoutMs: 3_000 }), isFabric(FabricErrorCode.TOKEN_REJECTED));
    assert.ok(proxy.log.some((l) => /refused: wrong token \(HTTP 401\)/.test(l)));
  });

  it('refuses a plain TCP listen beyond loopback without --allow-remote (1042), and says it is unauthenticated with it', async () => {
    await assert.rejects(VirtualVm.start({ listen: '0.0.0.0:0', log: () => {} }), isFabric(FabricErrorCode.REMOTE_NOT_ALLOWED));
    const refused = await runCli(['proxy', '--listen', '0.0.0.0:0']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr.join('\n'), /error 1042: --listen 0\.0\.0\.0:0 is not a loopback address/);
    const run = startCli(['proxy', '--listen', '0.0.0.0:0', '--allow-remote']);
    try {
      const line = await waitForLine(run, 'stderr', (l) => l.startsWith('[fabric] virtual VM listening'));
      assert.match(line, /plain TCP, unauthenticated/);
    } finally {
      run.child.kill('SIGINT');
      await run.exited;
    }
  });

  it('the CLI: a bad tokens file is error 1044; SIGHUP reads the file again without dropping the session; a bad certificate fails trace with 1043', async () => {
    const badFile = path.join(certs.dir, 'bad-tokens.json');
    fs.writeFileSync(badFile, '[{"name": "x", "sha256": "abc", "role": "full"}]');
    const bad = await runCli(['proxy', '--listen', '127.0.0.1:0', '--listen-ws', '127.0.0.1:0', '--tokens', badFile]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr.join('\n'), /error 1044: tokens file .*"sha256" must be 64 hex digits/);

    const file = path.join(certs.dir, 'cli-tokens.json');
    writeTokens(file, [['old', 'old token', 'full']]);
    const run = startCli(['proxy', '--listen', '127.0.0.1:0', '--listen-ws', '127.0.0.1:0', '--tokens', file, '--tls-cert', certs.good.cert, '--tls-key', certs.good.key]);
    try {
      const line = await waitForLine(run, 'stderr', (l) => l.startsWith('[fabric] virtual VM listening'));
      const url = /(wss:\/\/\S+\/)/.exec(line)![1];
      const held = await connectVm(url, { token: 'old token', tlsCa: certs.ca });
      writeTokens(file, [['new', 'new token', 'read-only']]);
      run.child.kill('SIGHUP');
      await waitForLine(run, 'stderr', (l) => l.includes('read again: 1 tokens'));
      assert.match((await held.VirtualMachine.Version()).vmName, /jdwp-fabric/, 'the session that was open stays');
      await held.dispose();
      await waitForLine(run, 'stderr', (l) => /debugger ws .* left/.test(l));
      await assert.rejects(connectVm(url, { token: 'old token', tlsCa: certs.ca }), isFabric(FabricErrorCode.TOKEN_REJECTED));
      const fresh = await connectVm(url, { token: 'new token', tlsCa: certs.ca });
      await fresh.dispose();
      fs.writeFileSync(file, 'not json');
      run.child.kill('SIGHUP');
      await waitForLine(run, 'stderr', (l) => /error 1044: .*keeping the tokens read last/.test(l));

      const trace = await runCli(['trace', '--connect', url, '--tls-ca', path.join(certs.dir, 'other-ca.pem'), '--at', 'fixture.Fixture:1']);
      assert.equal(trace.code, 3);
      assert.match(trace.stderr.join('\n'), /certificate was refused.*\(error 1043\)/);
    } finally {
      run.child.kill('SIGINT');
      await run.exited;
    }
  });
});
