import type { ObjectID, ThreadGroupID, ThreadID, Value } from '../protocol/wire-types';
import { JDWP } from '../registry';
import { ThreadFrames, type FrameInfo } from './frames';
import { Memo } from './memo';
import { sigbyteOf } from './names';
import { isJdwpError, type LocalVariable } from './type-info';
import { TypeMirror } from './type-mirror';

/** A thread with its name, status and group. */
export interface ThreadInfo {
  id: ThreadID;
  name: string;
  /** A JDWP ThreadStatus constant (RUNNING, SLEEPING, MONITOR, WAIT, ZOMBIE). */
  status: number;
  suspended: boolean;
  group: ThreadGroupID;
}

const THREAD_STATUS_NAMES = new Map<number, string>(Object.entries(JDWP.ThreadStatus).map(([k, v]) => [v, k]));

/** The spec's name of a ThreadStatus constant, e.g. `SLEEPING`. */
export function threadStatusName(status: number): string {
  return THREAD_STATUS_NAMES.get(status) ?? `STATUS_${status}`;
}

/** The threads and frames of a session mirror: frames are kept per thread until `invalidateThread`. */
export class ThreadMirror extends TypeMirror {
  private readonly groupNames = new Memo<ThreadGroupID, string>();
  private readonly threadFrames = new Map<ThreadID, ThreadFrames>();

  /** Every live thread with name, status and group, in AllThreads order (requests pipelined). */
  async threads(): Promise<ThreadInfo[]> {
    const { threads } = await this.vm.VirtualMachine.AllThreads();
    const infos = await Promise.all(threads.map((t) => this.threadInfo(t).catch((err) => (isJdwpError(err, 'INVALID_THREAD', 'INVALID_OBJECT', 'THREAD_NOT_ALIVE') ? undefined : Promise.reject(err)))));
    return infos.filter((t): t is ThreadInfo => t !== undefined);
  }

  /** One thread's name, status and group. */
  async threadInfo(thread: ThreadID): Promise<ThreadInfo> {
    const [name, status, group] = await Promise.all([
      this.vm.ThreadReference.Name(thread),
      this.vm.ThreadReference.Status(thread),
      this.vm.ThreadReference.ThreadGroup(thread),
    ]);
    return {
      id: thread,
      name: name.threadName,
      status: status.threadStatus,
      suspended: (status.suspendStatus & JDWP.SuspendStatus.SUSPEND_STATUS_SUSPENDED) !== 0,
      group: group.group,
    };
  }

  /** A thread group's name, cached. */
  threadGroupName(group: ThreadGroupID): Promise<string> {
    return this.groupNames.get(group, async () => (await this.vm.ThreadGroupReference.Name(group)).groupName);
  }

  private framesOf(thread: ThreadID): ThreadFrames {
    let f = this.threadFrames.get(thread);
    if (!f) this.threadFrames.set(thread, (f = new ThreadFrames(this.vm, thread)));
    return f;
  }

  /** The number of frames of a suspended thread. */
  frameCount(thread: ThreadID): Promise<number> {
    return this.framesOf(thread).frameCount();
  }

  /** Frames of a suspended thread: `count` frames from `start` (all when omitted), cached until the thread resumes. */
  frames(thread: ThreadID, start = 0, count?: number): Promise<FrameInfo[]> {
    return this.framesOf(thread).frames(start, count);
  }

  /** The frame at a depth (0 is the top), or an error when the thread has fewer frames. */
  async frameAt(thread: ThreadID, depth: number): Promise<FrameInfo> {
    const [frame] = await this.frames(thread, depth, 1);
    if (!frame) throw new Error(`thread ${thread} has no frame at depth ${depth}`);
    return frame;
  }

  /** Forgets a thread's frames; call whenever the thread resumes (continue, step, invoke). */
  invalidateThread(thread: ThreadID): void {
    this.threadFrames.delete(thread);
  }

  /** Forgets every thread's frames; call after VirtualMachine.Resume or a suspend-all event. */
  invalidateThreads(): void {
    this.threadFrames.clear();
  }

  /** Values of local variables in a frame (StackFrame.GetValues), refetching the frame once if its ID went stale. */
  async localValues(frame: FrameInfo, variables: LocalVariable[]): Promise<Value[]> {
    if (variables.length === 0) return [];
    const slots = variables.map((v) => ({ slot: v.slot, sigbyte: sigbyteOf(v.signature) }));
    try {
      return (await this.vm.StackFrame.GetValues(frame.thread, frame.id, slots)).values;
    } catch (err) {
      if (!isJdwpError(err, 'INVALID_FRAMEID')) throw err;
      const fresh = await this.refetched(frame, err);
      return (await this.vm.StackFrame.GetValues(fresh.thread, fresh.id, slots)).values;
    }
  }

  /**
   * The frame at a stale frame's depth, fetched again, when it is still the same frame (same location): an invoke
   * gives frames new IDs, but a stack that changed shape (the virtual VM's stitched stack lost a caller) has another
   * frame at that depth, and then the stale frame's error stands.
   */
  private async refetched(frame: FrameInfo, staleError: unknown): Promise<FrameInfo> {
    this.invalidateThread(frame.thread);
    const fresh = await this.frameAt(frame.thread, frame.depth).catch(() => undefined);
    const a = fresh?.location;
    const b = frame.location;
    if (!a || a.classID !== b.classID || a.methodID !== b.methodID || a.index !== b.index) throw staleError;
    return fresh!;
  }

  /** `this` of a frame, or undefined in a static or native method. */
  async thisObject(frame: FrameInfo): Promise<ObjectID | undefined> {
    const run = async (f: FrameInfo) => (await this.vm.StackFrame.ThisObject(f.thread, f.id)).objectThis.objectID;
    let id: ObjectID;
    try {
      id = await run(frame);
    } catch (err) {
      if (!isJdwpError(err, 'INVALID_FRAMEID')) throw err;
      id = await run(await this.refetched(frame, err));
    }
    return id === 0n ? undefined : id;
  }
}
