import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { JdwpClient } from '../../jdwp/client/client';
import { JdwpConnection } from '../../jdwp/client/connection';
import type { ThreadID } from '../../jdwp/protocol/wire-types';
import { HANDSHAKE } from '../../jdwp/codec/packet';
import { JdwpReplyError } from '../../jdwp/errors';
import type { Jvm } from '../../jdwp/launch/java';
import { JDWP } from '../../jdwp/registry';
import { killAll } from '../support/fixtures';
import { attachAfterDebugger, startNodes, startProxy, type ProxyUnderTest } from './support';

const E = JDWP.Error;

function jdwpError(name: string) {
  return (e: unknown) => e instanceof JdwpReplyError && e.errorName === name;
}

/** Resolves once the kernel reports the process stopped (state T), so no reply of it can still be on the way. */
async function stoppedState(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('T')) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`process ${pid} did not stop`);
}

/** A raw debugger connection to the proxy, for packets no client would send. */
async function rawDebugger(port: number): Promise<JdwpConnection> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const conn = new JdwpConnection(socket, { role: 'debugger', requestTimeoutMs: 10_000 });
  await conn.ready;
  return conn;
}

describe('virtual VM faults and refusals', function () {
  this.timeout(60_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest;

  before(async () => {
    await startNodes(jvms, 2);
  });

  afterEach(async () => {
    await proxy?.close();
  });

  after(() => killAll(jvms));

  it('answers malformed and unknown commands with JDWP errors and keeps serving', async () => {
    proxy = await startProxy(jvms);
    const conn = await rawDebugger(proxy.vm.address.port);
    try {
      const truncated = await conn.request(11, 6, Buffer.from([0, 0, 0]));
      assert.equal(truncated.errorCode, E.ILLEGAL_ARGUMENT);
      const unknownSet = await conn.request(200, 1, Buffer.alloc(0));
      assert.equal(unknownSet.errorCode, E.NOT_IMPLEMENTED);
      const unknownCommand = await conn.request(1, 99, Buffer.alloc(0));
      assert.equal(unknownCommand.errorCode, E.NOT_IMPLEMENTED);
      const version = await conn.request(1, 1, Buffer.alloc(0));
      assert.equal(version.errorCode, 0);
    } finally {
      conn.close();
    }
    assert.ok(proxy.log.some((l) => /unknown command 200\/1/.test(l)), proxy.log.join('\n'));
  });

  it('survives a debugger that sends a bad handshake or a bad length, and takes the next debugger', async () => {
    proxy = await startProxy(jvms);
    const bad = net.connect({ host: '127.0.0.1', port: proxy.vm.address.port });
    await new Promise((r) => bad.once('connect', r));
    bad.write('JDWP-Hamburger');
    await new Promise((r) => bad.once('close', r));
    const length = net.connect({ host: '127.0.0.1', port: proxy.vm.address.port });
    await new Promise((r) => length.once('connect', r));
    length.write(Buffer.concat([HANDSHAKE, Buffer.from([0, 0, 0, 3, 0, 0, 0, 1, 0, 1, 1])]));
    await new Promise((r) => length.once('close', r));
    const vm = await attachAfterDebugger(proxy.vm);
    assert.equal((await vm.VirtualMachine.AllThreads()).threads.length > 0, true);
    await vm.dispose();
  });

  it('refuses Exit without --allow-exit, and every target-changing command under --read-only', async () => {
    proxy = await startProxy(jvms, { readOnly: true });
    const vm = await attachAfterDebugger(proxy.vm);
    try {
      await assert.rejects(vm.VirtualMachine.Exit(0), jdwpError('NOT_IMPLEMENTED'));
      const caps = await vm.VirtualMachine.CapabilitiesNew();
      assert.equal(caps.canRedefineClasses, false);
      assert.equal(caps.canPopFrames, false);
      assert.equal(caps.canGetBytecodes, true);
      const { classes } = await vm.VirtualMachine.ClassesBySignature('Lfixture/Fixture;');
      const type = classes[0].typeID;
      const { declared } = await vm.ReferenceType.Methods(type);
      const add = declared.find((m) => m.name === 'add')!;
      const { threads } = await vm.VirtualMachine.AllThreads();
      await assert.rejects(vm.ClassType.InvokeMethod(type as never, threads[0], add.methodID, [], 0), jdwpError('NOT_IMPLEMENTED'));
      const counter = (await vm.ReferenceType.Fields(type)).declared.find((f) => f.name === 'counter')!;
      await assert.rejects(vm.ClassType.SetValues(type as never, [{ fieldID: counter.fieldID, value: { tag: JDWP.Tag.INT, value: 0 } }]), jdwpError('NOT_IMPLEMENTED'));
      await assert.rejects(vm.VirtualMachine.RedefineClasses([{ refType: type, classfile: [0xca, 0xfe] }]), jdwpError('NOT_IMPLEMENTED'));
      assert.ok((await vm.ReferenceType.GetValues(type, [{ fieldID: counter.fieldID }])).values.length === 1, 'reads still work');
    } finally {
      await vm.dispose();
    }
  });

  it('answers a stalled node\'s part of a fan-out without it, and a stale ID of a node that left with INVALID_THREAD', async () => {
    const extra: Jvm[] = [];
    const [stalled] = await startNodes(extra, 1);
    proxy = await startProxy([...jvms, stalled], { fanoutTimeoutMs: 1_000 });
    const vm = await attachAfterDebugger(proxy.vm);
    try {
      const all = (await vm.VirtualMachine.AllThreads()).threads;
      const names = await Promise.all(all.map((t) => vm.ThreadReference.Name(t)));
      const ofNode3 = all.filter((_, i) => names[i].threadName.startsWith('[node-3]'));
      assert.ok(ofNode3.length > 0);
      const { modules } = await vm.VirtualMachine.AllModules();
      stalled.process.kill('SIGSTOP');
      await stoppedState(stalled.process.pid!);
      // AllThreads answers from the proxy's thread mirror; AllModules still asks every node.
      assert.equal((await vm.VirtualMachine.AllThreads()).threads.length, all.length, 'the mirror still lists a stalled node\'s threads');
      const t0 = Date.now();
      const during = (await vm.VirtualMachine.AllModules()).modules;
      assert.ok(Date.now() - t0 < 5_000, 'a stalled node does not hold the fan-out past its timeout');
      assert.equal(during.length, (modules.length / 3) * 2);
      assert.ok(proxy.log.some((l) => /node node-3 stalled/.test(l)), proxy.log.join('\n'));
      assert.ok((await vm.ThreadReference.Name(all.find((_, i) => names[i].threadName.startsWith('[node-1]'))!)).threadName.length > 0, 'other nodes answer meanwhile');
      stalled.process.kill('SIGCONT');
      await stalled.kill();
      for (let i = 0; i < 100 && proxy.vm.cluster.live().length > 2; i++) await new Promise((r) => setTimeout(r, 50));
      await assert.rejects(vm.ThreadReference.Name(ofNode3[0] as ThreadID), jdwpError('INVALID_THREAD'));
      assert.equal((await vm.VirtualMachine.AllThreads()).threads.length, all.length - ofNode3.length);
    } finally {
      stalled.process.kill('SIGCONT');
      await vm.dispose();
      await killAll(extra);
    }
  });

  it('refuses a second debugger while one is attached', async () => {
    proxy = await startProxy(jvms);
    const first = await attachAfterDebugger(proxy.vm);
    try {
      await assert.rejects(JdwpClient.attach(proxy.vm.address, { handshakeTimeoutMs: 3_000 }));
      assert.equal((await first.VirtualMachine.AllThreads()).threads.length > 0, true);
    } finally {
      await first.dispose();
    }
  });
});
