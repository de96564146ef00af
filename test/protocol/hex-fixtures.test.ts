import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodePacket, encodeCommand, encodeReply, type Packet } from '../../jdwp/codec/packet';
import type { WireRecord } from '../../jdwp/codec/layout';
import { PacketFramer } from '../../jdwp/codec/framer';
import type { IdSizes, Value } from '../../jdwp/protocol/wire-types';
import { commandByName, COMPOSITE, JDWP, type CommandInfo } from '../../jdwp/registry';
import { FIXTURE_PRIMITIVE_LOCALS, fixturePrimitiveValues, lineOf, ROOT } from '../support/fixtures';

// Packets captured from a real JVM by bench/support/capture-hex.ts; the expected values come from
// test/fixtures/java/fixture/Fixture.java and from cross-references between the packets, not from the codec.

const HEX_DIR = path.join(ROOT, 'test', 'fixtures', 'hex');
const ch = (c: string) => c.charCodeAt(0);

function load(name: string): { description: string; bytes: Buffer } {
  const [first, ...rest] = fs.readFileSync(path.join(HEX_DIR, `${name}.hex`), 'utf8').split('\n');
  assert.ok(first.startsWith('# '), `${name}.hex starts with a one-line description`);
  return { description: first.slice(2), bytes: Buffer.from(rest.join('').trim(), 'hex') };
}

interface Decoded {
  packet: Packet;
  record: WireRecord;
}

/** Decodes a captured packet with the given layout and checks that re-encoding gives the same bytes. */
function decodeFixture(name: string, info: CommandInfo, sizes: IdSizes, untagged?: (rec: WireRecord) => number): Decoded {
  const { bytes } = load(name);
  const packet = decodePacket(bytes);
  const layout = packet.reply ? info.reply! : info.out;
  if (!packet.reply) assert.deepEqual([packet.commandSet, packet.command], [info.set.id, info.spec.id], `${name}: command`);
  else assert.equal(packet.errorCode, 0, `${name}: error code`);
  const record = layout.decode(packet.data, 0, packet.data.length, sizes, { untaggedTag: untagged });
  const data = layout.encode(sizes, record);
  assert.ok(data.equals(packet.data), `${name}: re-encoding gives the captured data`);
  const whole = packet.reply ? encodeReply(packet.id, packet.errorCode, data) : encodeCommand(packet.id, packet.commandSet, packet.command, data, packet.flags);
  assert.ok(whole.equals(bytes), `${name}: re-encoding gives the captured packet`);
  return { packet, record };
}

