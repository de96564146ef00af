// Captures real JDWP packets for the hex fixtures: starts the fixture JVM, puts a TCP tap between the
// typed client and the JVM, drives a breakpoint session, and writes the chosen packets to test/fixtures/hex.
// Run: npx tsc -p . && node out/bench/support/capture-hex.js
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { JdwpClient } from '../../jdwp/client/client';
import { PacketFramer } from '../../jdwp/codec/framer';
import { decodePacket } from '../../jdwp/codec/packet';
import { tagOfSignature } from '../../jdwp/codec/tags';
import type { Location } from '../../jdwp/protocol/wire-types';
import { JDWP } from '../../jdwp/registry';
import { dialTcp, listenTcp, serverAddress } from '../../jdwp/transport/tcp';
import type { Jvm } from '../../jdwp/launch/java';
import { killAll, lineOf, ROOT, startFixture } from '../../test/support/fixtures';
import { codeIndexOfLine, EventQueue, fixtureClass, printed, stopAt } from '../../test/jvm/debuggee';

/** One packet seen by the tap, with the direction it travelled. */
interface Tapped {
  toVm: boolean;
  bytes: Buffer;
}

/** A TCP tap: accepts one client, dials the target, forwards both ways and records every packet. */
async function tap(target: { host: string; port: number }, seen: Tapped[]): Promise<net.Server> {
  return listenTcp({ host: '127.0.0.1', port: 0 }, (client) => {
    client.on('error', () => client.destroy());
    dialTcp(target).then((vmSocket) => {
      for (const [from, to, toVm] of [[client, vmSocket, true], [vmSocket, client, false]] as const) {
        const framer = new PacketFramer({ handshake: true });
        framer.onPacket = (p) => seen.push({ toVm, bytes: Buffer.from(p) });
        from.on('data', (chunk: Buffer) => {
          framer.push(chunk);
          to.write(chunk);
        });
        from.on('close', () => to.destroy());
        from.on('error', () => to.destroy());
      }
    }, () => client.destroy());
  });
}

function toHex(description: string, bytes: Buffer): string {
  const lines = [`# ${description}`];
  const hex = bytes.toString('hex');
  for (let i = 0; i < hex.length; i += 64) lines.push(hex.slice(i, i + 64));
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const jvms: Jvm[] = [];
  const seen: Tapped[] = [];
  const outDir = path.join(ROOT, 'test', 'fixtures', 'hex');
  try {
    const jvm = await startFixture(jvms);
    await printed(jvm, 'fixture ready');
    const tapServer = await tap({ host: '127.0.0.1', port: jvm.port }, seen);
    const vm = await JdwpClient.attach(serverAddress(tapServer));
    const events = new EventQueue(vm);
    const version = await vm.VirtualMachine.Version();
    const fixture = await fixtureClass(vm);
    const work = fixture.methods.get('work')!;
    const line = lineOf('fixture/Fixture.java', 'BREAK_LINE');
    const location: Location = { typeTag: JDWP.TypeTag.CLASS, classID: fixture.classID, methodID: work, index: await codeIndexOfLine(vm, fixture.classID, work, line) };
    const stop = await stopAt(vm, events, location);
    const { frames } = await vm.ThreadReference.Frames(stop.thread, 0, -1);
    const vars = await vm.Method.VariableTable(fixture.classID, work);
    const live = vars.slots.filter((s) => s.codeIndex <= location.index && location.index < s.codeIndex + BigInt(s.length));
    await vm.StackFrame.GetValues(stop.thread, frames[0].frameID, live.map((s) => ({ slot: s.slot, sigbyte: tagOfSignature(s.signature) })));
    await vm.dispose();
    tapServer.close();

    const jvmName = `${version.vmName} ${version.vmVersion}`;
    const commandOf = (set: number, cmd: number, nth = 0) => seen.filter((t) => t.toVm && t.bytes[9] === set && t.bytes[10] === cmd)[nth];
    const replyTo = (command: Tapped) => seen.find((t) => !t.toVm && t.bytes[8] === 0x80 && t.bytes.readUInt32BE(4) === command.bytes.readUInt32BE(4))!;
    const breakpoint = seen.find((t) => !t.toVm && t.bytes[9] === 64 && t.bytes[10] === 100)!;
    const framesCommand = commandOf(11, 6);
    const valuesCommand = commandOf(16, 1);
    const variableCommand = seen.filter((t) => t.toVm && t.bytes[9] === 6 && t.bytes[10] === 2).pop()!;
    const files: [string, string, Tapped][] = [
      ['version-reply', 'VirtualMachine.Version reply', replyTo(commandOf(1, 1))],
      ['idsizes-reply', 'VirtualMachine.IDSizes reply', replyTo(commandOf(1, 7))],
      ['breakpoint-event', `Event.Composite command with one Breakpoint at Fixture.java:${line}`, breakpoint],
      ['frames-command', 'ThreadReference.Frames command for the stopped thread, all frames', framesCommand],
      ['frames-reply', 'ThreadReference.Frames reply', replyTo(framesCommand)],
      ['variabletable-reply', 'Method.VariableTable reply for Fixture.work', replyTo(variableCommand)],
      ['getvalues-command', 'StackFrame.GetValues command for the live locals of Fixture.work, in variable-table order', valuesCommand],
      ['getvalues-reply', 'StackFrame.GetValues reply', replyTo(valuesCommand)],
    ];
    fs.mkdirSync(outDir, { recursive: true });
    for (const [file, what, packet] of files) {
      if (!packet) throw new Error(`no packet captured for ${file}`);
      decodePacket(packet.bytes);
      fs.writeFileSync(path.join(outDir, `${file}.hex`), toHex(`${what}, captured from ${jvmName} (8-byte IDs)`, packet.bytes));
      console.log(`${file}.hex: ${packet.bytes.length} bytes`);
    }
  } finally {
    await killAll(jvms);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
