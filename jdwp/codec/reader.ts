import { CodecError, FabricErrorCode } from '../errors';

/** A strict big-endian cursor over one packet's bytes; reading past `end` raises TRUNCATED. */
export class WireReader {
  private view: DataView | undefined;

  constructor(
    public buf: Buffer,
    public pos: number,
    public end: number,
  ) {}

  /** Points the reader at a new span. */
  reset(buf: Buffer, pos: number, end: number): this {
    if (buf !== this.buf) this.view = undefined;
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    return this;
  }

  /** A DataView of the buffer: it reads a 64-bit value in one allocation, where Buffer builds it from two halves. */
  private dataView(): DataView {
    return (this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  /** Raises TRUNCATED unless n more bytes remain. */
  need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      throw new CodecError(
        FabricErrorCode.TRUNCATED,
        `truncated ${what}: need ${n} byte(s) at offset ${this.pos}, have ${this.end - this.pos}`,
      );
    }
  }

  /** Reads an unsigned byte. */
  u8(what = 'byte'): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }

  /** Reads a signed byte. */
  i8(what = 'byte'): number {
    this.need(1, what);
    return this.buf.readInt8(this.pos++);
  }

  /** Reads a signed 16-bit integer. */
  i16(what = 'short'): number {
    this.need(2, what);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  /** Reads an unsigned 16-bit integer. */
  u16(what = 'char'): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  /** Reads a signed 32-bit integer. */
  i32(what = 'int'): number {
    this.need(4, what);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Reads a signed 64-bit integer. */
  i64(what = 'long'): bigint {
    this.need(8, what);
    const v = this.dataView().getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  /** Reads a 32-bit float. */
  f32(what = 'float'): number {
    this.need(4, what);
    const v = this.buf.readFloatBE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Reads a 64-bit float. */
  f64(what = 'double'): number {
    this.need(8, what);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Reads an unsigned ID of the given width (1 to 8 bytes). */
  id(width: number, what: string): bigint {
    this.need(width, what);
    const b = this.buf;
    const p = this.pos;
    this.pos += width;
    if (width === 8) return this.dataView().getBigUint64(p);
    return readIdAt(b, p, width);
  }

  /** Reads an int length, then that many bytes of UTF-8. */
  string(what = 'string'): string {
    const len = this.i32(`${what} length`);
    if (len < 0) throw new CodecError(FabricErrorCode.TRUNCATED, `negative ${what} length ${len} at offset ${this.pos - 4}`);
    this.need(len, what);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /** Advances past n bytes, raising TRUNCATED if they are not there. */
  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }

  /** Raises TRAILING_BYTES unless every byte was consumed. */
  expectEnd(what: string): void {
    if (this.pos !== this.end) {
      throw new CodecError(
        FabricErrorCode.TRAILING_BYTES,
        `${what}: ${this.end - this.pos} byte(s) left over after the last field`,
      );
    }
  }
}

/** Reads an unsigned ID of the given width (1 to 8 bytes) at `offset`, unchecked. */
export function readIdAt(buf: Buffer, offset: number, width: number): bigint {
  if (width === 8) return buf.readBigUInt64BE(offset);
  if (width === 4) return BigInt(buf.readUInt32BE(offset));
  let v = 0n;
  for (let i = 0; i < width; i++) v = (v << 8n) | BigInt(buf[offset + i]);
  return v;
}
