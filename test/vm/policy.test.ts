// The connection policy: loopback is decided on resolved addresses, --listen and --accept beyond loopback need
// --allow-remote (REMOTE_NOT_ALLOWED, 1042), the Bearer scheme is matched case-insensitively, and refused
// connections are logged.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { WebSocket } from 'ws';
import { JdwpClient } from '../../jdwp/client/client';
import { FabricError, FabricErrorCode } from '../../jdwp/errors';
import { isLoopbackAddress, resolveLoopback } from '../../jdwp/transport/tcp';
import { VirtualVm } from '../../jdwp/vm/server';
import { ROOT } from '../support/fixtures';
import { sleep } from './support';

const TOKEN = 'policy-test-token';

function remoteRefused(e: unknown): boolean {
  return e instanceof FabricError && e.code === FabricErrorCode.REMOTE_NOT_ALLOWED && e.code === 1042;
}

/** Opens a WebSocket with an Authorization header as given; resolves with the HTTP status (101 when it opened). */
function wsStatus(url: string, authorization?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: authorization ? { authorization } : {}, perMessageDeflate: false });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (req, res) => {
      req.destroy();
      resolve(res.statusCode ?? 0);
    });
    ws.once('error', (err) => reject(err));
  });
}

describe('connection policy', function () {
  this.timeout(30_000);

  it('classifies addresses as loopback by what they are, not how they read', () => {
    for (const ip of ['127.0.0.1', '127.255.3.4', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::FFFF:127.9.9.9']) assert.ok(isLoopbackAddress(ip), ip);
    for (const ip of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '::ffff:10.0.0.1', '::2', 'fe80::1', 'localhost', '127.attacker.example', '']) assert.ok(!isLoopbackAddress(ip), ip);
  });

  it('decides a host name on every address it resolves to', async () => {
    assert.deepEqual(await resolveLoopback('localhost'), { loopback: true, addresses: ['127.0.0.1'] });
    assert.deepEqual(await resolveLoopback('127.1'), { loopback: true, addresses: ['127.0.0.1'] });
    assert.deepEqual(await resolveLoopback('10.1'), { loopback: false, addresses: ['10.0.0.1'] });
    assert.equal((await resolveLoopback('127.attacker.example')).loopback, false);
  });

  it('refuses --accept and --listen beyond loopback without allowRemote, with REMOTE_NOT_ALLOWED', async () => {
    await assert.rejects(VirtualVm.start({ listen: '127.0.0.1:0', accept: '0.0.0.0:0', log: () => {} }), remoteRefused);
    await assert.rejects(VirtualVm.start({ listen: '127.0.0.1:0', accept: '10.1:0', log: () => {} }), (e) => remoteRefused(e) && /resolves to 10\.0\.0\.1/.test((e as Error).message));
    await assert.rejects(VirtualVm.start({ listen: '127.attacker.example:0', log: () => {} }), remoteRefused);
    await assert.rejects(VirtualVm.start({ listen: '0.0.0.0:0', log: () => {} }), remoteRefused);
    const vm = await VirtualVm.start({ listen: '127.1:0', accept: '0.0.0.0:0', allowRemote: true, log: () => {} });
    try {
      assert.equal(vm.acceptAddress!.host, '0.0.0.0');
    } finally {
      await vm.close();
    }
  });

  it('the CLI refuses --accept 0.0.0.0 without --allow-remote with error 1042', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'jdwp-fabric.js'), 'proxy', '--listen', '127.0.0.1:0', '--accept', '0.0.0.0:0'], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(r.status, 2, `exit ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
    assert.match(r.stderr, /error 1042: --accept 0\.0\.0\.0:0 is not a loopback address \(it resolves to 0\.0\.0\.0\).*--allow-remote/);
  });

  it('matches the Bearer scheme case-insensitively and logs each 401', async () => {
    const log: string[] = [];
    const vm = await VirtualVm.start({ listen: '127.0.0.1:0', listenWs: '127.0.0.1:0', token: TOKEN, log: (l) => log.push(l) });
    try {
      const url = vm.wsUrl!;
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        assert.equal(await wsStatus(url, `${scheme} ${TOKEN}`), 101, scheme);
        for (let i = 0; i < 100 && vm.session; i++) await sleep(20);
      }
      assert.equal(await wsStatus(url, 'Bearer wrong'), 401);
      assert.equal(await wsStatus(url), 401);
      assert.equal(await wsStatus(url, `Basic ${TOKEN}`), 401);
      const refused = log.filter((l) => /^\[fabric\] debugger ws 127\.0\.0\.1:\d+ refused: .* \(HTTP 401\)$/.test(l));
      assert.deepEqual(
        refused.map((l) => /refused: (.*) \(HTTP 401\)/.exec(l)![1]),
        ['wrong token', 'no token', 'not a Bearer token'],
        log.join('\n'),
      );
    } finally {
      await vm.close();
    }
  });

  it('logs a refused second debugger', async () => {
    const log: string[] = [];
    const vm = await VirtualVm.start({ listen: '127.0.0.1:0', log: (l) => log.push(l) });
    const first = await JdwpClient.attach({ host: '127.0.0.1', port: vm.address.port });
    try {
      const second = net.connect({ host: '127.0.0.1', port: vm.address.port }).on('error', () => undefined);
      second.resume();
      await new Promise((resolve) => second.once('close', resolve));
      assert.ok(log.some((l) => /^\[fabric\] debugger 127\.0\.0\.1:\d+ refused: another debugger is attached$/.test(l)), log.join('\n'));
    } finally {
      await first.dispose();
      await vm.close();
    }
  });
});
