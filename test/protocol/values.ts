// Generates records for any layout of the protocol table from a seeded PRNG, and independently of the
// codec works out where every ID lands on the wire, so the round-trip and walk tests have something to check against.
import type { Field, IdKind, ScalarKind } from '../../jdwp/protocol/kinds';
import type { IdSizes } from '../../jdwp/protocol/wire-types';

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence. */
export class Prng {
  constructor(private state: number) {}

  /** The next 32-bit unsigned integer. */
  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return this.u32() % n;
  }

  /** A float in [0, 1). */
  unit(): number {
    return this.u32() / 2 ** 32;
  }

  /** An unsigned integer of the given byte width, as a bigint. */
  bytes(width: number): bigint {
    let v = 0n;
    for (let i = 0; i < width; i++) v = (v << 8n) | BigInt(this.below(256));
    return v;
  }
}

const ch = (c: string): number => c.charCodeAt(0);

/** The object tags and the ID kind each one carries, written out here rather than taken from the codec. */
export const OBJECT_TAGS = new Map<number, IdKind>([
  [ch('['), 'arrayID'],
  [ch('L'), 'objectID'],
  [ch('s'), 'stringID'],
  [ch('t'), 'threadID'],
  [ch('g'), 'threadGroupID'],
  [ch('l'), 'classLoaderID'],
  [ch('c'), 'classObjectID'],
]);

/** The primitive tags and their widths in bytes. */
export const PRIMITIVE_TAGS = new Map<number, number>([
  [ch('B'), 1],
  [ch('Z'), 1],
  [ch('C'), 2],
  [ch('S'), 2],
  [ch('I'), 4],
  [ch('F'), 4],
  [ch('J'), 8],
  [ch('D'), 8],
  [ch('V'), 0],
]);

/** Every value tag of the spec. */
export const ALL_TAGS = [...PRIMITIVE_TAGS.keys(), ...OBJECT_TAGS.keys()];
const NON_VOID_TAGS = ALL_TAGS.filter((t) => t !== ch('V'));

/** Where an ID was put on the wire. */
export interface PlacedId {
  kind: IdKind;
  offset: number;
  width: number;
  value: bigint;
}

const REF_KINDS = new Set(['referenceTypeID', 'classID', 'interfaceID', 'arrayTypeID']);

/** The width of an ID kind, worked out independently of the codec. */
export function widthOf(kind: IdKind, s: IdSizes): number {
  if (REF_KINDS.has(kind)) return s.referenceTypeIDSize;
  if (kind === 'methodID') return s.methodIDSize;
  if (kind === 'fieldID') return s.fieldIDSize;
  if (kind === 'frameID') return s.frameIDSize;
  return s.objectIDSize;
}

const STRINGS = ['', 'a', 'Ljava/lang/String;', 'grüße €', '𝄞 and ✓', 'x'.repeat(70)];

/** Builds records for layouts, tracking the wire offset of everything it generates. */
export class ValueGenerator {
  /** Every ID generated, with its offset, in wire order. */
  ids: PlacedId[] = [];
  /** Tags of untagged values, in wire order (a decoder learns them from context). */
  untaggedTags: number[] = [];
  /** Every tag generated per field kind ('value', 'untaggedValue', 'arrayRegion', 'taggedObjectID'). */
  readonly tagsSeen = new Map<string, Set<number>>();
  /** Every select alternative generated, as "what|alt". */
  readonly altsSeen = new Set<string>();
  /** Bytes the generated record takes on the wire. */
  pos = 0;
  private readonly cursor = new Map<string, number>();

  constructor(
    readonly rng: Prng,
    readonly sizes: IdSizes,
    /** How many items a repeat gets: 0 makes every repeat empty. */
    public repeatMax = 3,
  ) {}

  /** Starts a new record at offset 0. */
  reset(repeatMax: number): void {
    this.ids = [];
    this.untaggedTags = [];
    this.pos = 0;
    this.repeatMax = repeatMax;
  }

  /** A record for a field list. */
  record(fields: readonly Field[], what: string): Record<string, unknown> {
    const rec: Record<string, unknown> = {};
    for (const f of fields) rec[f.name] = this.field(f, `${what}.${f.name}`);
    return rec;
  }

  private field(f: Field, what: string): unknown {
    switch (f.kind) {
      case 'group':
        return this.record(f.fields, what);
      case 'repeat': {
        this.pos += 4;
        if (this.repeatMax === 0) return [];
        if (f.of.kind === 'select') {
          const sel = f.of;
          const start = this.rng.below(sel.alts.length);
          return sel.alts.map((_, k) => this.alt(sel, (start + k) % sel.alts.length, what));
        }
        const n = 1 + this.rng.below(this.repeatMax);
        return Array.from({ length: n }, () => this.field(f.of, what));
      }
      case 'select':
        return this.alt(f, this.next(what, f.alts.length), what);
      default:
        return this.scalar(f.kind);
    }
  }

