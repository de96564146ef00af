import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { JdwpClient } from '../../jdwp/client/client';
import { JdwpConnection } from '../../jdwp/client/connection';
import { encodeCommand, encodeReply, type ReplyPacket } from '../../jdwp/codec/packet';
import { FabricError, FabricErrorCode, CodecError } from '../../jdwp/errors';
import { COMPOSITE, commandByName } from '../../jdwp/registry';
import { DEFAULT_ID_SIZES, type ThreadID } from '../../jdwp/protocol/wire-types';
import { dialTcp } from '../../jdwp/transport/tcp';
import { FakeTarget } from './fake-target';
import { Prng } from '../protocol/values';

const targets: FakeTarget[] = [];
const conns: JdwpConnection[] = [];

async function fake(options: Parameters<typeof FakeTarget.start>[0]): Promise<FakeTarget> {
  const t = await FakeTarget.start(options);
  targets.push(t);
  return t;
}

async function connect(t: FakeTarget, options: { handshakeTimeoutMs?: number; requestTimeoutMs?: number } = {}): Promise<JdwpConnection> {
  const socket = await dialTcp({ host: '127.0.0.1', port: t.port });
  const c = new JdwpConnection(socket, { role: 'debugger', ...options });
  conns.push(c);
  return c;
}

function codeOf(err: unknown): number | undefined {
  return err instanceof FabricError ? err.code : undefined;
}

