import * as assert from 'node:assert/strict';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { JdwpClient } from '../../jdwp/client/client';
import { FabricError, FabricErrorCode } from '../../jdwp/errors';
import { JDWP } from '../../jdwp/registry';
import type { Location, ThreadID } from '../../jdwp/protocol/wire-types';
import { relistened, type Jvm } from '../../jdwp/launch/java';
import { serverAddress } from '../../jdwp/transport/tcp';
import { HANDSHAKE } from '../../jdwp/codec/packet';
import { dialWs, listenWs, type WsListener } from '../../jdwp/transport/ws';
import { bridgeTcpToWs, bridgeWsToTcp } from '../../jdwp/transport/ws-bridge';
import { killAll, lineOf, startFixture } from '../support/fixtures';
import { codeIndexOfLine, EventQueue, fixtureClass, printed, stopAt } from '../jvm/debuggee';

const codeOf = (e: unknown) => (e instanceof FabricError ? e.code : undefined);

describe('WebSocket transport', function () {
  this.timeout(20_000);
  const jvms: Jvm[] = [];
  const listeners: WsListener[] = [];
  const tcpServers: net.Server[] = [];
  const clients: JdwpClient[] = [];
  let jvm: Jvm;
  const TOKEN = 'correct horse battery staple';

  before(async () => {
    jvm = await startFixture(jvms);
    await printed(jvm, 'fixture ready');
  });

  afterEach(async () => {
    const since = jvm.output.length;
    const attached = clients.length > 0;
    for (const c of clients.splice(0)) await c.dispose();
    if (attached) await relistened(jvm, since);
    await Promise.all(listeners.splice(0).map((l) => l.close()));
    for (const s of tcpServers.splice(0)) s.close();
  });

  after(() => killAll(jvms));

  async function bridge(token?: string): Promise<WsListener> {
    const l = await bridgeWsToTcp({ host: '127.0.0.1', port: 0, token }, { host: '127.0.0.1', port: jvm.port });
    listeners.push(l);
    return l;
  }

  it('carries a JDWP session to a real JVM through a WS-to-TCP bridge, events included', async () => {
    const l = await bridge(TOKEN);
    const vm = await JdwpClient.open(await dialWs(l.url, { token: TOKEN }));
    clients.push(vm);
    const version = await vm.VirtualMachine.Version();
    assert.equal(version.jdwpMajor, Number(version.vmVersion.split('.')[0]));
    assert.equal(vm.sizes.objectIDSize, 8);
    const { threads } = await vm.VirtualMachine.AllThreads();
    const names = await Promise.all(threads.map(async (t) => (await vm.ThreadReference.Name(t)).threadName));
    assert.ok(names.includes('main') && names.includes('fixture-sleeper'), names.join());

    const events = new EventQueue(vm);
    const f = await fixtureClass(vm);
    const work = f.methods.get('work')!;
    const index = await codeIndexOfLine(vm, f.classID, work, lineOf('fixture/Fixture.java', 'BREAK_LINE'));
    const location: Location = { typeTag: JDWP.TypeTag.CLASS, classID: f.classID, methodID: work, index };
    const stop = await stopAt(vm, events, location);
    assert.equal(names[threads.indexOf(stop.thread as ThreadID)], 'main');
    const many = await Promise.all(Array.from({ length: 50 }, () => vm.ThreadReference.Frames(stop.thread, 0, -1)));
    for (const r of many) assert.deepEqual(r.frames[0].location, location);
    await vm.ThreadReference.Resume(stop.thread);
  });

  it('lets jdb-style TCP clients in through a TCP-to-WS bridge', async () => {
    const l = await bridge(TOKEN);
    const local = await bridgeTcpToWs({ host: '127.0.0.1', port: 0 }, l.url, TOKEN);
    tcpServers.push(local);
    const vm = await JdwpClient.attach(serverAddress(local));
    clients.push(vm);
    assert.match((await vm.VirtualMachine.Version()).vmVersion, /^\d+/);
  });

  it('rejects a wrong or missing token with HTTP 401 (TOKEN_REJECTED)', async () => {
    const l = await bridge(TOKEN);
    await assert.rejects(dialWs(l.url, { token: 'wrong' }), (e) => codeOf(e) === FabricErrorCode.TOKEN_REJECTED);
    await assert.rejects(dialWs(l.url), (e) => codeOf(e) === FabricErrorCode.TOKEN_REJECTED);
    await assert.rejects(dialWs(l.url, { token: TOKEN.slice(0, -1) }), (e) => codeOf(e) === FabricErrorCode.TOKEN_REJECTED);
  });

  it('refuses to listen beyond loopback without a token, and allows loopback without one', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.1']) {
      await assert.rejects(listenWs({ host, port: 0 }, () => {}), (e) => codeOf(e) === FabricErrorCode.TOKEN_REQUIRED, host);
    }
    const open = await listenWs({ host: '127.0.0.1', port: 0 }, (s) => s.end());
    listeners.push(open);
    const stream = await dialWs(open.url);
    stream.destroy();
    const guarded = await listenWs({ host: '0.0.0.0', port: 0, token: TOKEN }, (s) => s.end());
    listeners.push(guarded);
    await assert.rejects(dialWs(`ws://127.0.0.1:${guarded.address.port}/`), (e) => codeOf(e) === FabricErrorCode.TOKEN_REJECTED);
  });

  it('moves bytes unchanged in both directions, whatever the frame boundaries', async () => {
    const got: Buffer[] = [];
    let serverSide!: Duplex;
    const done = new Promise<void>((resolve) => {
      void listenWs({ host: '127.0.0.1', port: 0 }, (s) => {
        serverSide = s;
        s.on('data', (c: Buffer) => {
          got.push(c);
          if (Buffer.concat(got).length === 256 * 40) resolve();
        });
      }).then((l) => {
        listeners.push(l);
        void dialWs(l.url).then((c) => {
          const all = Buffer.from(Array.from({ length: 256 * 40 }, (_, i) => i & 0xff));
          for (let off = 0; off < all.length; off += 1 + (off % 97)) c.write(all.subarray(off, off + 1 + (off % 97)));
          c.on('data', (echo: Buffer) => assert.equal(echo.toString(), 'back'));
        });
      });
    });
    await done;
    assert.deepEqual(Buffer.concat(got), Buffer.from(Array.from({ length: 256 * 40 }, (_, i) => i & 0xff)));
    serverSide.destroy();
  });

  it('fails pending requests at once when the WebSocket peer goes away', async () => {
    const l = await listenWs({ host: '127.0.0.1', port: 0 }, (s) => {
      s.once('data', () => {
        s.write(HANDSHAKE);
        s.once('data', () => s.destroy());
      });
    });
    listeners.push(l);
    const started = Date.now();
    await assert.rejects(JdwpClient.open(await dialWs(l.url), { requestTimeoutMs: 10_000 }), (e) => codeOf(e) === FabricErrorCode.CONNECTION_CLOSED);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });

  it('fails with CONNECT_FAILED when nothing listens, and closes the client when the bridge cannot reach its target', async () => {
    const l = await listenWs({ host: '127.0.0.1', port: 0 }, () => {});
    const url = l.url;
    await l.close();
    await assert.rejects(dialWs(url), (e) => codeOf(e) === FabricErrorCode.CONNECT_FAILED);

    const dead = await bridgeWsToTcp({ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 1 });
    listeners.push(dead);
    await assert.rejects(JdwpClient.open(await dialWs(dead.url), { handshakeTimeoutMs: 5000 }), (e) => codeOf(e) === FabricErrorCode.CONNECTION_CLOSED);
  });
});
