import * as assert from 'node:assert/strict';
import type { IdKind } from '../../jdwp/protocol/kinds';
import { commandByName, JDWP } from '../../jdwp/registry';
import { VIRTUAL_SIZES } from '../../jdwp/vm/translate';

const T = JDWP.Tag;
const info = commandByName('Fabric.StopSnapshot');

/** Big-endian bytes of the pieces: numbers as int (4 bytes), bigints as 8-byte IDs, strings as JDWP strings, [n] as one byte. */
function bytes(...pieces: Array<number | bigint | string | [number]>): Buffer {
  return Buffer.concat(
    pieces.map((p) => {
      if (Array.isArray(p)) return Buffer.from([p[0]]);
      if (typeof p === 'bigint') {
        const b = Buffer.alloc(8);
        b.writeBigUInt64BE(p);
        return b;
      }
      if (typeof p === 'string') {
        const text = Buffer.from(p, 'utf8');
        const b = Buffer.alloc(4);
        b.writeInt32BE(text.length);
        return Buffer.concat([b, text]);
      }
      const b = Buffer.alloc(4);
      b.writeInt32BE(p);
      return b;
    }),
  );
}

/** A reply with one of everything: a frame, a hop, this, a local, an object with a field, an array with an element, a string. */
const REPLY = {
  frameCount: 7,
  frames: [{ frameID: 0x11n, location: { typeTag: JDWP.TypeTag.CLASS, classID: 0x21n, methodID: 0x31n, index: 5n } }],
  hops: [{ firstFrame: 3, node: 'back', thread: 0x41n, threadName: 'main', edge: 'http', label: 'GET /x' }],
  hasVariables: true,
  thisObject: { tag: T.OBJECT, objectID: 0x51n },
  locals: [{ name: 's', signature: 'Ljava/lang/String;', slot: 1, value: { tag: T.STRING, value: 0x61n } }],
  objects: [
    { object: 0x51n, type: 0x21n, arrayLength: -1, fields: [{ fieldID: 0x71n, value: { tag: T.INT, value: 9 } }], elements: [] },
    { object: 0x52n, type: 0x22n, arrayLength: 1, fields: [], elements: [{ tag: T.INT, value: 4 }] },
  ],
  strings: [{ string: 0x61n, value: 'hi' }],
};

describe('Fabric.StopSnapshot encoding', () => {
  it('is command 12 of the Fabric set (128), out: thread, maxFrames, maxChildren', () => {
    assert.deepEqual([info.set.id, info.spec.id], [128, 12]);
    const out = info.out.encode(VIRTUAL_SIZES, { thread: 0x1234n, maxFrames: -1, maxChildren: 50 });
    assert.ok(out.equals(bytes(0x1234n, -1, 50)), out.toString('hex'));
    assert.deepEqual(info.out.decode(out, 0, out.length, VIRTUAL_SIZES), { thread: 0x1234n, maxFrames: -1, maxChildren: 50 });
  });

  it('lays its reply out field by field as the spec says, and decodes what it encodes', () => {
    const expected = bytes(
      7,
      1, 0x11n, [JDWP.TypeTag.CLASS], 0x21n, 0x31n, 5n,
      1, 3, 'back', 0x41n, 'main', 'http', 'GET /x',
      [1],
      [T.OBJECT], 0x51n,
      1, 's', 'Ljava/lang/String;', 1, [T.STRING], 0x61n,
      2,
      0x51n, 0x21n, -1, 1, 0x71n, [T.INT], 9, 0,
      0x52n, 0x22n, 1, 0, 1, [T.INT], 4,
      1, 0x61n, 'hi',
    );
    const encoded = info.reply!.encode(VIRTUAL_SIZES, REPLY as never);
    assert.ok(encoded.equals(expected), `${encoded.toString('hex')}\n${expected.toString('hex')}`);
    assert.deepEqual(info.reply!.decode(encoded, 0, encoded.length, VIRTUAL_SIZES), REPLY);
  });

  it('names every ID of its reply by kind, so the proxy translates each', () => {
    const encoded = info.reply!.encode(VIRTUAL_SIZES, REPLY as never);
    const kinds: IdKind[] = [];
    info.reply!.walk(encoded, 0, encoded.length, VIRTUAL_SIZES, { id: (kind) => kinds.push(kind), untaggedTag: () => 0 });
    assert.deepEqual(kinds, [
      'frameID', 'classID', 'methodID',
      'threadID',
      'objectID',
      'stringID',
      'objectID', 'referenceTypeID', 'fieldID',
      'objectID', 'referenceTypeID',
      'stringID',
    ]);
  });
});
