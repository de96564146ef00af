import type { DebugProtocol } from '@vscode/debugprotocol';
import * as path from 'node:path';
import { displayName, isJdwpError, signatureToName, simpleName, type FrameInfo } from '../jdwp/mirror';
import type { JdwpClient } from '../jdwp/client/client';
import type { ThreadID } from '../jdwp/protocol/wire-types';
import type { AdapterContext } from './context';
import { EvalErrorCode } from '../jdwp/eval/errors';
import { AdapterError, AdapterErrorCode } from './errors';
import { stepAfterRestart } from './stepping';

/** How a frame reads in the call stack: `Fixture.work(int)`; constructors read `Fixture.<init>(int, String)`. */
export async function frameName(ctx: AdapterContext, frame: { location: FrameInfo['location'] }): Promise<string> {
  const [type, method] = await Promise.all([ctx.mirror.type(frame.location.classID), ctx.mirror.method(frame.location.classID, frame.location.methodID)]);
  const args = method.argumentSignatures.map((s) => simpleName(signatureToName(s))).join(', ');
  return `${displayName(type.name)}.${method.name}(${args})`;
}

/** The DAP source of a type: its file when found, else a de-emphasized name-only source. */
export async function sourceOf(ctx: AdapterContext, classID: FrameInfo['location']['classID']): Promise<DebugProtocol.Source | undefined> {
  const type = await ctx.mirror.type(classID);
  const file = ctx.sources.locate(type);
  if (file) return { name: path.basename(file), path: file };
  if (!type.sourceFile) return undefined;
  return { name: type.sourceFile, presentationHint: 'deemphasize', origin: 'source not found' };
}

/** One hop of a stitched stack, as Fabric.CallerChain tells it. */
type Hop = Awaited<ReturnType<JdwpClient['Fabric']['CallerChain']>>['hops'][number];

/** The name of the label frame before a hop's frames: `── HTTP GET /work from front (thread pool-1-thread-2) ──`. */
export function hopLabel(hop: Pick<Hop, 'label' | 'edge' | 'node' | 'threadName'>): string {
  return `── ${hop.label || hop.edge} from ${hop.node} (thread ${hop.threadName}) ──`;
}

/** The hops of a thread's stitched stack; none for a plain JVM, or when the virtual VM cannot tell. */
async function callerChain(ctx: AdapterContext, thread: ThreadID): Promise<Hop[]> {
  if (!ctx.fabric) return [];
  try {
    return (await ctx.requireVm().Fabric.CallerChain(thread)).hops;
  } catch {
    return [];
  }
}

/** One row of the DAP stack: a JDWP frame by its index, or the label before a hop. */
type Row = { frame: number; hop?: Hop } | { label: Hop };

/**
 * The rows [start, end) of a stack of `total` JDWP frames with a label row before each hop's first frame. A frame
 * keeps its JDWP index whatever labels precede it; `hop` is the hop a caller's frame belongs to.
 */
export function stackRows(total: number, hops: Hop[], start: number, end: number): Row[] {
  const rows: Row[] = [];
  let frame = 0;
  let next = 0;
  for (let row = 0; row < end && frame <= total; row++) {
    const labelHere = next < hops.length && hops[next].firstFrame === frame;
    if (!labelHere && frame === total) break;
    if (row >= start) rows.push(labelHere ? { label: hops[next] } : { frame, hop: hops[next - 1] });
    if (labelHere) next++;
    else frame++;
  }
  return rows;
}

/**
 * The `stackTrace` request: one page of frames (startFrame, levels) with names, sources and lines. Through the virtual
 * VM a stitched stack gets a label frame before each caller's frames; pages count labels, JDWP indices do not.
 */
