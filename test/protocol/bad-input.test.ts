import * as assert from 'node:assert/strict';
import { PacketFramer, DEFAULT_MAX_PACKET_SIZE } from '../../jdwp/codec/framer';
import { decodePacket, encodeCommand, encodeReply, HANDSHAKE } from '../../jdwp/codec/packet';
import type { Layout } from '../../jdwp/codec/layout';
import { CodecError, FabricErrorCode, type FabricErrorCodeValue } from '../../jdwp/errors';
import { allCommands, commandByName, COMPOSITE } from '../../jdwp/registry';
import { DEFAULT_ID_SIZES } from '../../jdwp/protocol/wire-types';
import { Prng, ValueGenerator } from './values';

const S = DEFAULT_ID_SIZES;

function codeOf(fn: () => unknown): FabricErrorCodeValue | 'none' {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CodecError, `expected a CodecError, got ${String(err)}`);
    return err.code;
  }
  return 'none';
}

function expectCode(code: FabricErrorCodeValue, fn: () => unknown, what: string): void {
  assert.equal(codeOf(fn), code, what);
}

/** Feeds chunks to a fresh framer; returns the packets (copied), handshakes seen and errors. */
function frame(chunks: Buffer[], options: ConstructorParameters<typeof PacketFramer>[0] = { handshake: true }) {
  const framer = new PacketFramer(options);
  const events: string[] = [];
  const packets: Buffer[] = [];
  const errors: CodecError[] = [];
  framer.onHandshake = () => events.push('handshake');
  framer.onPacket = (p) => {
    events.push('packet');
    packets.push(Buffer.from(p));
  };
  framer.onError = (e) => errors.push(e);
  for (const c of chunks) framer.push(c);
  return { packets, errors, events, framer };
}

/** A stream: the handshake, then packets of many sizes (a bare header, small and large ones). */
function sampleStream(rng: Prng): { stream: Buffer; packets: Buffer[] } {
  const packets: Buffer[] = [];
  const sizes = [0, 1, 3, 4, 7, 11, 12, 40, 200, 5000];
  for (let i = 0; i < sizes.length; i++) {
    const data = Buffer.from(Array.from({ length: sizes[i] }, () => rng.below(256)));
    packets.push(i % 2 ? encodeReply(i + 1, i % 3, data) : encodeCommand(i + 1, 1 + (i % 18), 1 + (i % 7), data));
  }
  return { stream: Buffer.concat([HANDSHAKE, ...packets]), packets };
}

describe('framing', () => {
  const rng = new Prng(42);
  const { stream, packets } = sampleStream(rng);

  it('decodes a stream in one chunk', () => {
    const r = frame([stream]);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.events, ['handshake', ...packets.map(() => 'packet')]);
    assert.deepEqual(r.packets, packets);
  });

  it('decodes the same when split in two at every byte position', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const r = frame([stream.subarray(0, cut), stream.subarray(cut)]);
      assert.deepEqual(r.errors, [], `cut at ${cut}`);
      assert.equal(r.events[0], 'handshake', `cut at ${cut}`);
      assert.deepEqual(r.packets, packets, `cut at ${cut}`);
    }
  });

  it('decodes the same byte by byte and in random chunks', () => {
    const bytes = Array.from(stream, (_, i) => stream.subarray(i, i + 1));
    assert.deepEqual(frame(bytes).packets, packets);
    for (let round = 0; round < 200; round++) {
      const chunks: Buffer[] = [];
      for (let off = 0; off < stream.length; ) {
        const n = 1 + rng.below(round % 2 ? 20 : 3000);
        chunks.push(stream.subarray(off, off + n));
        off += n;
      }
      const r = frame(chunks);
      assert.deepEqual(r.packets, packets, `round ${round}`);
      assert.deepEqual(r.events, ['handshake', ...packets.map(() => 'packet')]);
    }
  });

  it('hands out many packets from one chunk, and packets without a handshake', () => {
    const many = Array.from({ length: 1000 }, (_, i) => encodeCommand(i, 64, 100, Buffer.from([i & 0xff, 1, 2])));
    const r = frame([Buffer.concat(many)], {});
    assert.equal(r.packets.length, 1000);
    assert.deepEqual(r.packets, many);
    assert.deepEqual(r.events.filter((e) => e === 'handshake'), []);
  });

  it('waits for the rest of a partial packet without emitting it', () => {
    const p = packets[9];
    const r = frame([HANDSHAKE, p.subarray(0, p.length - 1)]);
    assert.deepEqual(r.events, ['handshake']);
    assert.deepEqual(r.errors, []);
    r.framer.push(p.subarray(p.length - 1));
    assert.deepEqual(r.packets, [p]);
  });
});