describe('connection faults against fake peers', () => {
  afterEach(async () => {
    for (const c of conns.splice(0)) c.close();
    await Promise.all(targets.splice(0).map((t) => t.close()));
  });

  it('fails every pending request at once with CONNECTION_CLOSED when the socket drops', async () => {
    const t = await fake({});
    const c = await connect(t, { requestTimeoutMs: 30_000 });
    await c.ready;
    const pending = Array.from({ length: 100 }, (_, i) => c.request(1, 1, Buffer.from([i])));
    const settled = Promise.allSettled(pending);
    await t.waitFor(100);
    assert.equal(c.pendingCount, 100);
    const dropped = Date.now();
    t.sockets[0].destroy();
    const results = await settled;
    assert.ok(Date.now() - dropped < 1000, `rejected ${Date.now() - dropped} ms after the drop`);
    assert.deepEqual(new Set(results.map((r) => r.status)), new Set(['rejected']));
    assert.deepEqual(new Set(results.map((r) => codeOf((r as PromiseRejectedResult).reason))), new Set([FabricErrorCode.CONNECTION_CLOSED]));
    assert.equal(c.pendingCount, 0);
    assert.ok(c.closed);
    await assert.rejects(c.request(1, 1, Buffer.alloc(0)), (e) => codeOf(e) === FabricErrorCode.CONNECTION_CLOSED);
  });

  it('rejects typed calls pending on a dropped client the same way', async () => {
    const t = await fake({});
    const vm = await JdwpClient.attach({ host: '127.0.0.1', port: t.port });
    const closed = new Promise((resolve) => vm.once('close', resolve));
    const calls = Array.from({ length: 20 }, (_, i) => vm.ThreadReference.Name(BigInt(i + 1) as ThreadID));
    const settled = Promise.allSettled(calls);
    await t.waitFor(20);
    t.sockets[0].end();
    const results = await settled;
    assert.ok(results.every((r) => r.status === 'rejected' && codeOf(r.reason) === FabricErrorCode.CONNECTION_CLOSED));
    assert.ok((await closed) instanceof FabricError);
  });

  it('times out a request to a silent peer with REQUEST_TIMEOUT and ignores the late reply', async () => {
    let late: (() => void) | undefined;
    const t = await fake({ behaviour: (p, socket) => (late = () => socket.write(encodeReply(p.id, 0, Buffer.alloc(0)))) });
    const c = await connect(t);
    await c.ready;
    const started = Date.now();
    await assert.rejects(c.request(1, 1, Buffer.alloc(0), { timeoutMs: 150 }), (e) => codeOf(e) === FabricErrorCode.REQUEST_TIMEOUT);
    const waited = Date.now() - started;
    assert.ok(waited >= 140 && waited < 2000, `waited ${waited} ms`);
    assert.equal(c.pendingCount, 0);
    const stray = new Promise<ReplyPacket>((resolve) => c.once('strayReply', resolve));
    late!();
    assert.equal((await stray).id, t.received[0].id);
    assert.ok(!c.closed, 'a late reply does not kill the connection');
    const ok = c.request(1, 1, Buffer.alloc(0), { timeoutMs: 2000 });
    await t.waitFor(2);
    late!();
    assert.equal((await ok).errorCode, 0);
  });

  it('fails the handshake with HANDSHAKE_TIMEOUT when the peer never answers it', async () => {
    const t = await fake({ handshake: false });
    const c = await connect(t, { handshakeTimeoutMs: 150 });
    await assert.rejects(c.ready, (e) => codeOf(e) === FabricErrorCode.HANDSHAKE_TIMEOUT);
    assert.ok(c.closed);
    await assert.rejects(JdwpClient.attach({ host: '127.0.0.1', port: t.port }, { handshakeTimeoutMs: 150 }), (e) => codeOf(e) === FabricErrorCode.HANDSHAKE_TIMEOUT);
  });

  it('fails the handshake with BAD_HANDSHAKE when the peer answers something else', async () => {
    const t = await fake({ handshakeBytes: Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n') });
    await assert.rejects(JdwpClient.attach({ host: '127.0.0.1', port: t.port }), (e) => codeOf(e) === FabricErrorCode.BAD_HANDSHAKE);
  });

  it('fails with CONNECTION_CLOSED when the peer hangs up during the handshake, and CONNECT_FAILED when nobody listens', async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      await assert.rejects(JdwpClient.attach({ host: '127.0.0.1', port }), (e) => codeOf(e) === FabricErrorCode.CONNECTION_CLOSED);
    } finally {
      await new Promise((r) => server.close(r));
    }
    await assert.rejects(JdwpClient.attach({ host: '127.0.0.1', port }), (e) => codeOf(e) === FabricErrorCode.CONNECT_FAILED);
  });

  it('reports garbage after the handshake as a protocolError and closes, failing what was pending', async () => {
    const t = await fake({ behaviour: (_p, socket) => socket.write(Buffer.from([0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef])) });
    const c = await connect(t);
    await c.ready;
    const protocolError = new Promise<CodecError>((resolve) => c.once('protocolError', resolve));
    const closed = new Promise<Error>((resolve) => c.once('close', resolve));
    const first = c.request(1, 1, Buffer.alloc(0));
    await assert.rejects(first, (e) => codeOf(e) === FabricErrorCode.CONNECTION_CLOSED);
    assert.equal((await protocolError).code, FabricErrorCode.BAD_LENGTH);
    assert.equal(codeOf(await closed), FabricErrorCode.BAD_LENGTH);
    assert.equal(c.pendingCount, 0);
  });

  it('reports an over-long packet from the peer as PACKET_TOO_LARGE', async () => {
    const t = await fake({ behaviour: (p, socket) => socket.write(encodeReply(p.id, 0, Buffer.alloc(2000))) });
    const vm = await JdwpClient.attach({ host: '127.0.0.1', port: t.port }, { maxPacketSize: 1024 });
    const err = new Promise<CodecError>((resolve) => vm.connection.once('protocolError', resolve));
    await assert.rejects(vm.VirtualMachine.Version(), (e) => codeOf(e) === FabricErrorCode.CONNECTION_CLOSED);
    assert.equal((await err).code, FabricErrorCode.PACKET_TOO_LARGE);
  });

  it('matches many pipelined requests answered out of order', async () => {
    const nameCmd = commandByName('ThreadReference.Name');
    const n = 300;
    const t = await fake({
      behaviour: (_p, socket, target) => {
        if (target.received.length < n) return;
        // Every request is in before the first reply goes out, and the replies go out shuffled.
        const rng = new Prng(5);
        const order = target.received.map((_, i) => i);
        for (let i = order.length - 1; i > 0; i--) {
          const j = rng.below(i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
        const replies = order.map((k) => {
          const q = target.received[k];
          const { thread } = nameCmd.out.decode(q.data, 0, q.data.length, DEFAULT_ID_SIZES);
          return encodeReply(q.id, 0, nameCmd.reply!.encode(DEFAULT_ID_SIZES, { threadName: `thread-${thread}` }));
        });
        const all = Buffer.concat(replies);
        for (let off = 0; off < all.length; off += 777) socket.write(all.subarray(off, off + 777));
      },
    });
    const vm = await JdwpClient.attach({ host: '127.0.0.1', port: t.port });
    try {
      const ids = Array.from({ length: n }, (_, i) => BigInt(1000 + i * 7) as ThreadID);
      const names = await Promise.all(ids.map((id) => vm.ThreadReference.Name(id)));
      assert.deepEqual(names.map((x) => x.threadName), ids.map((id) => `thread-${id}`));
      assert.equal(new Set(t.received.map((p) => p.id)).size, n, 'distinct packet ids');
      assert.equal(vm.connection.pendingCount, 0);
    } finally {
      vm.close();
    }
  });

  it('delivers events that arrive between replies, and reports an undecodable event without closing', async () => {
    const event = COMPOSITE.out.encode(DEFAULT_ID_SIZES, { suspendPolicy: 0, events: [{ eventKind: 90, requestID: 0, thread: 7n }] });
    const version = commandByName('VirtualMachine.Version');
    const t = await fake({
      behaviour: (p, socket) => {
        socket.write(encodeCommand(1, 64, 100, Buffer.from([0, 0, 0, 0, 1, 77])));
        socket.write(encodeCommand(2, 64, 100, event));
        socket.write(encodeReply(p.id, 0, version.reply!.encode(DEFAULT_ID_SIZES, { description: 'fake', jdwpMajor: 17, jdwpMinor: 0, vmVersion: '17', vmName: 'fake' })));
      },
    });
    const vm = await JdwpClient.attach({ host: '127.0.0.1', port: t.port });
    try {
      const bad = new Promise<CodecError>((resolve) => vm.once('protocolError', resolve));
      const got = new Promise<unknown>((resolve) => vm.once('event', resolve));
      const v = await vm.VirtualMachine.Version();
      assert.equal(v.description, 'fake');
      assert.deepEqual(await got, { suspendPolicy: 0, events: [{ eventKind: 90, requestID: 0, thread: 7n }] });
      assert.equal((await bad).code, FabricErrorCode.UNKNOWN_ALTERNATIVE);
      assert.ok(!vm.connection.closed);
    } finally {
      vm.close();
    }
  });
});
