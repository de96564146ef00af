import { CodecError, FabricErrorCode } from '../errors';
import { HANDSHAKE, HEADER_SIZE } from './packet';

/** Limits and modes of a framer. */
export interface FramerOptions {
  /** Expect "JDWP-Handshake" before the first packet. */
  handshake?: boolean;
  /** The largest packet accepted, header included; larger ones fail the stream with PACKET_TOO_LARGE. */
  maxPacketSize?: number;
}

/** The default largest packet: 64 MiB, far above any real JDWP packet. */
export const DEFAULT_MAX_PACKET_SIZE = 64 * 1024 * 1024;

const enum State {
  Handshake,
  Length,
  Body,
  Failed,
}

/**
 * Cuts a byte stream into whole JDWP packets. A chunk may hold any part of a packet or many
 * packets; packets wholly inside one chunk are handed out as views without copying.
 */
export class PacketFramer {
  private state: State;
  /** The largest packet accepted; a peer may be trusted with more once it has proven itself. */
  max: number;
  private handshakeFill = 0;
  private readonly lengthBytes = Buffer.alloc(4);
  private lengthFill = 0;
  private body: Buffer = Buffer.alloc(0);
  private bodyFill = 0;

  /** Called once the whole handshake has arrived. */
  onHandshake: () => void = () => {};
  /** Called with each whole packet, header included. The buffer may be a view into the chunk. */
  onPacket: (packet: Buffer) => void = () => {};
  /** Called once when the stream is malformed; later bytes are ignored. */
  onError: (err: CodecError) => void = () => {};

  constructor(options: FramerOptions = {}) {
    this.state = options.handshake ? State.Handshake : State.Length;
    this.max = options.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE;
  }

  /** True after a malformed stream. */
  get failed(): boolean {
    return this.state === State.Failed;
  }

  /** Feeds the next chunk of the stream. */
  push(chunk: Buffer): void {
    let off = 0;
    const n = chunk.length;
    while (off < n) {
      switch (this.state) {
        case State.Handshake: {
          while (off < n && this.handshakeFill < HANDSHAKE.length) {
            if (chunk[off] !== HANDSHAKE[this.handshakeFill]) {
              this.fail(new CodecError(FabricErrorCode.BAD_HANDSHAKE, `expected "JDWP-Handshake", got byte 0x${chunk[off].toString(16)} at position ${this.handshakeFill}`));
              return;
            }
            off++;
            this.handshakeFill++;
          }
          if (this.handshakeFill === HANDSHAKE.length) {
            this.state = State.Length;
            this.onHandshake();
          }
          break;
        }
        case State.Length: {
          if (this.lengthFill === 0 && n - off >= 4) {
            const length = chunk.readUInt32BE(off);
            if (!this.checkLength(length)) return;
            if (n - off >= length) {
              const packet = chunk.subarray(off, off + length);
              off += length;
              this.onPacket(packet);
              break;
            }
            this.startBody(length);
            continue;
          }
          while (off < n && this.lengthFill < 4) this.lengthBytes[this.lengthFill++] = chunk[off++];
          if (this.lengthFill === 4) {
            const length = this.lengthBytes.readUInt32BE(0);
            this.lengthFill = 0;
            if (!this.checkLength(length)) return;
            this.body = Buffer.allocUnsafe(length);
            this.lengthBytes.copy(this.body, 0);
            this.bodyFill = 4;
            this.state = State.Body;
          }
          break;
        }
        case State.Body: {
          const take = Math.min(n - off, this.body.length - this.bodyFill);
          chunk.copy(this.body, this.bodyFill, off, off + take);
          off += take;
          this.bodyFill += take;
          if (this.bodyFill === this.body.length) {
            const packet = this.body;
            this.body = Buffer.alloc(0);
            this.state = State.Length;
            this.onPacket(packet);
          }
          break;
        }
        case State.Failed:
          return;
      }
    }
  }

  private startBody(length: number): void {
    this.body = Buffer.allocUnsafe(length);
    this.bodyFill = 0;
    this.state = State.Body;
  }

  private checkLength(length: number): boolean {
    if (length < HEADER_SIZE) {
      this.fail(new CodecError(FabricErrorCode.BAD_LENGTH, `packet length ${length} is below the ${HEADER_SIZE}-byte header`));
      return false;
    }
    if (length > this.max) {
      this.fail(new CodecError(FabricErrorCode.PACKET_TOO_LARGE, `packet length ${length} exceeds the limit of ${this.max} bytes`));
      return false;
    }
    return true;
  }

  private fail(err: CodecError): void {
    this.state = State.Failed;
    this.onError(err);
  }
}
