// Node slots: the ID scheme at the highest slot, the slot pool's reuse rule under a seeded join/leave loop, and
// slots through a real proxy: a peer that never opens its link takes none, one that leaves gives its slot back,
// and a slot that left while a debugger was attached comes back only after that debugger has gone.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { JdwpClient } from '../../jdwp/client/client';
import { JdwpConnection } from '../../jdwp/client/connection';
import type { CommandPacket } from '../../jdwp/codec/packet';
import { FabricError, FabricErrorCode } from '../../jdwp/errors';
import type { Jvm } from '../../jdwp/launch/java';
import { MAX_SLOT, NODE_STRIDE, NodeIdSpace, slotOf } from '../../jdwp/vm/ids';
import { VirtualVm } from '../../jdwp/vm/server';
import { SlotPool } from '../../jdwp/vm/slots';
import { killAll } from '../support/fixtures';
import { debuggerGone, sleep, startNode } from './support';
import { seededRandom } from '../support/random';

const TOP = 1n << 63n;


/**
 * A peer on --accept that opens its link like a JVM (handshake, IDSizes, Version, CapabilitiesNew), then answers
 * NOT_IMPLEMENTED to what the join asks, so the proxy drops it; resolves once the proxy has hung up.
 */
async function fakeNodeThatLeaves(port: number): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const conn = new JdwpConnection(socket, { role: 'target' });
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const int = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  conn.on('command', (p: CommandPacket) => {
    if (p.commandSet !== 1) return conn.reply(p.id, 99);
    if (p.command === 7) conn.reply(p.id, 0, Buffer.concat([int(8), int(8), int(8), int(8), int(8)]));
    else if (p.command === 1) conn.reply(p.id, 0, Buffer.concat([str('fake'), int(17), int(0), str('17'), str('Fake VM')]));
    else if (p.command === 17) conn.reply(p.id, 0, Buffer.alloc(32));
    else conn.reply(p.id, 99);
  });
  await new Promise((resolve) => socket.once('close', resolve));
}

