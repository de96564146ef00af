import type { DebugProtocol } from '@vscode/debugprotocol';
import { OutputEvent } from '@vscode/debugadapter';
import type { JdwpClient } from '../jdwp/client/client';
import type { StopSnapshots } from '../jdwp/client/stop-snapshots';
import type { VmMirror } from '../jdwp/mirror';
import type { FrameID, Location, ObjectID, ThreadID } from '../jdwp/protocol/wire-types';
import { SourceLocator } from './sources';
import { resolveSettings, type SessionSettings, type TargetConfig } from './config';
import { AdapterError, AdapterErrorCode } from './errors';
import { IdMap, RefTable } from './refs';
import { EventDispatcher } from './events';
import { ThreadModel } from './thread-model';

/** A DAP frameId's meaning: one frame of one suspended thread. */
export interface FrameRef {
  thread: ThreadID;
  frameID: FrameID;
  /** Depth from the top, 0 for the top frame. */
  depth: number;
  location: Location;
  /** For a caller's frame in a stitched stack: the caller's own thread (on its node), which owns the frame's values. */
  callerThread?: ThreadID;
}

/** A DAP label frame between the hops of a stitched stack: it stands for no JDWP frame. */
export interface LabelFrameRef {
  label: string;
  thread: ThreadID;
}

/** Something that ends with the session: a launched JVM, an in-process virtual VM. */
export interface Disposable {
  dispose(): Promise<void>;
  /** True for the launched JVM, which disconnect only ends when asked to terminate it. */
  launchedJvm?: boolean;
  /** For the launched JVM: settles when its process has exited. */
  exited?: Promise<unknown>;
}

/**
 * The state of one debug session shared by the request handlers: the VM connection, the
 * settings, the handle tables (threads, frames, variables) and who is suspended.
 */
export class AdapterContext {
  /** The connection to the JVM or the virtual VM, once launch or attach has finished. */
  vm: JdwpClient | undefined;
  /** The session's cached model of the VM. */
  mirror!: VmMirror;
  settings: SessionSettings = resolveSettings({});
  target: TargetConfig | undefined;
  /** True when the target answers the Fabric command set (it is the virtual VM). */
  fabric = false;
  /** The VM name and version, from VirtualMachine.Version. */
  vmDescription = '';
  /** True while a VM that started suspended waits for configurationDone. */
  startHeld = false;
  /** True after configurationDone. */
  configured = false;
  /** True once the session has ended (disconnect, terminate or VM death). */
  ended = false;
  /** Client conventions from initialize. */
  linesStartAt1 = true;
  columnsStartAt1 = true;
  readonly threadIds = new IdMap<ThreadID>();
  readonly frames = new RefTable<FrameRef | LabelFrameRef>(1);
  /** Variables containers; the value type belongs to variables.ts. */
  readonly vars = new RefTable<unknown>(1);
  readonly events: EventDispatcher;
  /** Which threads of which node run, are stopped or held, why and since when. */
  readonly model: ThreadModel;
  /** Through the virtual VM: stopped threads' stops, each read in one command. */
  snapshots: StopSnapshots | undefined;
  /** Finds source files for classes. */
  sources = new SourceLocator([], []);
  /** The exception each thread last stopped on, for exceptionInfo. */
  readonly lastException = new Map<ThreadID, { exception: ObjectID; typeName: string; message?: string; caught: boolean }>();
  /** Things to dispose of when the session ends, last added first. */
  readonly resources: Disposable[] = [];

  constructor(private readonly sink: (event: DebugProtocol.Event) => void) {
    this.events = new EventDispatcher(this);
    this.model = new ThreadModel(this);
  }

  /** Sends a DAP event to the client. */
  send(event: DebugProtocol.Event): void {
    if (!this.ended || event.event === 'terminated' || event.event === 'exited' || event.event === 'output') this.sink(event);
  }

  /** Prints to the Debug Console. */
  output(text: string, category: 'console' | 'stdout' | 'stderr' | 'important' = 'console'): void {
    this.send(new OutputEvent(text.endsWith('\n') ? text : `${text}\n`, category));
  }

  /** The VM connection; fails with NOT_CONNECTED before launch or attach. */
  requireVm(): JdwpClient {
    if (!this.vm || this.ended) throw new AdapterError(AdapterErrorCode.NOT_CONNECTED, 'not connected to a VM (launch or attach first)');
    return this.vm;
  }

  /** The JDWP thread of a DAP threadId. */
  thread(threadId: number | undefined): ThreadID {
    const t = threadId === undefined ? undefined : this.threadIds.key(threadId);
    if (t === undefined) throw new AdapterError(AdapterErrorCode.UNKNOWN_THREAD, `unknown thread ${threadId}`);
    return t;
  }

  /** The frame of a DAP frameId. */
  frame(frameId: number | undefined): FrameRef {
    const f = frameId === undefined ? undefined : this.frames.get(frameId);
    if (!f) throw new AdapterError(AdapterErrorCode.UNKNOWN_FRAME, `frame ${frameId} is unknown or no longer valid (the thread has resumed)`);
    if ('label' in f) throw new AdapterError(AdapterErrorCode.UNKNOWN_FRAME, `"${f.label}" marks where a caller's frames start; pick a frame below it`);
    return f;
  }

  /** True when a DAP frameId is a label frame of a stitched stack. */
  isLabelFrame(frameId: number | undefined): boolean {
    const f = frameId === undefined ? undefined : this.frames.get(frameId);
    return f !== undefined && 'label' in f;
  }

  /** The thread of the last stopped event, where evaluations without a frame run. */
  get lastStoppedThread(): ThreadID | undefined {
    return this.model.lastStopped;
  }

  /** True when the thread is suspended by a stop or pause of ours (stopped, or held with its node). */
  isSuspended(thread: ThreadID): boolean {
    return this.model.isSuspended(thread);
  }
}
