// What the fuzzer found with seeds 1, 4 and 12 (every node's main thread left suspended once its debugger left),
// replayed with a few packets: a request set by a command still being served when the debugger left outlived the
// session's cleanup, and a suspend policy that is none of the three reached the nodes.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { HANDSHAKE } from '../../jdwp/codec/packet';
import type { Jvm } from '../../jdwp/launch/java';
import { JDWP } from '../../jdwp/registry';
import { killAll } from '../support/fixtures';
import { assertNothingSuspended, attachAfterDebugger, debuggerGone, sleep, startNodes, startProxy, type ProxyUnderTest } from './support';

const E = JDWP.Error;

/** Fabric.SetBreakpointBySymbol: the first line of every method of fixture.Fixture, with a suspend policy. */
function breakpointBySymbol(id: number, policy: number): Buffer {
  const signature = Buffer.from('Lfixture/Fixture;');
  const data = Buffer.alloc(4 + signature.length + 4 + 4 + 4 + 1);
  let at = data.writeInt32BE(signature.length, 0);
  at += signature.copy(data, at);
  at = data.writeInt32BE(0, at); // any symbol hash
  at = data.writeInt32BE(0, at); // every method
  at = data.writeInt32BE(-1, at); // its first line
  data[at] = policy;
  const head = Buffer.alloc(11);
  head.writeUInt32BE(11 + data.length, 0);
  head.writeUInt32BE(id, 4);
  head[9] = 128;
  head[10] = 3;
  return Buffer.concat([head, data]);
}

/** A packet whose length is below the header: the proxy drops the debugger on reading it. */
const BAD_LENGTH = Buffer.from('0000000000000002000e01', 'hex');

/** Connects, handshakes, writes the bytes in one write and waits until the proxy has dropped the connection. */
async function sendAndBeDropped(port: number, bytes: Buffer): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(HANDSHAKE);
  await new Promise((resolve) => socket.once('data', resolve));
  socket.write(bytes);
  await new Promise((resolve) => socket.once('close', resolve));
}

describe('session cleanup: nothing a leaving debugger sent outlives it', function () {
  this.timeout(60_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest;

  before(async () => {
    await startNodes(jvms, 3);
    proxy = await startProxy(jvms);
  });

  after(async () => {
    await proxy?.close();
    await killAll(jvms);
  });

  it('a request whose command was still being checked when the debugger left is not set on any node', async () => {
    await debuggerGone(proxy.vm);
    // The breakpoint and the bad packet arrive together: the debugger leaves while the breakpoint is checked.
    await sendAndBeDropped(proxy.vm.address.port, Buffer.concat([breakpointBySymbol(1, JDWP.SuspendPolicy.EVENT_THREAD), BAD_LENGTH]));
    await debuggerGone(proxy.vm);
    // The fixture calls Fixture.work every 100 ms: a breakpoint left behind hits several times a second.
    const before = proxy.vm.router.strayEvents;
    await sleep(1_000);
    assert.equal(proxy.vm.router.strayEvents - before, 0, `events of a request left on the nodes after the debugger left\n${proxy.log.slice(-10).join('\n')}`);
    await assertNothingSuspended(proxy.vm, 3);
  });

  it('the fuzzer\'s packets (seed 1: a breakpoint of suspend policy 8, then a bad length) leave no node suspended', async () => {
    await debuggerGone(proxy.vm);
    await sendAndBeDropped(proxy.vm.address.port, Buffer.concat([breakpointBySymbol(2, 8), BAD_LENGTH]));
    await sleep(500); // every node's main thread passes Fixture.work meanwhile
    await assertNothingSuspended(proxy.vm, 3);
  });

  it('a suspend policy that is none of NONE, EVENT_THREAD and ALL is refused before it reaches a node', async () => {
    const vm = await attachAfterDebugger(proxy.vm);
    try {
      await assert.rejects(vm.Fabric.SetBreakpointBySymbol('Lfixture/Fixture;', '', '', -1, 8), (err: { errorCode?: number }) => err.errorCode === E.ILLEGAL_ARGUMENT);
      await assert.rejects(vm.EventRequest.Set(JDWP.EventKind.METHOD_ENTRY, 3, []), (err: { errorCode?: number }) => err.errorCode === E.ILLEGAL_ARGUMENT);
      await sleep(500);
    } finally {
      await vm.dispose();
    }
    await assertNothingSuspended(proxy.vm, 3);
  });
});
