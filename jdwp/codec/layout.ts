import { isUtf8 } from 'node:buffer';
import { CodecError, FabricErrorCode } from '../errors';
import { ID_KINDS, type Field, type IdKind, type IdSizeName, type ScalarKind } from '../protocol/kinds';
import type { IdSizes, Value } from '../protocol/wire-types';
import { WireReader } from './reader';
import { WireWriter } from './writer';
import { objectTagKind, primitiveWidth, Tag } from './tags';

/** A decoded layout: field names to values, as the protocol table names them. */
export type WireRecord = Record<string, unknown>;

/** Context a decoder needs for untagged values, whose tag is not on the wire. */
export interface DecodeOptions {
  /** The tag of an untagged value, given the record decoded so far (it holds the fieldID or arrayID). */
  untaggedTag?: (record: WireRecord) => number;
}

/** Receives every ID of a packet, in wire order, without decoding the rest. */
export interface IdVisitor {
  /** One ID of the given kind at `offset`, `width` bytes wide; `tagged` for an object in a value (which may be null). */
  id(kind: IdKind, offset: number, width: number, tagged?: boolean): void;
  /** The tag of the next untagged value, known from the IDs visited before it. */
  untaggedTag(): number;
}

type Decoder = (r: WireReader, s: IdSizes, rec: WireRecord, o: DecodeOptions) => unknown;
type Encoder = (w: WireWriter, s: IdSizes, v: unknown, rec: WireRecord) => void;
type Walker = (r: WireReader, s: IdSizes, v: IdVisitor) => void;

/** The wire width of an ID kind under the given sizes. */
export function idWidth(kind: IdKind, s: IdSizes): number {
  return s[ID_KINDS[kind].size];
}

function walkId(r: WireReader, v: IdVisitor, kind: IdKind, width: number, what: string): void {
  r.need(width, what);
  v.id(kind, r.pos, width);
  r.pos += width;
}

/**
 * The decoder, encoder and walker of an ID, per IDSizes field. Each reads its width under a name written here, so
 * that the compiled closure's property load stays monomorphic on the hot path (a computed `s[name]` does not).
 */
const ID_CODERS: { readonly [N in IdSizeName]: { decode(what: string): Decoder; encode(what: string): Encoder; walk(kind: IdKind, what: string): Walker } } = {
  objectIDSize: {
    decode: (what) => (r, s) => r.id(s.objectIDSize, what),
    encode: (what) => (w, s, v) => w.id(big(v, what), s.objectIDSize, what),
    walk: (kind, what) => (r, s, v) => walkId(r, v, kind, s.objectIDSize, what),
  },
  referenceTypeIDSize: {
    decode: (what) => (r, s) => r.id(s.referenceTypeIDSize, what),
    encode: (what) => (w, s, v) => w.id(big(v, what), s.referenceTypeIDSize, what),
    walk: (kind, what) => (r, s, v) => walkId(r, v, kind, s.referenceTypeIDSize, what),
  },
  methodIDSize: {
    decode: (what) => (r, s) => r.id(s.methodIDSize, what),
    encode: (what) => (w, s, v) => w.id(big(v, what), s.methodIDSize, what),
    walk: (kind, what) => (r, s, v) => walkId(r, v, kind, s.methodIDSize, what),
  },
  fieldIDSize: {
    decode: (what) => (r, s) => r.id(s.fieldIDSize, what),
    encode: (what) => (w, s, v) => w.id(big(v, what), s.fieldIDSize, what),
    walk: (kind, what) => (r, s, v) => walkId(r, v, kind, s.fieldIDSize, what),
  },
  frameIDSize: {
    decode: (what) => (r, s) => r.id(s.frameIDSize, what),
    encode: (what) => (w, s, v) => w.id(big(v, what), s.frameIDSize, what),
    walk: (kind, what) => (r, s, v) => walkId(r, v, kind, s.frameIDSize, what),
  },
};

function unknownTag(tag: number, what: string): CodecError {
  return new CodecError(FabricErrorCode.UNKNOWN_TAG, `${what}: unknown tag ${tag} (${JSON.stringify(String.fromCharCode(tag))})`);
}

function badValue(what: string, detail: string): CodecError {
  return new CodecError(FabricErrorCode.BAD_VALUE, `${what}: ${detail}`);
}

/** Reads the payload of a value whose tag is known. */
export function readPayload(r: WireReader, s: IdSizes, tag: number, what: string): Value['value'] {
  switch (tag) {
    case Tag.BYTE:
      return r.i8(what);
    case Tag.BOOLEAN:
      return r.u8(what) !== 0;
    case Tag.CHAR:
      return r.u16(what);
    case Tag.SHORT:
      return r.i16(what);
    case Tag.INT:
      return r.i32(what);
    case Tag.FLOAT:
      return r.f32(what);
    case Tag.LONG:
      return r.i64(what);
    case Tag.DOUBLE:
      return r.f64(what);
    case Tag.VOID:
      return undefined;
    default:
      if (objectTagKind(tag) === undefined) throw unknownTag(tag, what);
      return r.id(s.objectIDSize, what) as Value['value'];
  }
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw badValue(what, `expected a number, got ${typeof v}`);
  return v;
}