describe('bad streams end in a typed error', () => {
  const header = (length: number) => {
    const b = Buffer.alloc(11);
    b.writeUInt32BE(length >>> 0, 0);
    return b;
  };

  for (const length of [0, 1, 10]) {
    it(`rejects a declared length of ${length} with BAD_LENGTH, however it is split`, () => {
      const bytes = Buffer.concat([HANDSHAKE, header(length)]);
      for (let cut = 0; cut <= bytes.length; cut++) {
        const r = frame([bytes.subarray(0, cut), bytes.subarray(cut)]);
        assert.equal(r.errors.length, 1, `cut ${cut}`);
        assert.equal(r.errors[0].code, FabricErrorCode.BAD_LENGTH);
        assert.deepEqual(r.packets, []);
      }
    });
  }

  it('rejects packets over the maximum with PACKET_TOO_LARGE', () => {
    const ok = encodeCommand(1, 1, 1, Buffer.alloc(100 - 11));
    const big = encodeCommand(2, 1, 1, Buffer.alloc(101 - 11));
    const r = frame([ok, big, ok], { maxPacketSize: 100 });
    assert.deepEqual(r.packets, [ok]);
    assert.deepEqual(r.errors.map((e) => e.code), [FabricErrorCode.PACKET_TOO_LARGE]);
    const huge = frame([HANDSHAKE, header(0xffffffff)]);
    assert.deepEqual(huge.errors.map((e) => e.code), [FabricErrorCode.PACKET_TOO_LARGE]);
    assert.ok(DEFAULT_MAX_PACKET_SIZE < 0xffffffff);
  });

  it('rejects a bad handshake at its first wrong byte and ignores what follows', () => {
    const bad = Buffer.from('JDWP-Handshak!');
    const r = frame([bad.subarray(0, 5), bad.subarray(5), encodeCommand(1, 1, 1, Buffer.alloc(0))]);
    assert.deepEqual(r.errors.map((e) => e.code), [FabricErrorCode.BAD_HANDSHAKE]);
    assert.deepEqual(r.events, []);
    assert.ok(r.framer.failed);
    const http = frame([Buffer.from('GET / HTTP/1.1\r\n\r\n')]);
    assert.deepEqual(http.errors.map((e) => e.code), [FabricErrorCode.BAD_HANDSHAKE]);
  });

  it('reports a header that disagrees with the buffer size', () => {
    const p = encodeCommand(1, 1, 1, Buffer.alloc(4));
    expectCode(FabricErrorCode.BAD_LENGTH, () => decodePacket(p.subarray(0, 14)), 'short buffer');
    expectCode(FabricErrorCode.BAD_LENGTH, () => decodePacket(p.subarray(0, 9)), 'shorter than a header');
    expectCode(FabricErrorCode.BAD_LENGTH, () => decodePacket(Buffer.concat([p, Buffer.alloc(1)])), 'long buffer');
  });

  it('survives random garbage without throwing and reports at most one error', () => {
    const rng = new Prng(7);
    for (let round = 0; round < 300; round++) {
      const junk = Buffer.from(Array.from({ length: 1 + rng.below(300) }, () => rng.below(256)));
      const r = frame([HANDSHAKE, junk], { handshake: true, maxPacketSize: 1 << 16 });
      assert.ok(r.errors.length <= 1);
      for (const p of r.packets) decodePacket(p);
    }
  });
});

