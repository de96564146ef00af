import type { JdwpClient } from '../client/client';
import type { FrameID, Location, ThreadID } from '../protocol/wire-types';
import { isJdwpError } from './type-info';

/** A stack frame of a suspended thread; valid until the thread resumes (or runs an invocation). */
export interface FrameInfo {
  thread: ThreadID;
  /** 0 for the top frame. */
  depth: number;
  id: FrameID;
  location: Location;
}

/** The frames of one suspended thread, fetched page by page and kept until the thread resumes. */
export class ThreadFrames {
  private readonly byDepth = new Map<number, FrameInfo>();
  private count?: Promise<number>;
  private all?: Promise<FrameInfo[]>;

  constructor(
    private readonly vm: JdwpClient,
    readonly thread: ThreadID,
  ) {}

  /** ThreadReference.FrameCount, once. */
  frameCount(): Promise<number> {
    return (this.count ??= this.vm.ThreadReference.FrameCount(this.thread).then((r) => r.frameCount));
  }

  /** Frames `start` to `start + count - 1` (all from `start` when count is omitted), from the cache where it has them. */
  async frames(start: number, count?: number): Promise<FrameInfo[]> {
    if (count === undefined) {
      if (start === 0) return (this.all ??= this.fetch(0, -1));
      return (await (this.all ??= this.fetch(0, -1))).slice(start);
    }
    if (this.all) return (await this.all).slice(start, start + count);
    const cached: FrameInfo[] = [];
    for (let d = start; d < start + count; d++) {
      const f = this.byDepth.get(d);
      if (!f) break;
      cached.push(f);
    }
    if (cached.length === count) return cached;
    // Ask for the page and the count together; only a page that runs past the last frame needs a second round.
    const total = this.frameCount();
    total.catch(() => undefined);
    try {
      return await this.fetch(start, count);
    } catch (err) {
      if (!isJdwpError(err, 'INVALID_LENGTH', 'INVALID_INDEX')) throw err;
      const length = Math.min(count, (await total) - start);
      return length <= 0 ? [] : this.fetch(start, length);
    }
  }

  private async fetch(start: number, length: number): Promise<FrameInfo[]> {
    const { frames } = await this.vm.ThreadReference.Frames(this.thread, start, length);
    const infos = frames.map((f, i) => ({ thread: this.thread, depth: start + i, id: f.frameID, location: f.location }));
    for (const f of infos) this.byDepth.set(f.depth, f);
    if (length === -1 && start === 0) this.count = Promise.resolve(infos.length);
    return infos;
  }
}