function big(v: unknown, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  throw badValue(what, `expected a bigint, got ${typeof v}`);
}

/** Writes the payload of a value whose tag is known. */
export function writePayload(w: WireWriter, s: IdSizes, tag: number, v: unknown, what: string): void {
  switch (tag) {
    case Tag.BYTE:
    case Tag.BOOLEAN:
      w.u8(typeof v === 'boolean' ? (v ? 1 : 0) : num(v, what));
      return;
    case Tag.CHAR:
    case Tag.SHORT:
      w.u16(num(v, what));
      return;
    case Tag.INT:
      w.i32(num(v, what), what);
      return;
    case Tag.FLOAT:
      w.f32(num(v, what));
      return;
    case Tag.LONG:
      w.i64(big(v, what));
      return;
    case Tag.DOUBLE:
      w.f64(num(v, what));
      return;
    case Tag.VOID:
      return;
    default:
      if (objectTagKind(tag) === undefined) throw unknownTag(tag, what);
      w.id(v === null || v === undefined ? 0n : big(v, what), s.objectIDSize, what);
  }
}

function walkPayload(r: WireReader, s: IdSizes, v: IdVisitor, tag: number, what: string): void {
  const width = primitiveWidth(tag);
  if (width !== undefined) {
    r.skip(width, what);
    return;
  }
  const kind = objectTagKind(tag);
  if (kind === undefined) throw unknownTag(tag, what);
  r.need(s.objectIDSize, what);
  v.id(kind, r.pos, s.objectIDSize, true);
  r.pos += s.objectIDSize;
}

function isObject(v: unknown, what: string): WireRecord {
  if (typeof v !== 'object' || v === null) throw badValue(what, 'expected an object');
  return v as WireRecord;
}

function scalarDecoder(kind: ScalarKind, what: string): Decoder {
  switch (kind) {
    case 'byte':
      return (r) => r.u8(what);
    case 'int':
      return (r) => r.i32(what);
    case 'long':
      return (r) => r.i64(what);
    case 'boolean':
      return (r) => r.u8(what) !== 0;
    case 'string':
      return (r) => r.string(what);
    case 'taggedObjectID':
      return (r, s) => {
        const tag = r.u8(what);
        if (objectTagKind(tag) === undefined) throw unknownTag(tag, what);
        return { tag, objectID: r.id(s.objectIDSize, what) };
      };
    case 'location':
      return (r, s) => ({
        typeTag: r.u8(what),
        classID: r.id(s.referenceTypeIDSize, what),
        methodID: r.id(s.methodIDSize, what),
        index: r.i64(what),
      });
    case 'value':
      return (r, s) => {
        const tag = r.u8(what);
        return { tag, value: readPayload(r, s, tag, what) };
      };
    case 'untaggedValue':
      return (r, s, rec, o) => {
        if (!o.untaggedTag) throw badValue(what, 'an untagged value needs its tag from context (DecodeOptions.untaggedTag)');
        const tag = o.untaggedTag(rec);
        return { tag, value: readPayload(r, s, tag, what) };
      };
    case 'arrayRegion':
      return (r, s) => {
        const tag = r.u8(what);
        const n = r.i32(what);
        if (n < 0) throw new CodecError(FabricErrorCode.TRUNCATED, `${what}: negative count ${n}`);
        const values: Value[] = new Array(n);
        const primitive = primitiveWidth(tag) !== undefined;
        if (!primitive && objectTagKind(tag) === undefined) throw unknownTag(tag, what);
        for (let i = 0; i < n; i++) {
          if (primitive) values[i] = { tag, value: readPayload(r, s, tag, what) };
          else {
            const t = r.u8(what);
            values[i] = { tag: t, value: readPayload(r, s, t, what) };
          }
        }
        return { tag, values };
      };
    default:
      return ID_CODERS[ID_KINDS[kind].size].decode(what);
  }
}

