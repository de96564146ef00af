// Codec throughput and allocation: decode, encode and the ID walk (the proxy's ID-rewrite path) of a
// Breakpoint Event.Composite, a 20-frame ThreadReference.Frames reply and a 10-value StackFrame.GetValues
// reply, plus the whole receive path (framing + header + decode) and a binary-parser decoder of the
// same Frames reply for comparison.
// Run: npx tsc -p . && node --expose-gc --max-semi-space-size=64 --min-semi-space-size=64 out/bench/codec.js
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import { Parser } from 'binary-parser';
import { PacketFramer } from '../jdwp/codec/framer';
import { decodePacket } from '../jdwp/codec/packet';
import { WireReader } from '../jdwp/codec/reader';
import { WireWriter } from '../jdwp/codec/writer';
import type { IdVisitor } from '../jdwp/codec/layout';
import { DEFAULT_ID_SIZES } from '../jdwp/protocol/wire-types';
import { commandByName } from '../jdwp/registry';
import { Cluster } from '../jdwp/vm/cluster';
import { passesNow } from '../jdwp/vm/shield';
import { VIRTUAL_SIZES } from '../jdwp/vm/translate';
import { VMethod, VType } from '../jdwp/vm/type-registry';
import { benchPackets, type BenchPacket } from './support/packets';
import { bytesPerOp, fmt, retainedBytesPerOp, table, throughput } from './support/stats';

const S = DEFAULT_ID_SIZES;

/** Keeps results alive so that the optimiser cannot drop the work. */
let sink: unknown;

interface Op {
  name: string;
  fn: () => void;
  /** For decoders: makes one result, to measure what stays reachable. */
  make?: () => unknown;
}

function opsFor(p: BenchPacket): Op[] {
  const { data, layout } = p;
  const rec = layout.decode(data, 0, data.length, S);
  const writer = new WireWriter(256);
  const reader = new WireReader(data, 0, 0);
  const scratch = Buffer.from(data);
  let ids = 0;
  const rewrite: IdVisitor = {
    // The proxy's translation writes a new ID in place; flipping the last byte stands in for the table look-up.
    id(_kind, offset, width) {
      scratch[offset + width - 1] ^= 1;
      ids++;
    },
    untaggedTag: () => 0,
  };
  const framer = new PacketFramer();
  framer.onPacket = (buf) => {
    const packet = decodePacket(buf);
    sink = layout.decode(packet.data, 0, packet.data.length, S);
  };
  return [
    { name: 'decode', fn: () => (sink = layout.decode(data, 0, data.length, S)), make: () => layout.decode(data, 0, data.length, S) },
    { name: 'encode (new buffer)', fn: () => (sink = layout.encode(S, rec)) },
    {
      name: 'encode (reused writer)',
      fn: () => {
        writer.pos = 0;
        layout.encodeTo(writer, S, rec);
      },
    },
    { name: 'walk + rewrite IDs in place', fn: () => layout.walk(scratch, 0, scratch.length, S, rewrite, reader) },
    { name: 'frame + header + decode', fn: () => framer.push(p.packet) },
  ];
}

/**
 * The shield's cost on the proxy's hot path: the ID walk of a routed command as the proxy does it, alone and
 * followed by the shield's checks (null IDs, ID kinds, the method's type, index ranges), against a cluster that
 * knows the IDs.
 */
function shieldOps(): Array<{ name: string; bytes: number; ops: Op[] }> {
  const cluster = new Cluster();
  const type = new VType(1n, 'Lbench/Type;', 1, 'hash', 'content');
  cluster.registry.byId.set(type.vid, type);
  cluster.registry.methods.set(1n, new VMethod(1n, type, 'run', '()V', 1));
  const thread = 1_000_000_000_000_005n;
  cluster.translator.facts.handed(thread, 'threadID');
  const commands: Array<[string, Record<string, unknown>]> = [
    ['ThreadReference.Frames', { thread, startFrame: 0, length: -1 }],
    ['StackFrame.GetValues', { thread, frame: 1_000_000_000_000_007n, slots: [1, 2, 3].map((slot) => ({ slot, sigbyte: 0x49 })) }],
    ['Method.LineTable', { refType: type.vid, methodID: 1n }],
  ];
  return commands.map(([name, rec]) => {
    const info = commandByName(name);
    const data = info.out.encode(VIRTUAL_SIZES, rec);
    assert.ok(passesNow(cluster, info, data, cluster.translator.collect(info.out, data)), `${name} passes the shield`);
    return {
      name: `${name} (command)`,
      bytes: data.length + 11,
      ops: [
        { name: 'walk IDs (collect)', fn: () => (sink = cluster.translator.collect(info.out, data)) },
        { name: 'walk IDs + shield checks', fn: () => (sink = passesNow(cluster, info, data, cluster.translator.collect(info.out, data))) },
      ],
    };
  });
}

const location = new Parser().uint8('typeTag').uint64be('classID').uint64be('methodID').int64be('index');
const frame = new Parser().uint64be('frameID').nest('location', { type: location });
const framesParser = new Parser().int32be('count').array('frames', { type: frame, length: 'count' });

async function main(): Promise<void> {
  const measureAlloc = typeof (globalThis as { gc?: unknown }).gc === 'function';
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ${os.platform()} ${os.release()}`);
  if (!measureAlloc) console.log('(run with --expose-gc to measure allocation)');
  const rows: (string | number)[][] = [];
  const packets = benchPackets();
  for (const p of packets) {
    for (const op of opsFor(p)) {
      const t = throughput(op.fn);
      const alloc = measureAlloc ? fmt(await bytesPerOp(op.fn)) : 'n/a';
      const kept = measureAlloc && op.make ? fmt(await retainedBytesPerOp(op.make)) : '';
      rows.push([p.name, p.packet.length, op.name, fmt(t.opsPerSec), fmt(t.nsPerOp), alloc, kept]);
    }
  }

  for (const s of shieldOps()) {
    for (const op of s.ops) {
      const t = throughput(op.fn);
      rows.push([s.name, s.bytes, op.name, fmt(t.opsPerSec), fmt(t.nsPerOp), measureAlloc ? fmt(await bytesPerOp(op.fn)) : 'n/a', '']);
    }
  }

  const frames = packets[1];
  const ours = frames.layout.decode(frames.data, 0, frames.data.length, S) as { frames: unknown[] };
  const theirs = framesParser.parse(frames.data) as { count: number; frames: unknown[] };
  assert.deepEqual(theirs.frames, ours.frames, 'binary-parser decodes the same frames');
  const bp = throughput(() => (sink = framesParser.parse(frames.data)));
  const parse = () => framesParser.parse(frames.data);
  rows.push([
    `${frames.name}, binary-parser`,
    frames.packet.length,
    'decode (not strict)',
    fmt(bp.opsPerSec),
    fmt(bp.nsPerOp),
    measureAlloc ? fmt(await bytesPerOp(() => (sink = parse()))) : 'n/a',
    measureAlloc ? fmt(await retainedBytesPerOp(parse)) : '',
  ]);

  console.log(table(['packet', 'bytes', 'operation', 'packets/s per core', 'CPU ns/packet', 'bytes allocated/packet', 'of which the result'], rows));
  void sink;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
