import { CodecError, FabricErrorCode } from '../errors';

/** Bytes in a JDWP packet header. */
export const HEADER_SIZE = 11;
/** The flag bit that marks a reply packet. */
export const REPLY_FLAG = 0x80;
/** The greeting both sides exchange before any packet. */
export const HANDSHAKE = Buffer.from('JDWP-Handshake', 'ascii');

/** A command packet: sent by the debugger, or by the VM for events. */
export interface CommandPacket {
  id: number;
  flags: number;
  commandSet: number;
  command: number;
  /** The data after the header; a view into the received bytes. */
  data: Buffer;
}

/** A reply packet. */
export interface ReplyPacket {
  id: number;
  flags: number;
  errorCode: number;
  data: Buffer;
  /** The whole packet, header included, when it was received (data is a view into it). */
  packet?: Buffer;
}

/** Either kind of packet. */
export type Packet = ({ reply: false } & CommandPacket) | ({ reply: true } & ReplyPacket);

/** Builds a command packet around its data. */
export function encodeCommand(id: number, commandSet: number, command: number, data: Buffer, flags = 0): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_SIZE + data.length);
  buf.writeUInt32BE(HEADER_SIZE + data.length, 0);
  buf.writeUInt32BE(id >>> 0, 4);
  buf[8] = flags & ~REPLY_FLAG;
  buf[9] = commandSet;
  buf[10] = command;
  data.copy(buf, HEADER_SIZE);
  return buf;
}

/** Builds a reply packet around its data. */
export function encodeReply(id: number, errorCode: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_SIZE + data.length);
  buf.writeUInt32BE(HEADER_SIZE + data.length, 0);
  buf.writeUInt32BE(id >>> 0, 4);
  buf[8] = REPLY_FLAG;
  buf.writeUInt16BE(errorCode, 9);
  data.copy(buf, HEADER_SIZE);
  return buf;
}

/** Splits one whole packet (header included) into its parts; the data is a view, not a copy. */
export function decodePacket(buf: Buffer): Packet {
  if (buf.length < HEADER_SIZE) throw new CodecError(FabricErrorCode.BAD_LENGTH, `packet of ${buf.length} byte(s) is shorter than its header`);
  const length = buf.readUInt32BE(0);
  if (length !== buf.length) throw new CodecError(FabricErrorCode.BAD_LENGTH, `packet header says ${length} byte(s), got ${buf.length}`);
  const id = buf.readUInt32BE(4);
  const flags = buf[8];
  const data = buf.subarray(HEADER_SIZE);
  if (flags & REPLY_FLAG) return { reply: true, id, flags, errorCode: buf.readUInt16BE(9), data, packet: buf };
  return { reply: false, id, flags, commandSet: buf[9], command: buf[10], data };
}