function scalarEncoder(kind: ScalarKind, what: string): Encoder {
  switch (kind) {
    case 'byte':
      return (w, _s, v) => w.u8(num(v, what));
    case 'int':
      return (w, _s, v) => w.i32(num(v, what), what);
    case 'long':
      return (w, _s, v) => w.i64(big(v, what));
    case 'boolean':
      return (w, _s, v) => w.u8(v ? 1 : 0);
    case 'string':
      return (w, _s, v) => w.string(v as string, what);
    case 'taggedObjectID':
      return (w, s, v) => {
        const o = isObject(v, what);
        const tag = num(o.tag, what);
        if (objectTagKind(tag) === undefined) throw unknownTag(tag, what);
        w.u8(tag);
        w.id(big(o.objectID, what), s.objectIDSize, what);
      };
    case 'location':
      return (w, s, v) => {
        const o = isObject(v, what);
        w.u8(num(o.typeTag, what));
        w.id(big(o.classID, what), s.referenceTypeIDSize, what);
        w.id(big(o.methodID, what), s.methodIDSize, what);
        w.i64(big(o.index, what));
      };
    case 'value':
      return (w, s, v) => {
        const o = isObject(v, what);
        const tag = num(o.tag, what);
        w.u8(tag);
        writePayload(w, s, tag, o.value, what);
      };
    case 'untaggedValue':
      return (w, s, v) => {
        const o = isObject(v, what);
        writePayload(w, s, num(o.tag, what), o.value, what);
      };
    case 'arrayRegion':
      return (w, s, v) => {
        const o = isObject(v, what);
        const tag = num(o.tag, what);
        const values = o.values as Value[];
        if (!Array.isArray(values)) throw badValue(what, 'expected values[]');
        const primitive = primitiveWidth(tag) !== undefined;
        if (!primitive && objectTagKind(tag) === undefined) throw unknownTag(tag, what);
        w.u8(tag);
        w.i32(values.length, what);
        for (const e of values) {
          if (primitive) writePayload(w, s, tag, e.value, what);
          else {
            w.u8(e.tag);
            writePayload(w, s, e.tag, e.value, what);
          }
        }
      };
    default:
      return ID_CODERS[ID_KINDS[kind].size].encode(what);
  }
}

function scalarWalker(kind: ScalarKind, what: string): Walker {
  switch (kind) {
    case 'byte':
    case 'boolean':
      return (r) => r.skip(1, what);
    case 'int':
      return (r) => r.skip(4, what);
    case 'long':
      return (r) => r.skip(8, what);
    case 'string':
      return (r) => {
        const len = r.i32(what);
        if (len < 0) throw new CodecError(FabricErrorCode.TRUNCATED, `${what}: negative length ${len}`);
        r.need(len, what);
        if (!isUtf8(r.buf.subarray(r.pos, r.pos + len))) throw badValue(what, 'not UTF-8');
        r.pos += len;
      };
    case 'taggedObjectID':
      return (r, s, v) => {
        const tag = r.u8(what);
        const kind = objectTagKind(tag);
        if (kind === undefined) throw unknownTag(tag, what);
        r.need(s.objectIDSize, what);
        v.id(kind, r.pos, s.objectIDSize);
        r.pos += s.objectIDSize;
      };
    case 'location':
      return (r, s, v) => {
        r.skip(1, what);
        r.need(s.referenceTypeIDSize + s.methodIDSize + 8, what);
        v.id('classID', r.pos, s.referenceTypeIDSize);
        r.pos += s.referenceTypeIDSize;
        v.id('methodID', r.pos, s.methodIDSize);
        r.pos += s.methodIDSize + 8;
      };
    case 'value':
      return (r, s, v) => walkPayload(r, s, v, r.u8(what), what);
    case 'untaggedValue':
      return (r, s, v) => walkPayload(r, s, v, v.untaggedTag(), what);
    case 'arrayRegion':
      return (r, s, v) => {
        const tag = r.u8(what);
        const n = r.i32(what);
        if (n < 0) throw new CodecError(FabricErrorCode.TRUNCATED, `${what}: negative count ${n}`);
        const width = primitiveWidth(tag);
        if (width !== undefined) {
          r.skip(width * n, what);
          return;
        }
        if (objectTagKind(tag) === undefined) throw unknownTag(tag, what);
        for (let i = 0; i < n; i++) walkPayload(r, s, v, r.u8(what), what);
      };
    default:
      return ID_CODERS[ID_KINDS[kind].size].walk(kind, what);
  }
}

interface Compiled {
  decode: Decoder;
  encode: Encoder;
  walk: Walker;
}

function compileFields(fields: readonly Field[], what: string): Compiled {
  const parts = fields.map((f) => ({ name: f.name, c: compileField(f, `${what}.${f.name}`) }));
  return {
    decode: (r, s, _rec, o) => {
      const rec: WireRecord = {};
      for (let i = 0; i < parts.length; i++) rec[parts[i].name] = parts[i].c.decode(r, s, rec, o);
      return rec;
    },
    encode: (w, s, v) => {
      const rec = isObject(v, what);
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i];
        if (!(p.name in rec)) throw badValue(`${what}.${p.name}`, 'missing');
        p.c.encode(w, s, rec[p.name], rec);
      }
    },
    walk: (r, s, v) => {
      for (let i = 0; i < parts.length; i++) parts[i].c.walk(r, s, v);
    },
  };
}

