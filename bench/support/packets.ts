// The packets the benchmarks measure: a real Breakpoint Event.Composite captured from a JVM, and a
// ThreadReference.Frames reply (20 frames) and a StackFrame.GetValues reply (10 values) shaped like HotSpot's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodePacket, encodeReply } from '../../jdwp/codec/packet';
import type { Layout, WireRecord } from '../../jdwp/codec/layout';
import { DEFAULT_ID_SIZES } from '../../jdwp/protocol/wire-types';
import { commandByName, COMPOSITE } from '../../jdwp/registry';
import { ROOT } from '../../test/support/fixtures';

/** One benchmark packet: its whole bytes, its data and the layout of the data. */
export interface BenchPacket {
  name: string;
  packet: Buffer;
  data: Buffer;
  layout: Layout;
}

const ch = (c: string) => c.charCodeAt(0);

/** The HotSpot-like ID of the nth method or class: pointer-sized values, as a 64-bit VM hands out. */
const pointer = (base: bigint, n: number) => base + BigInt(n) * 0x58n;

/** A Frames reply of n frames. */
export function framesReply(n: number): WireRecord {
  return {
    frames: Array.from({ length: n }, (_, i) => ({
      frameID: BigInt(i + 1),
      location: { typeTag: 1, classID: pointer(0x7f3a2c01a000n, i % 5), methodID: pointer(0x7f39f40c2610n, i), index: BigInt(7 * i + 3) },
    })),
  };
}

/** A GetValues reply of ten values of mixed kinds. */
export function getValuesReply(): WireRecord {
  return {
    values: [
      { tag: ch('I'), value: 1234 },
      { tag: ch('J'), value: 1234567890123n },
      { tag: ch('Z'), value: true },
      { tag: ch('D'), value: 2.25 },
      { tag: ch('F'), value: 1.5 },
      { tag: ch('B'), value: 7 },
      { tag: ch('C'), value: ch('x') },
      { tag: ch('s'), value: 0x35bn },
      { tag: ch('['), value: 0x35cn },
      { tag: ch('L'), value: 0x35dn },
    ],
  };
}

function fromHex(file: string): Buffer {
  const text = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'hex', file), 'utf8');
  return Buffer.from(text.split('\n').slice(1).join('').trim(), 'hex');
}

function reply(name: string, layout: Layout, rec: WireRecord, id: number): BenchPacket {
  const data = layout.encode(DEFAULT_ID_SIZES, rec);
  const packet = encodeReply(id, 0, data);
  return { name, packet, data: packet.subarray(11), layout };
}

/** The three benchmark packets, with 8-byte IDs. */
export function benchPackets(): BenchPacket[] {
  const bp = fromHex('breakpoint-event.hex');
  const bpPacket = decodePacket(bp);
  return [
    { name: 'Event.Composite (Breakpoint)', packet: bp, data: bpPacket.data, layout: COMPOSITE.out },
    reply('ThreadReference.Frames reply (20 frames)', commandByName('ThreadReference.Frames').reply!, framesReply(20), 2),
    reply('StackFrame.GetValues reply (10 values)', commandByName('StackFrame.GetValues').reply!, getValuesReply(), 3),
  ];
}
