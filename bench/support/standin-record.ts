// Records what stand-in nodes (standin.ts) replay: a real bench JVM behind a recording relay, a proxy process over
// that relay, and a client that runs the measured operations through the proxy (attach, AllThreads, the thread
// view, ClassesBySignature, line breakpoints cold and warm). Every command the proxy sends the JVM, at join and for
// these operations, is written with the JVM's reply. Re-record when the proxy asks its nodes other things.
// Run: npx tsc -p . && node out/bench/support/standin-record.js [file=out/bench/standin-recording.json]
import * as fs from 'node:fs';
import type * as net from 'node:net';
import { JdwpConnection } from '../../jdwp/client/connection';
import type { CommandPacket } from '../../jdwp/codec/packet';
import { commandById, commandByName, JDWP } from '../../jdwp/registry';
import type { Jvm } from '../../jdwp/launch/java';
import { dialTcp, listenTcp, serverAddress } from '../../jdwp/transport/tcp';
import { BENCH_SIGNATURE, describeThreads, setAndClear } from '../fanout';
import { attachRetrying, startBenchJvm, startProxyProcess } from '../proxy-support';
import type { RecordedReply, Recording } from './standin';

const COMPOSITE = commandByName('Event.Composite');

/** A relay between the proxy and a JVM (at its current port) that keeps every command, its reply, and the JVM's VMStart. */
async function recordingRelay(jvm: Jvm, recording: Recording): Promise<{ port: number; close(): void }> {
  const connections: JdwpConnection[] = [];
  const server = await listenTcp({ host: '127.0.0.1', port: 0 }, (inbound: net.Socket) => {
    const proxySide = new JdwpConnection(inbound, { role: 'target', label: 'relay (proxy side)' });
    const jvmSide = dialTcp({ host: '127.0.0.1', port: jvm.port }).then((socket) => {
      const c = new JdwpConnection(socket, { role: 'debugger', label: 'relay (JVM side)', requestTimeoutMs: 0 });
      connections.push(proxySide, c);
      c.on('command', (p: CommandPacket) => {
        if (p.commandSet === COMPOSITE.set.id && p.command === COMPOSITE.spec.id && p.data[5] === JDWP.EventKind.VM_START) recording.opening.push(p.data.toString('hex'));
        proxySide.sendCommand(p.commandSet, p.command, p.data);
      });
      c.on('close', () => proxySide.close());
      proxySide.on('close', () => c.close());
      return c.ready.then(() => c);
    });
    jvmSide.catch(() => proxySide.close());
    // Commands that come while the JVM side is still opening wait for it, in order.
    proxySide.on('command', (p: CommandPacket) => {
      const out = Buffer.from(p.data);
      jvmSide
        .then((c) => c.request(p.commandSet, p.command, out))
        .then(
          (reply) => {
            const command = commandById(p.commandSet, p.command)?.fullName ?? `${p.commandSet}/${p.command}`;
            recording.replies.push({ command, out: out.toString('hex'), errorCode: reply.errorCode, data: reply.data.toString('hex') } satisfies RecordedReply);
            proxySide.reply(p.id, reply.errorCode, reply.data);
          },
          () => proxySide.close(),
        );
    });
  });
  return {
    port: serverAddress(server).port,
    close() {
      for (const c of connections) c.close();
      server.close();
    },
  };
}

async function main(): Promise<void> {
  const file = process.argv[2] ?? 'out/bench/standin-recording.json';
  const jvm = await startBenchJvm('idle');
  const recording: Recording = { source: '', opening: [], replies: [] };
  const relay = await recordingRelay(jvm, recording);
  try {
    const proxy = await startProxyProcess([{ port: relay.port }]);
    try {
      for (let session = 0; session < 2; session++) {
        const vm = await attachRetrying(proxy.port);
        const { description } = await vm.VirtualMachine.Version();
        recording.source = `${description.split('\n')[1]} running bench/java/benchfix/BenchLoop idle`;
        await vm.VirtualMachine.IDSizes();
        await vm.VirtualMachine.CapabilitiesNew();
        await describeThreads(vm);
        await vm.VirtualMachine.ClassesBySignature(BENCH_SIGNATURE);
        for (let i = 0; i < 3; i++) await setAndClear(vm);
        await vm.dispose();
      }
    } finally {
      await proxy.close();
    }
  } finally {
    relay.close();
    await jvm.kill();
  }
  const distinct = new Set(recording.replies.map((r) => `${r.command} ${r.out}`));
  fs.writeFileSync(file, JSON.stringify(recording, null, 1));
  const byCommand = new Map<string, number>();
  for (const r of recording.replies) byCommand.set(r.command, (byCommand.get(r.command) ?? 0) + 1);
  console.log(`recorded ${recording.replies.length} replies (${distinct.size} distinct) and ${recording.opening.length} opening event(s) from ${recording.source} into ${file}`);
  console.log([...byCommand].map(([c, n]) => `${c} x${n}`).join(', '));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