export async function stackTrace(ctx: AdapterContext, args: DebugProtocol.StackTraceArguments): Promise<DebugProtocol.StackTraceResponse['body']> {
  const thread = ctx.thread(args.threadId);
  const start = Math.max(0, args.startFrame ?? 0);
  const levels = args.levels && args.levels > 0 ? args.levels : undefined;
  let frames: FrameInfo[];
  let total: number;
  let rows: Row[];
  let hops: Hop[];
  try {
    // FrameCount first: the virtual VM stitches the stack then, and CallerChain tells its hops.
    total = await ctx.mirror.frameCount(thread);
    hops = (await callerChain(ctx, thread)).filter((h) => h.firstFrame > 0 && h.firstFrame < total);
    rows = stackRows(total, hops, start, levels === undefined ? Infinity : start + levels);
    const indices = rows.flatMap((r) => ('frame' in r ? [r.frame] : []));
    frames = indices.length ? await ctx.mirror.frames(thread, indices[0], indices[indices.length - 1] - indices[0] + 1) : [];
  } catch (err) {
    if (isJdwpError(err, 'THREAD_NOT_SUSPENDED') && ctx.mirror.invoking(thread)) throw insideInvocation();
    if (isJdwpError(err, 'THREAD_NOT_SUSPENDED')) throw new AdapterError(AdapterErrorCode.THREAD_NOT_SUSPENDED, 'the thread is running; pause it to see its stack');
    if (isJdwpError(err, 'INVALID_THREAD', 'INVALID_OBJECT')) throw new AdapterError(AdapterErrorCode.UNKNOWN_THREAD, `thread ${args.threadId} has ended`);
    throw err;
  }
  const byIndex = new Map(frames.map((f) => [f.depth, f]));
  const stackFrames = await Promise.all(
    rows.map(async (row): Promise<DebugProtocol.StackFrame> => {
      if ('label' in row) {
        const name = hopLabel(row.label);
        return { id: ctx.frames.create({ label: name, thread }), name, line: 0, column: 0, presentationHint: 'label' };
      }
      const f = byIndex.get(row.frame)!;
      const [name, source, line] = await Promise.all([frameName(ctx, f), sourceOf(ctx, f.location.classID), ctx.mirror.lineOf(f.location)]);
      const id = ctx.frames.create({ thread, frameID: f.id, depth: f.depth, location: f.location, ...(row.hop ? { callerThread: row.hop.thread } : {}) });
      const frame: DebugProtocol.StackFrame = { id, name, line: line ?? 0, column: line === undefined ? 0 : ctx.columnsStartAt1 ? 1 : 0 };
      if (line !== undefined && !ctx.linesStartAt1) frame.line = line - 1;
      if (source) frame.source = source;
      if (!source?.path || line === undefined) frame.presentationHint = 'subtle';
      return frame;
    }),
  );
  return { stackFrames, totalFrames: total + hops.length };
}

/** The error of a request on a thread that is still inside a method an evaluation invoked (and gave up on). */
export function insideInvocation(): AdapterError {
  return new AdapterError(EvalErrorCode.INVOKE_PENDING, 'the thread is inside a method an evaluation called, which has not returned; its stack and variables come back when it does');
}

/** The `restartFrame` request: pops the frame and its callees (StackFrame.PopFrames), then steps into the call again. */
export async function restartFrame(ctx: AdapterContext, args: DebugProtocol.RestartFrameArguments): Promise<void> {
  const frame = ctx.frame(args.frameId);
  const vm = ctx.requireVm();
  const count = await ctx.mirror.frameCount(frame.thread);
  if (frame.depth + 1 >= count) throw new AdapterError(AdapterErrorCode.RESTART_FRAME_FAILED, 'the bottom frame of a thread cannot be restarted');
  try {
    const fresh = await ctx.mirror.frameAt(frame.thread, frame.depth);
    await vm.StackFrame.PopFrames(frame.thread, fresh.id);
  } catch (err) {
    if (isJdwpError(err, 'OPAQUE_FRAME', 'NOT_IMPLEMENTED', 'INVALID_FRAMEID', 'THREAD_NOT_SUSPENDED')) {
      throw new AdapterError(AdapterErrorCode.RESTART_FRAME_FAILED, `this frame cannot be restarted (${(err as Error).message})`);
    }
    throw err;
  }
  ctx.frames.dropWhere((f) => f.thread === frame.thread);
  ctx.vars.dropWhere((v) => (v as { thread?: unknown }).thread === frame.thread);
  ctx.mirror.invalidateThread(frame.thread);
  await stepAfterRestart(ctx, frame.thread);
}
