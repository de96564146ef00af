// Junk connections to --accept: 10,000 of them, of five kinds, against the proxy run as its own process
// (bin/jdwp-fabric.js proxy), whose resident set is read from /proc. None may take a slot or a Fabric.Nodes entry,
// flood the log, or grow the RSS by more than 20 MB; the next real node still gets slot 1.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { JdwpClient } from '../../jdwp/client/client';
import { HANDSHAKE } from '../../jdwp/codec/packet';
import type { Jvm } from '../../jdwp/launch/java';
import { slotOf } from '../../jdwp/vm/ids';
import { LEFT_DIAL_INS_KEPT } from '../../jdwp/vm/cluster';
import { killAll, ROOT } from '../support/fixtures';
import { sleep, startNode } from './support';

const JUNK = 10_000;
const WARM_UP = 1_000;
const PARALLEL = 32;
const MB = 1024 * 1024;

/** The resident set of a process, from /proc. */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

/** One junk connection of kind `i % 5`; resolves once it is closed (by the proxy, or by us after 3 s). */
function junk(port: number, i: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(), 3_000);
    socket.on('error', () => undefined);
    socket.resume();
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect', () => {
      switch (i % 5) {
        case 0: // connect, then close
          socket.destroy();
          break;
        case 1: // garbage instead of the handshake
          socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
          break;
        case 2: // the handshake, then close before answering anything
          socket.write(HANDSHAKE);
          socket.once('data', () => socket.destroy());
          break;
        case 3: // the handshake, then a packet header announcing 64 MB
          socket.write(Buffer.concat([HANDSHAKE, Buffer.from([0x03, 0xff, 0xff, 0xf0, 0, 0, 0, 1, 0x80, 0, 0])]));
          break;
        case 4: // the handshake, then a stray reply and a bad length
          socket.write(Buffer.concat([HANDSHAKE, Buffer.from([0, 0, 0, 11, 0x7f, 0, 0, 9, 0x80, 0, 0]), Buffer.from([0, 0, 0, 3])]));
          break;
      }
    });
  });
}

async function junkBurst(port: number, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < count) await junk(port, next++);
    }),
  );
}

interface ProxyProcess {
  child: ChildProcess;
  stderr: string[];
  listen: number;
  accept: number;
}

/** Runs `jdwp-fabric proxy` as a child process and waits for the line with its ports. */
async function startProxyProcess(): Promise<ProxyProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'jdwp-fabric.js'), 'proxy', '--listen', '127.0.0.1:0', '--accept', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  let buffered = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    stderr.push(...lines);
  });
  for (let i = 0; i < 200; i++) {
    const line = stderr.find((l) => /listening on/.test(l));
    const m = line && /listening on 127\.0\.0\.1:(\d+); nodes may dial in at 127\.0\.0\.1:(\d+)/.exec(line);
    if (m) return { child, stderr, listen: Number(m[1]), accept: Number(m[2]) };
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`the proxy did not start:\n${stderr.join('\n')}`);
}

describe('junk connections to --accept', function () {
  this.timeout(180_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyProcess | undefined;

  after(async () => {
    await killAll(jvms);
    if (proxy && proxy.child.exitCode === null) {
      proxy.child.kill('SIGTERM');
      await new Promise((r) => proxy!.child.once('exit', r));
    }
  });

  it(`${JUNK.toLocaleString('en')} of them keep the RSS within 20 MB, list nothing, log a bounded amount and take no slot`, async () => {
    proxy = await startProxyProcess();
    const pid = proxy.child.pid!;
    await junkBurst(proxy.accept, WARM_UP);
    await sleep(1_000);
    const before = rssOf(pid);
    const linesBefore = proxy.stderr.length;
    const started = Date.now();
    await junkBurst(proxy.accept, JUNK);
    const took = Date.now() - started;
    await sleep(1_500);
    const after = rssOf(pid);
    const logged = proxy.stderr.length - linesBefore;
    console.log(`      (proxy RSS ${(before / MB).toFixed(1)} MB after ${WARM_UP} warm-up connections, ${(after / MB).toFixed(1)} MB after ${JUNK} more in ${took} ms; ${logged} log lines)`);
    assert.ok(after - before < 20 * MB, `RSS grew by ${((after - before) / MB).toFixed(1)} MB`);
    assert.ok(logged < 1_000, `${logged} log lines for ${JUNK} junk connections:\n${proxy.stderr.slice(-20).join('\n')}`);
    assert.ok(proxy.stderr.some((l) => /more dial-ins failed or were refused within a second/.test(l)), proxy.stderr.slice(-20).join('\n'));

    const vm = await JdwpClient.attach({ host: '127.0.0.1', port: proxy.listen });
    try {
      const { nodes } = await vm.Fabric.Nodes();
      assert.ok(nodes.length <= LEFT_DIAL_INS_KEPT, `${nodes.length} Fabric.Nodes entries`);
      assert.equal(nodes.length, 0, 'no junk connection opened its link, so none is listed');
      await startNode(jvms, { mode: 'dial', dialAddress: `127.0.0.1:${proxy.accept}` });
      let listed: typeof nodes = [];
      for (let i = 0; i < 200 && !listed.some((n) => n.state === 'up'); i++) {
        await sleep(50);
        listed = (await vm.Fabric.Nodes()).nodes;
      }
      assert.deepEqual(
        listed.map((n) => [n.slot, n.name, n.state]),
        [[1, 'node-1', 'up']],
      );
      const { threads } = await vm.VirtualMachine.AllThreads();
      assert.ok(threads.length > 0 && threads.every((t) => slotOf(t) === 1), 'the real node has slot 1 and its IDs say so');
    } finally {
      await vm.dispose();
    }
  });
});