describe('node slots', function () {
  this.timeout(60_000);

  it('the highest slot keeps every ID inside 63 bits, and no slot beyond it exists', () => {
    assert.equal(MAX_SLOT, 9_222);
    const top = new NodeIdSpace(MAX_SLOT);
    const largest = top.toVirtual(NODE_STRIDE - 1n);
    assert.ok(largest < TOP, `${largest} spills into the interned bit`);
    assert.equal(slotOf(largest), MAX_SLOT);
    assert.equal(top.toRaw(largest), NODE_STRIDE - 1n);
    const interned = top.toVirtual(NODE_STRIDE * 5n);
    assert.ok((interned & TOP) !== 0n);
    assert.equal(slotOf(interned), MAX_SLOT);
    assert.equal(top.toRaw(interned), NODE_STRIDE * 5n);
    assert.equal(new NodeIdSpace(1).toRaw(largest), undefined, 'an ID of the highest slot is not one of slot 1');
    assert.throws(() => new NodeIdSpace(MAX_SLOT + 1), RangeError);
    assert.throws(() => new NodeIdSpace(0), RangeError);
  });

  it('hands out at most MAX_SLOT slots, then fails with SLOTS_EXHAUSTED (1050)', () => {
    const pool = new SlotPool();
    const taken = new Set<number>();
    for (let i = 0; i < MAX_SLOT; i++) taken.add(pool.take());
    assert.equal(taken.size, MAX_SLOT);
    assert.equal(Math.max(...taken), MAX_SLOT);
    assert.throws(
      () => pool.take(),
      (e: unknown) => e instanceof FabricError && e.code === FabricErrorCode.SLOTS_EXHAUSTED && e.code === 1050,
    );
    pool.release(17);
    assert.equal(pool.take(), 17);
  });

  it('a seeded join/leave loop of 200,000 steps never reuses a slot a live debugger could hold IDs of', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    const pool = new SlotPool(64);
    const up = new Set<number>();
    let attached = false;
    /** Slots that went down while the current debugger was attached. */
    let seenBySession = new Set<number>();
    let joins = 0;
    try {
      for (let step = 0; step < 200_000; step++) {
        const r = random();
        if (r < 0.45) {
          if (up.size + seenBySession.size >= 64) continue;
          const slot = pool.take();
          joins++;
          assert.ok(slot >= 1 && slot <= 64, `slot ${slot} out of range`);
          assert.ok(!up.has(slot), `slot ${slot} handed out twice`);
          assert.ok(!seenBySession.has(slot), `slot ${slot} reused while the debugger that saw it is attached`);
          up.add(slot);
        } else if (r < 0.9) {
          if (!up.size) continue;
          const slot = [...up][Math.floor(random() * up.size)];
          up.delete(slot);
          pool.release(slot);
          if (attached) seenBySession.add(slot);
        } else if (r < 0.93) {
          if (attached) pool.debuggerLeft();
          else pool.debuggerAttached();
          attached = !attached;
          seenBySession = new Set();
        }
        const { free, resting, fresh } = pool.counts;
        assert.equal(free + resting + fresh + up.size, 64, `slots lost at step ${step}`);
      }
    } catch (err) {
      (err as Error).message += ` (SEED=${seed})`;
      throw err;
    }
    assert.ok(joins > 50_000, `${joins} joins`);
  });

  describe('through a real proxy', () => {
    const jvms: Jvm[] = [];
    let vm: VirtualVm | undefined;
    const log: string[] = [];

    afterEach(async () => {
      await vm?.close();
      vm = undefined;
      await killAll(jvms);
    });

    it('a node that left gives its slot back; while a debugger is attached it rests until that debugger has left', async () => {
      vm = await VirtualVm.start({ listen: '127.0.0.1:0', accept: '127.0.0.1:0', log: (l) => log.push(l) });
      const accept = vm.acceptAddress!.port;
      for (let i = 0; i < 30; i++) await fakeNodeThatLeaves(accept);
      await sleep(50);
      assert.deepEqual(vm.cluster.slots.counts, { free: 1, resting: 0, fresh: MAX_SLOT - 1 }, 'the 30 joins shared slot 1');

      const debuggerClient = await JdwpClient.attach({ host: '127.0.0.1', port: vm.address.port });
      for (let i = 0; i < 5; i++) await fakeNodeThatLeaves(accept);
      await sleep(50);
      const during = vm.cluster.slots.counts;
      assert.equal(during.resting, 5, JSON.stringify(during));
      assert.equal(during.fresh, MAX_SLOT - 5, 'slots 2..5 were new: 1 rests with the others');
      const node = await startNode(jvms, { mode: 'dial', dialAddress: `127.0.0.1:${accept}` });
      await vm.waitForNodes(1);
      const link = vm.cluster.live()[0];
      assert.equal(link.slot, 6, 'a node joining while the debugger is attached takes a slot it has never seen');
      const { threads } = await debuggerClient.VirtualMachine.AllThreads();
      assert.ok(threads.every((t) => slotOf(t) === 6));
      await debuggerClient.dispose();
      await debuggerGone(vm);
      assert.deepEqual(vm.cluster.slots.counts, { free: 5, resting: 0, fresh: MAX_SLOT - 6 });
      await node.kill();
      for (let i = 0; i < 50 && vm.cluster.live().length; i++) await sleep(50);
      assert.deepEqual(vm.cluster.slots.counts, { free: 6, resting: 0, fresh: MAX_SLOT - 6 });
      assert.ok(log.some((l) => /node node-6 left \(slot 6\)/.test(l)), log.join('\n'));
    });

    it('peers that never send the handshake hold no slot, and at most 64 of them are kept waiting at once', async () => {
      vm = await VirtualVm.start({ listen: '127.0.0.1:0', accept: '127.0.0.1:0', log: (l) => log.push(l) });
      const port = vm.acceptAddress!.port;
      const silent: net.Socket[] = [];
      const closed = (s: net.Socket) => new Promise((resolve) => s.once('close', resolve));
      try {
        for (let i = 0; i < 64; i++) {
          const s = net.connect({ host: '127.0.0.1', port }).on('error', () => undefined);
          s.resume();
          silent.push(s);
          await new Promise((resolve) => s.once('connect', resolve));
        }
        await sleep(100);
        const extra = net.connect({ host: '127.0.0.1', port }).on('error', () => undefined);
        extra.resume();
        const started = Date.now();
        await closed(extra);
        assert.ok(Date.now() - started < 2_000, 'the 65th was turned away at once');
        assert.ok(log.some((l) => /refused: 64 other dial-ins are still opening/.test(l)), log.join('\n'));
        assert.deepEqual(vm.cluster.slots.counts, { free: 0, resting: 0, fresh: MAX_SLOT });
        assert.equal(vm.cluster.entries.length, 0);
      } finally {
        for (const s of silent) s.destroy();
      }
      await sleep(100);
      await fakeNodeThatLeaves(port);
      assert.deepEqual(vm.cluster.slots.counts, { free: 1, resting: 0, fresh: MAX_SLOT - 1 }, 'dial-ins are taken again once the silent ones left');
    });

    it('a forwarder that accepts TCP but never completes the handshake burns no slot on its retries', async () => {
      let accepted = 0;
      const forwarder = net.createServer((s) => {
        accepted++;
        s.destroy();
      });
      await new Promise<void>((resolve) => forwarder.listen(0, '127.0.0.1', resolve));
      try {
        vm = await VirtualVm.start({ listen: '127.0.0.1:0', nodes: [`fwd=127.0.0.1:${(forwarder.address() as net.AddressInfo).port}`], retryMs: { first: 10, max: 20 }, log: (l) => log.push(l) });
        for (let i = 0; i < 200 && accepted < 20; i++) await sleep(20);
        assert.ok(accepted >= 20, `${accepted} retries`);
        assert.deepEqual(vm.cluster.slots.counts, { free: 0, resting: 0, fresh: MAX_SLOT - 1 }, 'only the slot kept for the configured node is taken');
        assert.deepEqual(vm.cluster.entries.map((e) => [e.name, e.state]), [['fwd', 'connecting']]);
      } finally {
        forwarder.close();
      }
    });
  });
});
