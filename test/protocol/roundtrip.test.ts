import * as assert from 'node:assert/strict';
import type { Layout } from '../../jdwp/codec/layout';
import type { IdSizes } from '../../jdwp/protocol/wire-types';
import type { IdKind } from '../../jdwp/protocol/kinds';
import { allCommands } from '../../jdwp/registry';
import { ALL_TAGS, allAlts, OBJECT_TAGS, Prng, ValueGenerator } from './values';

const uniform = (n: number): IdSizes => ({ fieldIDSize: n, methodIDSize: n, objectIDSize: n, referenceTypeIDSize: n, frameIDSize: n });

const SIZE_SETS: [string, IdSizes][] = [
  ['2-byte IDs', uniform(2)],
  ['4-byte IDs', uniform(4)],
  ['8-byte IDs', uniform(8)],
  ['mixed ID sizes', { fieldIDSize: 2, methodIDSize: 8, objectIDSize: 4, referenceTypeIDSize: 2, frameIDSize: 8 }],
  // Five different widths, so that an ID read with another kind's width cannot go unnoticed.
  ['five distinct ID sizes', { fieldIDSize: 3, methodIDSize: 5, objectIDSize: 6, referenceTypeIDSize: 7, frameIDSize: 1 }],
];

/** Samples per layout: the first has every repeat empty, the rest hold one to three items; 16 lets a layout with one array region show every tag. */
const SAMPLES = 16;

function layouts(): Layout[] {
  return allCommands().flatMap((c) => (c.reply ? [c.out, c.reply] : [c.out]));
}

function readId(buf: Buffer, offset: number, width: number): bigint {
  let v = 0n;
  for (let i = 0; i < width; i++) v = (v << 8n) | BigInt(buf[offset + i]);
  return v;
}

function roundTrip(layout: Layout, gen: ValueGenerator, sample: number): void {
  gen.reset(sample === 0 ? 0 : 3);
  const rec = gen.record(layout.fields, layout.what);
  const label = `${layout.what} (sample ${sample})`;
  const bytes = layout.encode(gen.sizes, rec);
  assert.equal(bytes.length, gen.pos, `${label}: encoded length`);

  const tags = [...gen.untaggedTags];
  const decoded = layout.decode(bytes, 0, bytes.length, gen.sizes, { untaggedTag: () => tags.shift()! });
  assert.equal(tags.length, 0, `${label}: every untagged value asked for its tag`);
  assert.deepStrictEqual(decoded, rec, `${label}: decode(encode(x)) equals x`);
  assert.ok(layout.encode(gen.sizes, decoded).equals(bytes), `${label}: re-encoding gives the same bytes`);

  const seen: { kind: IdKind; offset: number; width: number }[] = [];
  const walkTags = [...gen.untaggedTags];
  layout.walk(bytes, 0, bytes.length, gen.sizes, {
    id: (kind, offset, width) => seen.push({ kind, offset, width }),
    untaggedTag: () => walkTags.shift()!,
  });
  assert.deepStrictEqual(seen, gen.ids.map(({ kind, offset, width }) => ({ kind, offset, width })), `${label}: walk visits exactly the encoded IDs`);
  for (const id of gen.ids) assert.equal(readId(bytes, id.offset, id.width), id.value, `${label}: ${id.kind} at ${id.offset}`);
}

describe('codec round trip over the whole table', () => {
  const all = layouts();

  it('covers every command of the table, the Fabric set and Event.Composite included', () => {
    const names = new Set(all.map((l) => l.what));
    assert.equal(allCommands().length, 95 + allCommands().filter((c) => c.set.name === 'Fabric').length);
    assert.ok(names.has('Event.Composite out'), 'the composite event layout');
    assert.ok([...names].some((n) => n.startsWith('Fabric.')), 'the Fabric set');
  });

  for (const [label, sizes] of SIZE_SETS) {
    it(`encodes, decodes and walks every out, reply and event layout with ${label}`, () => {
      const gen = new ValueGenerator(new Prng(0x5eed + sizes.objectIDSize * 31 + sizes.methodIDSize), sizes);
      let ids = 0;
      for (const layout of all) {
        for (let s = 0; s < SAMPLES; s++) {
          roundTrip(layout, gen, s);
          ids += gen.ids.length;
        }
      }
      assert.ok(ids > 1000, `walked ${ids} IDs`);

      const expectedAlts = new Set<string>();
      for (const layout of all) for (const f of layout.fields) allAlts(f, `${layout.what}.${f.name}`, expectedAlts);
      assert.ok(expectedAlts.size >= 13 + 18, `found ${expectedAlts.size} select alternatives`);
      assert.deepEqual([...expectedAlts].filter((a) => !gen.altsSeen.has(a)), [], 'every select alternative was encoded');
      assert.deepEqual(new Set(gen.tagsSeen.get('value')), new Set(ALL_TAGS), 'every tag in tagged values');
      assert.deepEqual(new Set(gen.tagsSeen.get('taggedObjectID')), new Set(OBJECT_TAGS.keys()), 'every object tag');
      assert.equal(gen.tagsSeen.get('untaggedValue')?.size, ALL_TAGS.length - 1, 'every non-void tag in untagged values');
      assert.equal(gen.tagsSeen.get('arrayRegion')?.size, ALL_TAGS.length - 1, 'every non-void array region tag');
    });
  }
});
