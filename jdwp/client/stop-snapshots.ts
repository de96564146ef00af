import type { WireRecord } from '../codec/layout';
import { objectTagKind, Tag } from '../codec/tags';
import type { Fabric_StopSnapshot_Reply } from '../protocol/fabric-types';
import type { ThreadID, Value } from '../protocol/wire-types';
import { JDWP } from '../registry';
import { COMMAND_RULES } from '../vm/rules';
import type { JdwpClient } from './client';

/** Frames a snapshot holds: what a call stack shows on its first page. */
const MAX_FRAMES = 50;
/** Locals, fields per object and array elements a snapshot holds (previews show 5 elements; pages ask for more). */
const MAX_CHILDREN = 100;

type Snapshot = Fabric_StopSnapshot_Reply;
type Child = Snapshot['objects'][number];

/** A snapshot indexed for answering. */
interface Held {
  snap: Snapshot;
  objects: Map<bigint, Child>;
  strings: Map<bigint, string>;
}

/**
 * Stopped threads' stops as Fabric.StopSnapshot gives them, one command each, for a client of the virtual VM (the
 * adapter, the CLI's trace). The client asks it before sending a command (JdwpClient.answerer): the reads a debugger
 * makes at a stop (frames, caller chain, this, locals, the fields, lengths, elements and strings of their objects)
 * are answered from it, the rest goes to the VM as always. A thread's snapshot is dropped when the thread resumes;
 * every snapshot is dropped before a command that changes the target (invocations, set values).
 */
export class StopSnapshots {
  private readonly byThread = new Map<ThreadID, Promise<Held | undefined>>();
  /** False turns snapshots off (the bench and tests compare the adapter with and without them). */
  enabled = true;

  /** Answers `vm`'s commands from now on; `vm` must be the virtual VM (a plain JVM's agent crashes on the Fabric set). */
  constructor(private readonly vm: JdwpClient) {
    vm.answerer = this.answer;
  }

  /** Asks the virtual VM for a thread's stop, unless it has since the thread last resumed. */
  take(thread: ThreadID): void {
    if (!this.enabled || this.byThread.has(thread)) return;
    const held = this.vm.Fabric.StopSnapshot(thread, MAX_FRAMES, MAX_CHILDREN).then(
      (snap): Held => ({ snap, objects: new Map(snap.objects.map((o) => [o.object as bigint, o])), strings: new Map(snap.strings.map((s) => [s.string as bigint, s.value])) }),
      () => undefined,
    );
    this.byThread.set(thread, held);
  }

  /** The client's answerer: a reply record for a command the snapshots hold, else undefined (or a promise of it). */
  readonly answer = (fullName: string, out: WireRecord): Promise<WireRecord | undefined> | undefined => {
    if (this.byThread.size === 0) return undefined;
    switch (fullName) {
      case 'ThreadReference.Resume':
        this.byThread.delete(out.thread as ThreadID);
        return undefined;
      case 'VirtualMachine.Resume':
        this.clear();
        return undefined;
      case 'ThreadReference.FrameCount':
      case 'ThreadReference.Frames':
      case 'Fabric.CallerChain':
      case 'StackFrame.ThisObject':
      case 'StackFrame.GetValues':
        return this.byThread.get(out.thread as ThreadID)?.then((h) => h && fromStack(h.snap, fullName, out));
      case 'ObjectReference.ReferenceType':
      case 'ObjectReference.GetValues':
      case 'ArrayReference.Length':
      case 'ArrayReference.GetValues':
      case 'StringReference.Value':
        return this.fromAny((h) => fromObjects(h, fullName, out));
      default:
        if (COMMAND_RULES[fullName]?.readOnly) this.clear();
        return undefined;
    }
  };

  /** Forgets every snapshot. */
  clear(): void {
    this.byThread.clear();
  }

  private async fromAny(read: (h: Held) => WireRecord | undefined): Promise<WireRecord | undefined> {
    for (const held of [...this.byThread.values()]) {
      const h = await held;
      const rec = h && read(h);
      if (rec) return rec;
    }
    return undefined;
  }
}

function fromStack(snap: Snapshot, fullName: string, out: WireRecord): WireRecord | undefined {
  const top = snap.frames[0];
  switch (fullName) {
    case 'ThreadReference.FrameCount':
      return { frameCount: snap.frameCount };
    case 'ThreadReference.Frames': {
      const start = out.startFrame as number;
      const end = (out.length as number) === -1 ? snap.frameCount : start + (out.length as number);
      return start >= 0 && start <= end && end <= snap.frames.length ? { frames: snap.frames.slice(start, end) } : undefined;
    }
    case 'Fabric.CallerChain':
      return { hops: snap.hops };
    case 'StackFrame.ThisObject':
      return top && out.frame === top.frameID ? { objectThis: snap.thisObject } : undefined;
    case 'StackFrame.GetValues': {
      if (!top || out.frame !== top.frameID) return undefined;
      const values: Value[] = [];
      for (const { slot, sigbyte } of out.slots as Array<{ slot: number; sigbyte: number }>) {
        const local = snap.locals.find((l) => l.slot === slot && l.signature.charCodeAt(0) === sigbyte);
        if (!local) return undefined;
        values.push(local.value);
      }
      return { values };
    }
  }
  return undefined;
}

function fromObjects(h: Held, fullName: string, out: WireRecord): WireRecord | undefined {
  if (fullName === 'StringReference.Value') {
    const text = h.strings.get(out.stringObject as bigint);
    return text === undefined ? undefined : { stringValue: text };
  }
  const child = h.objects.get((out.object ?? out.arrayObject) as bigint);
  if (!child) return undefined;
  const isArray = child.arrayLength >= 0;
  switch (fullName) {
    case 'ObjectReference.ReferenceType':
      return { refTypeTag: isArray ? JDWP.TypeTag.ARRAY : JDWP.TypeTag.CLASS, typeID: child.type };
    case 'ArrayReference.Length':
      return isArray ? { arrayLength: child.arrayLength } : undefined;
    case 'ArrayReference.GetValues': {
      const first = out.firstIndex as number;
      const end = first + (out.length as number);
      if (!isArray || first < 0 || end > child.elements.length || end > child.arrayLength) return undefined;
      const values = child.elements.slice(first, end);
      const tag = values[0]?.tag ?? Tag.OBJECT;
      return { values: { tag: objectTagKind(tag) ? Tag.OBJECT : tag, values } };
    }
    case 'ObjectReference.GetValues': {
      const values: Value[] = [];
      for (const { fieldID } of out.fields as Array<{ fieldID: bigint }>) {
        const f = child.fields.find((x) => x.fieldID === fieldID);
        if (!f) return undefined;
        values.push(f.value);
      }
      return { values };
    }
  }
  return undefined;
}