describe('bad packet data ends in a typed error', () => {
  const gen = new ValueGenerator(new Prng(99), S);
  const sample = (layout: Layout) => {
    gen.reset(2);
    const rec = gen.record(layout.fields, layout.what);
    const tags = [...gen.untaggedTags];
    return { rec, bytes: layout.encode(S, rec), tags };
  };

  it('raises TRUNCATED for every truncation of every layout, in decode and in walk', () => {
    let checked = 0;
    for (const info of allCommands()) {
      for (const layout of info.reply ? [info.out, info.reply] : [info.out]) {
        const { bytes, tags } = sample(layout);
        for (let n = 0; n < bytes.length; n++) {
          const t = [...tags];
          expectCode(FabricErrorCode.TRUNCATED, () => layout.decode(bytes, 0, n, S, { untaggedTag: () => t.shift()! }), `${layout.what} cut to ${n} of ${bytes.length}`);
          const w = [...tags];
          expectCode(FabricErrorCode.TRUNCATED, () => layout.walk(bytes, 0, n, S, { id() {}, untaggedTag: () => w.shift()! }), `walk ${layout.what} cut to ${n}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 5000, `${checked} truncations`);
  });

  it('raises TRAILING_BYTES for a byte after the last field', () => {
    for (const name of ['VirtualMachine.Version', 'ThreadReference.Frames', 'StackFrame.GetValues']) {
      const info = commandByName(name);
      const { bytes, tags } = sample(info.reply!);
      const longer = Buffer.concat([bytes, Buffer.from([0])]);
      expectCode(FabricErrorCode.TRAILING_BYTES, () => info.reply!.decode(longer, 0, longer.length, S, { untaggedTag: () => tags.shift()! }), name);
      expectCode(FabricErrorCode.TRAILING_BYTES, () => info.reply!.walk(longer, 0, longer.length, S, { id() {}, untaggedTag: () => 0 }), name);
    }
    expectCode(FabricErrorCode.TRAILING_BYTES, () => commandByName('VirtualMachine.AllThreads').out.decode(Buffer.from([1]), 0, 1, S), 'empty out');
  });

  it('raises UNKNOWN_TAG for a value, tagged object or array region with an unknown tag', () => {
    const getValues = commandByName('StackFrame.GetValues').reply!;
    const value = Buffer.from([0, 0, 0, 1, 'X'.charCodeAt(0), 0, 0, 0, 0]);
    expectCode(FabricErrorCode.UNKNOWN_TAG, () => getValues.decode(value, 0, value.length, S), 'value tag X');
    expectCode(FabricErrorCode.UNKNOWN_TAG, () => getValues.walk(value, 0, value.length, S, { id() {}, untaggedTag: () => 0 }), 'walk value tag X');

    const newInstance = commandByName('ClassType.NewInstance').reply!;
    const tagged = Buffer.alloc(18);
    tagged[0] = 'I'.charCodeAt(0);
    tagged[9] = 'L'.charCodeAt(0);
    expectCode(FabricErrorCode.UNKNOWN_TAG, () => newInstance.decode(tagged, 0, tagged.length, S), 'tagged object with a primitive tag');
    expectCode(FabricErrorCode.UNKNOWN_TAG, () => newInstance.walk(tagged, 0, tagged.length, S, { id() {}, untaggedTag: () => 0 }), 'walk tagged object');

    const region = commandByName('ArrayReference.GetValues').reply!;
    const arr = Buffer.from([0x51, 0, 0, 0, 0]);
    expectCode(FabricErrorCode.UNKNOWN_TAG, () => region.decode(arr, 0, arr.length, S), 'array region tag Q');
    const objElem = Buffer.from([0x4c, 0, 0, 0, 1, 0x3f, ...Buffer.alloc(8)]);
    expectCode(FabricErrorCode.UNKNOWN_TAG, () => region.decode(objElem, 0, objElem.length, S), 'object array element tag ?');

    expectCode(FabricErrorCode.UNKNOWN_TAG, () => getValues.encode(S, { values: [{ tag: 0x58, value: 1 }] }), 'encoding tag X');
  });

  it('raises UNKNOWN_ALTERNATIVE for an unknown event kind or modifier kind', () => {
    const composite = Buffer.from([2, 0, 0, 0, 1, 77, 0, 0, 0, 0]);
    expectCode(FabricErrorCode.UNKNOWN_ALTERNATIVE, () => COMPOSITE.out.decode(composite, 0, composite.length, S), 'eventKind 77');
    expectCode(FabricErrorCode.UNKNOWN_ALTERNATIVE, () => COMPOSITE.out.walk(composite, 0, composite.length, S, { id() {}, untaggedTag: () => 0 }), 'walk eventKind 77');
    const set = commandByName('EventRequest.Set').out;
    const request = Buffer.from([2, 1, 0, 0, 0, 1, 99]);
    expectCode(FabricErrorCode.UNKNOWN_ALTERNATIVE, () => set.decode(request, 0, request.length, S), 'modKind 99');
    expectCode(FabricErrorCode.UNKNOWN_ALTERNATIVE, () => set.encode(S, { eventKind: 2, suspendPolicy: 1, modifiers: [{ modKind: 0 }] }), 'encoding modKind 0');
  });

  it('rejects counts and lengths that cannot fit, at once', () => {
    const started = process.hrtime.bigint();
    const allThreads = commandByName('VirtualMachine.AllThreads').reply!;
    const huge = Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]);
    expectCode(FabricErrorCode.TRUNCATED, () => allThreads.decode(huge, 0, huge.length, S), 'count 2^31-1');
    expectCode(FabricErrorCode.TRUNCATED, () => allThreads.walk(huge, 0, huge.length, S, { id() {}, untaggedTag: () => 0 }), 'walk count 2^31-1');
    const negative = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    expectCode(FabricErrorCode.TRUNCATED, () => allThreads.decode(negative, 0, 4, S), 'negative count');
    const version = commandByName('VirtualMachine.Version').reply!;
    expectCode(FabricErrorCode.TRUNCATED, () => version.decode(negative, 0, 4, S), 'negative string length');
    const region = Buffer.from([0x49, 0x7f, 0xff, 0xff, 0xff]);
    expectCode(FabricErrorCode.TRUNCATED, () => commandByName('ArrayReference.GetValues').reply!.decode(region, 0, region.length, S), 'region count 2^31-1');
    const setValues = commandByName('ArrayReference.SetValues').out;
    const voids = Buffer.alloc(16);
    voids.writeInt32BE(0x7fffffff, 12);
    expectCode(FabricErrorCode.TRUNCATED, () => setValues.decode(voids, 0, 16, S, { untaggedTag: () => 0x56 }), 'count 2^31-1 of zero-width values');
    expectCode(FabricErrorCode.TRUNCATED, () => setValues.walk(voids, 0, 16, S, { id() {}, untaggedTag: () => 0x56 }), 'walk count 2^31-1 of zero-width values');
    assert.ok(process.hrtime.bigint() - started < 1_000_000_000n, 'no time spent on impossible counts');
  });

  it('never throws anything but a CodecError on mutated packets', () => {
    const rng = new Prng(1234);
    let failures = 0;
    for (const info of allCommands()) {
      for (const layout of info.reply ? [info.out, info.reply] : [info.out]) {
        const { bytes } = sample(layout);
        for (let k = 0; k < 20 && bytes.length; k++) {
          const m = Buffer.from(bytes);
          m[rng.below(m.length)] = rng.below(256);
          const code = codeOf(() => layout.decode(m, 0, m.length, S, { untaggedTag: () => 0x49 }));
          codeOf(() => layout.walk(m, 0, m.length, S, { id() {}, untaggedTag: () => 0x49 }));
          if (code !== 'none') failures++;
        }
      }
    }
    assert.ok(failures > 100, `${failures} mutated packets were rejected`);
  });
});