  private alt(f: Extract<Field, { kind: 'select' }>, k: number, what: string): Record<string, unknown> {
    const a = f.alts[k];
    this.altsSeen.add(`${what}|${a.name}`);
    this.pos += 1;
    return { [f.selector.name]: a.value, ...this.record(a.fields, `${what}.${a.name}`) };
  }

  /** Cycles through n choices per key so that every choice is generated. */
  private next(key: string, n: number): number {
    const k = this.cursor.get(key) ?? this.rng.below(n);
    this.cursor.set(key, k + 1);
    return k % n;
  }

  private pickTag(kind: string, tags: number[]): number {
    const tag = tags[this.next(kind, tags.length)];
    let seen = this.tagsSeen.get(kind);
    if (!seen) this.tagsSeen.set(kind, (seen = new Set()));
    seen.add(tag);
    return tag;
  }

  private id(kind: IdKind): bigint {
    const width = widthOf(kind, this.sizes);
    const value = this.rng.bytes(width);
    this.ids.push({ kind, offset: this.pos, width, value });
    this.pos += width;
    return value;
  }

  private long(): bigint {
    this.pos += 8;
    return BigInt.asIntN(64, this.rng.bytes(8));
  }

  /** A payload for a tag, as the codec decodes it. */
  private payload(tag: number): unknown {
    const width = PRIMITIVE_TAGS.get(tag);
    if (width === undefined) return this.id(OBJECT_TAGS.get(tag)!);
    this.pos += width;
    const u = this.rng.u32();
    switch (String.fromCharCode(tag)) {
      case 'B':
        return (u & 0xff) - 128;
      case 'Z':
        return (u & 1) === 1;
      case 'C':
        return u & 0xffff;
      case 'S':
        return (u & 0xffff) - 32768;
      case 'I':
        return u | 0;
      case 'F':
        return Math.fround((this.rng.unit() - 0.5) * 1e6);
      case 'J':
        this.pos -= 8;
        return this.long();
      case 'D':
        return (this.rng.unit() - 0.5) * 1e300;
      default:
        return undefined;
    }
  }

  private scalar(kind: ScalarKind): unknown {
    switch (kind) {
      case 'byte':
        this.pos += 1;
        return this.rng.below(256);
      case 'boolean':
        this.pos += 1;
        return this.rng.below(2) === 1;
      case 'int':
        this.pos += 4;
        return this.rng.u32() | 0;
      case 'long':
        return this.long();
      case 'string': {
        const s = STRINGS[this.rng.below(STRINGS.length)];
        this.pos += 4 + Buffer.byteLength(s, 'utf8');
        return s;
      }
      case 'taggedObjectID': {
        const tag = this.pickTag(kind, [...OBJECT_TAGS.keys()]);
        this.pos += 1;
        return { tag, objectID: this.id(OBJECT_TAGS.get(tag)!) };
      }
      case 'location': {
        this.pos += 1;
        const typeTag = 1 + this.rng.below(3);
        const classID = this.id('classID');
        const methodID = this.id('methodID');
        return { typeTag, classID, methodID, index: this.long() };
      }
      case 'value': {
        const tag = this.pickTag(kind, ALL_TAGS);
        this.pos += 1;
        return { tag, value: this.payload(tag) };
      }
      case 'untaggedValue': {
        const tag = this.pickTag(kind, NON_VOID_TAGS);
        this.untaggedTags.push(tag);
        return { tag, value: this.payload(tag) };
      }
      case 'arrayRegion': {
        const tag = this.pickTag(kind, NON_VOID_TAGS);
        this.pos += 5;
        const n = this.repeatMax === 0 ? 0 : this.rng.below(this.repeatMax + 1);
        const values = Array.from({ length: n }, () => {
          if (PRIMITIVE_TAGS.has(tag)) return { tag, value: this.payload(tag) };
          const t = [...OBJECT_TAGS.keys()][this.rng.below(OBJECT_TAGS.size)];
          this.pos += 1;
          return { tag: t, value: this.payload(t) };
        });
        return { tag, values };
      }
      default:
        return this.id(kind);
    }
  }
}

/** Every "what|alt" of every select under a field, named as ValueGenerator names them, for coverage checks. */
export function allAlts(f: Field, what: string, into: Set<string>): void {
  if (f.kind === 'group') for (const x of f.fields) allAlts(x, `${what}.${x.name}`, into);
  else if (f.kind === 'repeat') allAlts(f.of, what, into);
  else if (f.kind === 'select') {
    for (const a of f.alts) {
      into.add(`${what}|${a.name}`);
      for (const x of a.fields) allAlts(x, `${what}.${a.name}.${x.name}`, into);
    }
  }
}
