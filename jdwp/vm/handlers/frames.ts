import { JDWP } from '../../registry';
import { slotOf } from '../ids';
import { ProxyError } from '../translate';
import type { Ctx, Handler } from './context';
import { routeCommand } from './route';
import { decodeOut, encodeReply } from './vm';

const E = JDWP.Error;

/** The node of a thread and its stack, stitched across RPC edges when the thread serves a call whose caller waits. */
async function stackOf(ctx: Ctx, thread: bigint) {
  const link = ctx.cluster.link(slotOf(thread));
  if (!link || link.ids.toRaw(thread) === undefined) throw new ProxyError(E.INVALID_THREAD, `thread ${thread} belongs to no live node`);
  try {
    return await ctx.cluster.stitches.stack(link, thread);
  } catch (err) {
    const code = (err as { errorCode?: number }).errorCode;
    throw code ? new ProxyError(code, (err as Error).message) : err;
  }
}

const frames: Handler = async (ctx, info, data) => {
  if (!ctx.cluster.options.stitch) return routeCommand(ctx, info, data);
  const { thread, startFrame, length } = decodeOut<{ thread: bigint; startFrame: number; length: number }>(info, data);
  const stack = await stackOf(ctx, thread);
  if (!stack.hops.length && (startFrame !== 0 || length !== -1)) return routeCommand(ctx, info, data);
  if (stack.reply) return stack.reply;
  const count = stack.frames.length;
  if (startFrame < 0 || startFrame > count) throw new ProxyError(E.INVALID_INDEX, `frame ${startFrame} of ${count}`);
  const n = length === -1 ? count - startFrame : length;
  if (n < 0 || startFrame + n > count) throw new ProxyError(E.INVALID_LENGTH, `${length} frames from ${startFrame} of ${count}`);
  return encodeReply(info, { frames: stack.frames.slice(startFrame, startFrame + n) });
};

const frameCount: Handler = async (ctx, info, data) => {
  if (!ctx.cluster.options.stitch) return routeCommand(ctx, info, data);
  const { thread } = decodeOut<{ thread: bigint }>(info, data);
  // The stack was read whole (the thread's own frames when nothing is stitched): its length is the count.
  const stack = await stackOf(ctx, thread);
  return encodeReply(info, { frameCount: stack.frames.length });
};

/** A StackFrame command on a caller frame of a stitched stack goes to the caller's node, thread and frame. */
const onFrame: Handler = async (ctx, info, data) => {
  const frame = data.length >= 16 ? data.readBigUInt64BE(8) : 0n;
  const book = ctx.cluster.stitches;
  if (!book.isCallerFrame(frame)) return routeCommand(ctx, info, data);
  const origin = book.originOf(frame);
  if (!origin) throw new ProxyError(E.INVALID_FRAMEID, `caller frame ${frame} is no longer shown (its thread ran on, or its node left)`);
  if (info.fullName === 'StackFrame.PopFrames') throw new ProxyError(E.OPAQUE_FRAME, 'a caller frame on another thread cannot be popped');
  const copy = Buffer.from(data);
  copy.writeBigUInt64BE(origin.vthread, 0);
  copy.writeBigUInt64BE(origin.vframe, 8);
  return routeCommand(ctx, info, copy);
};

/** Handlers of stack commands: stitched stacks across RPC edges, and the caller frames in them; by the names their rules give them. */
export const FRAME_HANDLERS: Record<string, Handler> = {
  frames,
  frameCount,
  onFrame,
};
