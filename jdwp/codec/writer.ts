import { CodecError, FabricErrorCode } from '../errors';

/** A growable big-endian byte sink. */
export class WireWriter {
  buf: Buffer;
  pos: number;

  constructor(initialSize = 256, offset = 0) {
    this.buf = Buffer.allocUnsafe(Math.max(initialSize, offset + 16));
    this.pos = offset;
  }

  /** Makes room for n more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Writes a byte (signed or unsigned). */
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  /** Writes a 16-bit integer (signed or unsigned). */
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.pos);
    this.pos += 2;
  }

  /** Writes a signed 32-bit integer. */
  i32(v: number, what = 'int'): void {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) {
      throw new CodecError(FabricErrorCode.BAD_VALUE, `${what}: ${String(v)} is not a 32-bit integer`);
    }
    this.ensure(4);
    this.buf.writeInt32BE(v | 0, this.pos);
    this.pos += 4;
  }

  /** Writes a signed 64-bit integer. */
  i64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt.asIntN(64, v), this.pos);
    this.pos += 8;
  }

  /** Writes a 32-bit float. */
  f32(v: number): void {
    this.ensure(4);
    this.buf.writeFloatBE(v, this.pos);
    this.pos += 4;
  }

  /** Writes a 64-bit float. */
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  /** Writes an unsigned ID of the given width; raises BAD_VALUE when it does not fit. */
  id(v: bigint, width: number, what: string): void {
    if (typeof v !== 'bigint' || v < 0n || (width < 8 && v >> BigInt(width * 8) !== 0n) || v >> 64n !== 0n) {
      throw new CodecError(FabricErrorCode.BAD_VALUE, `${what}: ${String(v)} does not fit a ${width}-byte ID`);
    }
    this.ensure(width);
    writeIdAt(this.buf, this.pos, width, v);
    this.pos += width;
  }

  /** Writes an int length, then the UTF-8 bytes. */
  string(s: string, what = 'string'): void {
    if (typeof s !== 'string') throw new CodecError(FabricErrorCode.BAD_VALUE, `${what}: expected a string`);
    const len = Buffer.byteLength(s, 'utf8');
    this.ensure(4 + len);
    this.buf.writeInt32BE(len, this.pos);
    this.buf.write(s, this.pos + 4, len, 'utf8');
    this.pos += 4 + len;
  }

  /** Copies raw bytes. */
  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  /** The bytes written so far (a view, not a copy). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Writes an unsigned ID of the given width (1 to 8 bytes) at `offset`, unchecked. */
export function writeIdAt(buf: Buffer, offset: number, width: number, v: bigint): void {
  if (width === 8) {
    buf.writeBigUInt64BE(v, offset);
    return;
  }
  for (let i = width - 1; i >= 0; i--) {
    buf[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}