describe('hex fixtures captured from a real JVM', () => {
  let sizes: IdSizes;

  it('has a description and valid framing for every fixture', () => {
    const files = fs.readdirSync(HEX_DIR).filter((f) => f.endsWith('.hex'));
    assert.ok(files.length >= 8, files.join());
    const all = files.map((f) => load(f.replace(/\.hex$/, '')));
    const framer = new PacketFramer();
    const out: Buffer[] = [];
    framer.onPacket = (p) => out.push(Buffer.from(p));
    framer.onError = (e) => assert.fail(e);
    const stream = Buffer.concat(all.map((x) => x.bytes));
    for (let i = 0; i < stream.length; i += 5) framer.push(stream.subarray(i, i + 5));
    assert.deepEqual(out, all.map((x) => x.bytes));
    for (const x of all) assert.match(x.description, /captured from .*\d/);
  });

  it('decodes the VirtualMachine.IDSizes reply', () => {
    const { record } = decodeFixture('idsizes-reply', commandByName('VirtualMachine.IDSizes'), { fieldIDSize: 8, methodIDSize: 8, objectIDSize: 8, referenceTypeIDSize: 8, frameIDSize: 8 });
    sizes = record as unknown as IdSizes;
    assert.deepEqual(Object.keys(sizes), ['fieldIDSize', 'methodIDSize', 'objectIDSize', 'referenceTypeIDSize', 'frameIDSize']);
    for (const v of Object.values(sizes)) assert.ok(v === 8, 'HotSpot on a 64-bit machine uses 8-byte IDs');
  });

  it('decodes the VirtualMachine.Version reply', () => {
    const { record, packet } = decodeFixture('version-reply', commandByName('VirtualMachine.Version'), sizes);
    assert.ok(packet.reply);
    const v = record as { description: string; jdwpMajor: number; jdwpMinor: number; vmVersion: string; vmName: string };
    assert.equal(v.jdwpMajor, Number(v.vmVersion.split('.')[0]));
    assert.equal(v.jdwpMinor, 0);
    assert.ok(v.description.includes(v.vmVersion) && v.description.includes(v.vmName), v.description);
    assert.ok(load('version-reply').description.includes(`${v.vmName} ${v.vmVersion}`));
  });

  it('decodes the Breakpoint composite, the Frames command and reply, and they agree', () => {
    const event = decodeFixture('breakpoint-event', COMPOSITE, sizes).record as {
      suspendPolicy: number;
      events: { eventKind: number; requestID: number; thread: bigint; location: { typeTag: number; classID: bigint; methodID: bigint; index: bigint } }[];
    };
    assert.equal(event.suspendPolicy, JDWP.SuspendPolicy.EVENT_THREAD);
    assert.equal(event.events.length, 1);
    const bp = event.events[0];
    assert.equal(bp.eventKind, JDWP.EventKind.BREAKPOINT);
    assert.ok(bp.requestID > 0);
    assert.equal(bp.location.typeTag, JDWP.TypeTag.CLASS);

    const cmd = decodeFixture('frames-command', commandByName('ThreadReference.Frames'), sizes).record;
    assert.deepEqual(cmd, { thread: bp.thread, startFrame: 0, length: -1 });
    const frames = (decodeFixture('frames-reply', commandByName('ThreadReference.Frames'), sizes).record as { frames: { frameID: bigint; location: typeof bp.location }[] }).frames;
    assert.equal(frames.length, 2, 'work() called from main()');
    assert.deepEqual(frames[0].location, bp.location, 'the top frame is at the breakpoint');
    assert.equal(frames[1].location.classID, bp.location.classID, 'main() is in the same class');
    assert.notEqual(frames[1].location.methodID, bp.location.methodID);
  });

  it('decodes the StackFrame.GetValues command and reply to the fixture locals', () => {
    const bp = (decodeFixture('breakpoint-event', COMPOSITE, sizes).record as { events: { thread: bigint }[] }).events[0];
    const frames = (decodeFixture('frames-reply', commandByName('ThreadReference.Frames'), sizes).record as { frames: { frameID: bigint }[] }).frames;
    const table = decodeFixture('variabletable-reply', commandByName('Method.VariableTable'), sizes).record as { slots: { name: string; signature: string; slot: number }[] };
    const cmd = decodeFixture('getvalues-command', commandByName('StackFrame.GetValues'), sizes).record as { thread: bigint; frame: bigint; slots: { slot: number; sigbyte: number }[] };
    assert.equal(cmd.thread, bp.thread);
    assert.equal(cmd.frame, frames[0].frameID);
    const { values } = decodeFixture('getvalues-reply', commandByName('StackFrame.GetValues'), sizes).record as { values: Value[] };
    assert.equal(values.length, cmd.slots.length);

    const byName = new Map<string, Value>();
    cmd.slots.forEach((s, k) => {
      const v = table.slots.find((t) => t.slot === s.slot && (t.signature[0] === String.fromCharCode(s.sigbyte) || 'L['.includes(t.signature[0])));
      assert.ok(v, `slot ${s.slot} is in the variable table`);
      byName.set(v.name, values[k]);
    });
    const round = byName.get('round')!;
    assert.equal(round.tag, ch('I'));
    const r = round.value as number;
    const line = lineOf('fixture/Fixture.java', 'BREAK_LINE');
    assert.ok(load('breakpoint-event').description.includes(`Fixture.java:${line}`));
    assert.deepEqual(FIXTURE_PRIMITIVE_LOCALS.map((n) => byName.get(n)), fixturePrimitiveValues(r));
    assert.deepEqual(['str', 'arr', 'obj', 'list', 'map'].map((n) => byName.get(n)?.tag), ['s', '[', 'L', 'L', 'L'].map(ch));
    const ids = ['str', 'arr', 'obj', 'list', 'map'].map((n) => byName.get(n)!.value as bigint);
    assert.ok(ids.every((id) => id > 0n), 'live objects have non-null IDs');
    assert.equal(new Set(ids).size, ids.length, 'distinct objects have distinct IDs');
  });
});