function compileSelect(f: Extract<Field, { kind: 'select' }>, what: string): Compiled {
  const selName = f.selector.name;
  const alts = new Map(
    f.alts.map((a) => [a.value, { name: a.name, parts: a.fields.map((x) => ({ name: x.name, c: compileField(x, `${what}.${a.name}.${x.name}`) })) }]),
  );
  const pick = (sel: number) => {
    const alt = alts.get(sel);
    if (!alt) throw new CodecError(FabricErrorCode.UNKNOWN_ALTERNATIVE, `${what}: no alternative for ${selName}=${sel}`);
    return alt;
  };
  return {
    decode: (r, s, _rec, o) => {
      const sel = r.u8(what);
      const alt = pick(sel);
      const rec: WireRecord = { [selName]: sel };
      for (const p of alt.parts) rec[p.name] = p.c.decode(r, s, rec, o);
      return rec;
    },
    encode: (w, s, v) => {
      const rec = isObject(v, what);
      const sel = num(rec[selName], `${what}.${selName}`);
      const alt = pick(sel);
      w.u8(sel);
      for (const p of alt.parts) {
        if (!(p.name in rec)) throw badValue(`${what}.${alt.name}.${p.name}`, 'missing');
        p.c.encode(w, s, rec[p.name], rec);
      }
    },
    walk: (r, s, v) => {
      const alt = pick(r.u8(what));
      for (const p of alt.parts) p.c.walk(r, s, v);
    },
  };
}

function compileField(f: Field, what: string): Compiled {
  switch (f.kind) {
    case 'group':
      return compileFields(f.fields, what);
    case 'select':
      if (f.selector.kind !== 'byte') throw new Error(`${what}: only byte selectors are supported`);
      return compileSelect(f, what);
    case 'repeat': {
      const item = compileField(f.of, what);
      return {
        decode: (r, s, rec, o) => {
          const n = r.i32(what);
          if (n < 0) throw new CodecError(FabricErrorCode.TRUNCATED, `${what}: negative count ${n}`);
          if (n > r.end - r.pos) throw new CodecError(FabricErrorCode.TRUNCATED, `${what}: count ${n} exceeds the ${r.end - r.pos} byte(s) left`);
          const out: unknown[] = new Array(n);
          for (let i = 0; i < n; i++) out[i] = item.decode(r, s, rec, o);
          return out;
        },
        encode: (w, s, v, rec) => {
          if (!Array.isArray(v)) throw badValue(what, 'expected an array');
          w.i32(v.length, what);
          for (const e of v) item.encode(w, s, e, rec);
        },
        walk: (r, s, v) => {
          const n = r.i32(what);
          if (n < 0) throw new CodecError(FabricErrorCode.TRUNCATED, `${what}: negative count ${n}`);
          if (n > r.end - r.pos) throw new CodecError(FabricErrorCode.TRUNCATED, `${what}: count ${n} exceeds the ${r.end - r.pos} byte(s) left`);
          for (let i = 0; i < n; i++) item.walk(r, s, v);
        },
      };
    }
    default:
      return { decode: scalarDecoder(f.kind, what), encode: scalarEncoder(f.kind, what), walk: scalarWalker(f.kind, what) };
  }
}

const NO_OPTIONS: DecodeOptions = {};

/** A compiled layout of the protocol table: strict decode, encode and ID walk. */
export class Layout {
  private readonly c: Compiled;

  constructor(
    readonly fields: readonly Field[],
    readonly what: string,
  ) {
    this.c = compileFields(fields, what);
  }

  /** Decodes bytes [pos, end) of buf; every byte must be consumed. */
  decode(buf: Buffer, pos: number, end: number, sizes: IdSizes, options: DecodeOptions = NO_OPTIONS): WireRecord {
    const r = new WireReader(buf, pos, end);
    const rec = this.c.decode(r, sizes, {}, options) as WireRecord;
    r.expectEnd(this.what);
    return rec;
  }

  /** Encodes a record into the writer. */
  encodeTo(w: WireWriter, sizes: IdSizes, rec: WireRecord): void {
    this.c.encode(w, sizes, rec, rec);
  }

  /** Encodes a record into a fresh buffer. */
  encode(sizes: IdSizes, rec: WireRecord): Buffer {
    const w = new WireWriter(64);
    this.c.encode(w, sizes, rec, rec);
    return w.finish();
  }

  /** Visits every ID in bytes [pos, end) without decoding; every byte must be consumed. */
  walk(buf: Buffer, pos: number, end: number, sizes: IdSizes, visitor: IdVisitor, reader?: WireReader): void {
    const r = reader ? reader.reset(buf, pos, end) : new WireReader(buf, pos, end);
    this.c.walk(r, sizes, visitor);
    r.expectEnd(this.what);
  }
}
