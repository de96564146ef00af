import type { JdwpClient } from '../client/client';
import type {
  ArrayID, ArrayTypeID, ClassObjectID, FieldID, Location, MethodID, ObjectID, ReferenceTypeID, StringID, ThreadGroupID, ThreadID, Value,
} from '../protocol/wire-types';
import { JDWP } from '../registry';
import { InvocationException } from './errors';
import { ThreadFrames, type FrameInfo } from './frames';
import { sendInvoke, Invocations, type InvokeOptions } from './invoke';
import { firstIndexOfLine, lineAt, lineTableOf, visibleAt } from './lines';
import { nameToSignature, sigbyteOf } from './names';
import {
  isJdwpError, loadRefType, locationKey, type FieldInfo, type LineTable, type LocalVariable, type MethodInfo, type RefType,
  type VariableTable,
} from './type-info';

/** Options of a session mirror. */
export interface MirrorOptions {
  /** Timeout of one invocation of target code in ms; default 10000; 0 waits forever. */
  invokeTimeoutMs?: number;
  /** Entries kept in the per-object caches (object types, string values, array lengths) before they are emptied; default 100000. */
  maxCachedObjects?: number;
}

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

/** A bounded memo: a Map of promises that forgets everything when it grows past its limit, and forgets failures. */
class Memo<K, V> {
  private readonly map = new Map<K, Promise<V>>();
  constructor(private readonly limit = Infinity) {}

  get(key: K, load: () => Promise<V>): Promise<V> {
    let p = this.map.get(key);
    if (!p) {
      if (this.map.size >= this.limit) this.map.clear();
      p = load();
      this.map.set(key, p);
      p.catch(() => {
        if (this.map.get(key) === p) this.map.delete(key);
      });
    }
    return p;
  }

  clear(): void {
    this.map.clear();
  }
}

/**
 * A JDI-like session model of one target VM (a JVM or the virtual VM) over a JdwpClient.
 * Immutable class data is loaded once per session with pipelined requests; concurrent loads of
 * the same data share one promise. Per-thread data (frames) is kept until `invalidateThread`,
 * which the debugger calls whenever the thread resumes.
 */
export class VmMirror {
  private readonly types = new Memo<ReferenceTypeID, RefType>();
  private readonly objectTypes: Memo<ObjectID, ReferenceTypeID>;
  private readonly strings: Memo<ObjectID, string>;
  private readonly arrayLengths: Memo<ObjectID, number>;
  private readonly byName = new Map<string, Promise<RefType[]>>();
  private allClasses?: { at: number; list: Promise<Array<{ typeID: ReferenceTypeID; signature: string }>> };
  private readonly lineTables = new Memo<string, LineTable | undefined>();
  private readonly variableTables = new Memo<string, VariableTable | undefined>();
  private readonly visible = new Memo<string, LocalVariable[] | undefined>(10_000);
  private readonly allFieldsMemo = new Memo<ReferenceTypeID, FieldInfo[]>();
  private readonly methodsMemo = new Memo<ReferenceTypeID, MethodInfo[]>();
  private readonly supertypesMemo = new Memo<ReferenceTypeID, RefType[]>();
  private readonly groupNames = new Memo<ThreadGroupID, string>();
  private readonly threadFrames = new Map<ThreadID, ThreadFrames>();
  private readonly invokes = new Invocations();
  private readonly invokeTimeoutMs: number;

  constructor(
    /** The client the mirror talks through. */
    readonly vm: JdwpClient,
    options: MirrorOptions = {},
  ) {
    const limit = options.maxCachedObjects ?? 100_000;
    this.objectTypes = new Memo(limit);
    this.strings = new Memo(limit);
    this.arrayLengths = new Memo(limit);
    this.invokeTimeoutMs = options.invokeTimeoutMs ?? 10_000;
  }

  // ---- reference types ----

  /** The facts of a reference type, loaded once per session. */
  type(id: ReferenceTypeID): Promise<RefType> {
    return this.types.get(id, () => loadRefType(this.vm, id));
  }

  /** The runtime type of an object. */
  async typeOfObject(object: ObjectID): Promise<RefType> {
    return this.type(await this.objectTypes.get(object, async () => (await this.vm.ObjectReference.ReferenceType(object)).typeID));
  }

  /** Loaded types with a JNI signature (several when several class loaders loaded it). Found types are remembered. */
  classesBySignature(signature: string): Promise<RefType[]> {
    const known = this.byName.get(signature);
    if (known) return known;
    const p = this.vm.VirtualMachine.ClassesBySignature(signature).then((r) =>
      Promise.all(r.classes.filter((c) => c.status & JDWP.ClassStatus.PREPARED || c.refTypeTag === JDWP.TypeTag.ARRAY).map((c) => this.type(c.typeID))),
    );
    this.byName.set(signature, p);
    void p.then(
      (found) => {
        if (found.length === 0 && this.byName.get(signature) === p) this.byName.delete(signature);
      },
      () => this.byName.delete(signature),
    );
    return p;
  }

  /** Loaded types with a Java name such as `java.util.Map$Entry` or `int[]`. */
  classesByName(name: string): Promise<RefType[]> {
    return this.classesBySignature(nameToSignature(name));
  }

  /** Forgets what classesByName and classesBySimpleName found, after a class was unloaded or redefined. */
  forgetClassNames(): void {
    this.byName.clear();
    this.allClasses = undefined;
  }

  /**
   * Loaded classes whose name without package is `simple` (nested classes match by their last part, `Entry`
   * for `java.util.Map$Entry`). Reads AllClasses once and again at most every 5 s when a name is not found.
   */
  async classesBySimpleName(simple: string): Promise<RefType[]> {
    const scan = async (list: Promise<Array<{ typeID: ReferenceTypeID; signature: string }>>) => {
      const suffixes = [`/${simple};`, `$${simple};`];
      const hits = (await list).filter((c) => c.signature === `L${simple};` || suffixes.some((x) => c.signature.endsWith(x)));
      return Promise.all(hits.map((c) => this.type(c.typeID)));
    };
    const now = Date.now();
    if (!this.allClasses) this.allClasses = { at: now, list: this.vm.VirtualMachine.AllClasses().then((r) => r.classes) };
    const found = await scan(this.allClasses.list);
    if (found.length || now - this.allClasses.at < 5000) return found;
    this.allClasses = { at: now, list: this.vm.VirtualMachine.AllClasses().then((r) => r.classes) };
    return scan(this.allClasses.list);
  }

  /** The type and its superclasses, nearest first, ending with java.lang.Object (arrays and interfaces: just the type). */
  async superclasses(type: RefType): Promise<RefType[]> {
    const chain = [type];
    for (let t = type; t.superclass; ) {
      t = await this.type(t.superclass);
      chain.push(t);
    }
    return chain;
  }

  /** Every supertype: the type, its superclasses, then all interfaces they implement (each once, breadth first). */
  supertypes(type: RefType): Promise<RefType[]> {
    return this.supertypesMemo.get(type.id, async () => {
      const chain = await this.superclasses(type);
      const seen = new Set<ReferenceTypeID>(chain.map((t) => t.id));
      const result = [...chain];
      let frontier = chain.flatMap((t) => t.interfaces);
      while (frontier.length) {
        const fresh = frontier.filter((id) => !seen.has(id));
        fresh.forEach((id) => seen.add(id));
        const loaded = await Promise.all([...new Set(fresh)].map((id) => this.type(id)));
        result.push(...loaded);
        frontier = loaded.flatMap((t) => t.interfaces);
      }
      return result;
    });
  }

  /** True when `type` is the type named by `signature` or a subtype of it (array covariance included). */
  async isSubtype(type: RefType, signature: string): Promise<boolean> {
    if (type.signature === signature || signature === 'Ljava/lang/Object;') return true;
    if (type.tag === JDWP.TypeTag.ARRAY) {
      if (signature === 'Ljava/lang/Cloneable;' || signature === 'Ljava/io/Serializable;') return true;
      if (!signature.startsWith('[')) return false;
      const mine = type.signature.slice(1);
      const theirs = signature.slice(1);
      if (!(mine.startsWith('L') || mine.startsWith('['))) return mine === theirs;
      if (!(theirs.startsWith('L') || theirs.startsWith('['))) return false;
      if (theirs === 'Ljava/lang/Object;') return true;
      const [component] = await this.classesBySignature(mine);
      return component ? this.isSubtype(component, theirs) : false;
    }
    return (await this.supertypes(type)).some((t) => t.signature === signature);
  }

  /** Declared and inherited fields (static and instance): the type's own first, then each superclass's, then interface constants. */
  allFields(type: RefType): Promise<FieldInfo[]> {
    return this.allFieldsMemo.get(type.id, async () => (await this.supertypes(type)).flatMap((t) => t.fields));
  }

  /** The field a simple name resolves to in a type (own fields hide inherited ones), or undefined. */
  async fieldByName(type: RefType, name: string): Promise<FieldInfo | undefined> {
    return (await this.allFields(type)).find((f) => f.name === name);
  }

  /** Methods callable on the type: declared and inherited, overridden ones left out; interface defaults after class methods. */
  visibleMethods(type: RefType): Promise<MethodInfo[]> {
    return this.methodsMemo.get(type.id, async () => {
      const seen = new Set<string>();
      const result: MethodInfo[] = [];
      for (const t of await this.supertypes(type)) {
        for (const m of t.methods) {
          if (m.name === '<clinit>' || (m.isConstructor && t !== type)) continue;
          const key = m.name + m.signature;
          if (seen.has(key)) continue;
          seen.add(key);
          result.push(m);
        }
      }
      return result;
    });
  }

  /** Visible methods with a name, optionally with an exact JNI signature. */
  async methodsByName(type: RefType, name: string, signature?: string): Promise<MethodInfo[]> {
    return (await this.visibleMethods(type)).filter((m) => m.name === name && (signature === undefined || m.signature === signature));
  }

  /** A method by its declaring type and ID. */
  async method(typeID: ReferenceTypeID, methodID: MethodID): Promise<MethodInfo> {
    const type = await this.type(typeID);
    const m = type.methods.find((x) => x.id === methodID);
    if (!m) throw new Error(`method ${methodID} is not declared by ${type.name}`);
    return m;
  }

  /** A field by its declaring type and ID. */
  async field(typeID: ReferenceTypeID, fieldID: FieldID): Promise<FieldInfo> {
    const type = await this.type(typeID);
    const f = type.fields.find((x) => x.id === fieldID);
    if (!f) throw new Error(`field ${fieldID} is not declared by ${type.name}`);
    return f;
  }

  /** Types directly nested in a type, and with `recursive` the types nested in those; only loaded ones. */
  async nestedTypes(type: RefType, recursive = true): Promise<RefType[]> {
    const { classes } = await this.vm.ReferenceType.NestedTypes(type.id);
    const direct = await Promise.all(classes.map((c) => this.type(c.typeID)));
    if (!recursive) return direct;
    const deeper = await Promise.all(direct.map((t) => this.nestedTypes(t, true)));
    return [...direct, ...deeper.flat()];
  }

  /** The java.lang.Class object of a type. */
  async classObject(type: RefType): Promise<ClassObjectID> {
    return (await this.vm.ReferenceType.ClassObject(type.id)).classObject;
  }

  // ---- lines and variables ----

  /** A method's line table, or undefined for a method without one (native, abstract, no debug info). */
  lineTable(typeID: ReferenceTypeID, methodID: MethodID): Promise<LineTable | undefined> {
    return this.lineTables.get(`${typeID}:${methodID}`, async () => {
      try {
        const r = await this.vm.Method.LineTable(typeID, methodID);
        return lineTableOf(r);
      } catch (err) {
        if (isJdwpError(err, 'ABSENT_INFORMATION', 'NATIVE_METHOD')) return undefined;
        throw err;
      }
    });
  }

  /** A method's variable table (arguments and locals, with generic signatures), or undefined when compiled without -g. */
  variableTable(typeID: ReferenceTypeID, methodID: MethodID): Promise<VariableTable | undefined> {
    return this.variableTables.get(`${typeID}:${methodID}`, async () => {
      try {
        const r = await this.vm.Method.VariableTableWithGeneric(typeID, methodID);
        return {
          argCount: r.argCnt,
          variables: r.slots.map((s) => ({
            name: s.name,
            signature: s.signature,
            genericSignature: s.genericSignature === '' ? undefined : s.genericSignature,
            codeIndex: s.codeIndex,
            length: s.length,
            slot: s.slot,
            isArgument: s.slot < r.argCnt,
          })),
        };
      } catch (err) {
        if (isJdwpError(err, 'ABSENT_INFORMATION', 'NATIVE_METHOD')) return undefined;
        throw err;
      }
    });
  }

  /** The source line of a location, or undefined without line information. */
  async lineOf(location: Location): Promise<number | undefined> {
    const table = await this.lineTable(location.classID, location.methodID);
    return table ? lineAt(table, location.index) : undefined;
  }

  /** One location per method of `type` that has code on `line` (its lowest code index), for line breakpoints. */
  async locationsOfLine(type: RefType, line: number): Promise<Location[]> {
    const tables = await Promise.all(type.methods.map((m) => this.lineTable(type.id, m.id)));
    const result: Location[] = [];
    tables.forEach((table, i) => {
      const index = table && firstIndexOfLine(table, line);
      if (index !== undefined) result.push({ typeTag: type.tag, classID: type.id as Location['classID'], methodID: type.methods[i].id, index });
    });
    return result;
  }

  /** The methods of a type whose line tables span `line` (first line to last line), for telling "no code here" apart from "not in this type". */
  async methodsSpanningLine(type: RefType, line: number): Promise<MethodInfo[]> {
    const tables = await Promise.all(type.methods.map((m) => this.lineTable(type.id, m.id)));
    return type.methods.filter((_, i) => {
      const lines = tables[i]?.lines.map((l) => l.line) ?? [];
      return lines.length > 0 && Math.min(...lines) <= line && line <= Math.max(...lines);
    });
  }

  /** The variables live at a location, or undefined when its method has no variable table. */
  visibleVariables(location: Location): Promise<LocalVariable[] | undefined> {
    return this.visible.get(locationKey(location), async () => {
      const table = await this.variableTable(location.classID, location.methodID);
      return table && visibleAt(table, location.index);
    });
  }

  // ---- threads and frames ----

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
      this.invalidateThread(frame.thread);
      const fresh = await this.frameAt(frame.thread, frame.depth);
      return (await this.vm.StackFrame.GetValues(fresh.thread, fresh.id, slots)).values;
    }
  }

  /** `this` of a frame, or undefined in a static or native method. */
  async thisObject(frame: FrameInfo): Promise<ObjectID | undefined> {
    const run = async (f: FrameInfo) => (await this.vm.StackFrame.ThisObject(f.thread, f.id)).objectThis.objectID;
    let id: ObjectID;
    try {
      id = await run(frame);
    } catch (err) {
      if (!isJdwpError(err, 'INVALID_FRAMEID')) throw err;
      this.invalidateThread(frame.thread);
      id = await run(await this.frameAt(frame.thread, frame.depth));
    }
    return id === 0n ? undefined : id;
  }

  // ---- values ----

  /** Values of instance fields of one object, in the order given (one request). */
  async fieldValues(object: ObjectID, fields: FieldInfo[]): Promise<Value[]> {
    if (fields.length === 0) return [];
    return (await this.vm.ObjectReference.GetValues(object, fields.map((f) => ({ fieldID: f.id })))).values;
  }

  /** Values of static fields, in the order given (one pipelined request per declaring type). */
  async staticValues(fields: FieldInfo[]): Promise<Value[]> {
    const groups = new Map<ReferenceTypeID, number[]>();
    fields.forEach((f, i) => {
      const g = groups.get(f.declaringType);
      if (g) g.push(i);
      else groups.set(f.declaringType, [i]);
    });
    const result: Value[] = new Array(fields.length);
    await Promise.all(
      [...groups].map(async ([type, indexes]) => {
        const { values } = await this.vm.ReferenceType.GetValues(type, indexes.map((i) => ({ fieldID: fields[i].id })));
        indexes.forEach((fi, k) => (result[fi] = values[k]));
      }),
    );
    return result;
  }

  /** One field's value: static fields ignore `object`. */
  async fieldValue(object: ObjectID | undefined, field: FieldInfo): Promise<Value> {
    if (field.isStatic) return (await this.staticValues([field]))[0];
    if (object === undefined || object === 0n) throw new Error(`instance field ${field.name} needs an object`);
    return (await this.fieldValues(object, [field]))[0];
  }

  /** The text of a java.lang.String (cached: strings are immutable). */
  stringValue(id: ObjectID): Promise<string> {
    return this.strings.get(id, async () => (await this.vm.StringReference.Value(id)).stringValue);
  }

  /** An array's length (cached: lengths are immutable). */
  arrayLength(id: ObjectID): Promise<number> {
    return this.arrayLengths.get(id, async () => (await this.vm.ArrayReference.Length(id as ArrayID)).arrayLength);
  }

  /** `count` elements of an array from `first` (to the end when omitted), as tagged values. */
  async arrayValues(id: ObjectID, first = 0, count?: number): Promise<Value[]> {
    const length = count ?? (await this.arrayLength(id)) - first;
    if (length <= 0) return [];
    return (await this.vm.ArrayReference.GetValues(id as ArrayID, first, length)).values.values;
  }

  /** Creates a java.lang.String in the target (VirtualMachine.CreateString). */
  async createString(text: string): Promise<StringID> {
    const id = (await this.vm.VirtualMachine.CreateString(text)).stringObject;
    this.strings.get(id, () => Promise.resolve(text));
    return id;
  }

  /** Creates an array of a loaded array type (e.g. `[Ljava/lang/String;`) holding `values`. */
  async newArray(type: RefType, values: Value[]): Promise<ArrayID> {
    const { newArray } = await this.vm.ArrayType.NewInstance(type.id as ArrayTypeID, values.length);
    const id = newArray.objectID as ArrayID;
    if (values.length) await this.vm.ArrayReference.SetValues(id, 0, values);
    return id;
  }

  /** The class a java.lang.Class object stands for. */
  async reflectedType(classObject: ClassObjectID): Promise<RefType> {
    return this.type((await this.vm.ClassObjectReference.ReflectedType(classObject)).typeID);
  }

  // ---- invocation ----

  /**
   * Invokes a method on a suspended thread (INVOKE_SINGLE_THREADED unless told otherwise) and returns its value.
   * Invocations on one thread run one after another; the thread's frames are refetched afterwards. Throws
   * InvocationException when the method throws, InvocationTimeout when it does not return in time, and
   * InvocationPending while the thread is still inside a method that timed out earlier.
   */
  async invoke(thread: ThreadID, method: MethodInfo, args: Value[], options: InvokeOptions = {}): Promise<Value> {
    const declaring = await this.type(method.declaringType);
    const name = `${declaring.name}.${method.name}`;
    const timeoutMs = options.timeoutMs ?? this.invokeTimeoutMs;
    let outcome;
    try {
      outcome = await this.invokes.run(thread, name, timeoutMs, () => sendInvoke(this.vm, thread, method, args, options), () => this.invalidateThread(thread));
    } finally {
      this.invalidateThread(thread);
    }
    if (outcome.exception) {
      const [type, detail] = await Promise.all([this.typeOfObject(outcome.exception.objectID), this.throwableMessage(outcome.exception.objectID)]);
      throw new InvocationException(outcome.exception, type.name, detail, name);
    }
    return outcome.returnValue;
  }

  /** True while a method invoked on the thread has not returned, also after its caller stopped waiting. */
  invoking(thread: ThreadID): boolean {
    return this.invokes.invoking(thread);
  }

  /** Resolves once no method invoked on the thread is running. */
  invocationsDone(thread: ThreadID): Promise<void> {
    return this.invokes.idle(thread);
  }

  /** A Throwable's detail message, read from its field without running code; undefined when it has none. */
  async throwableMessage(throwable: ObjectID): Promise<string | undefined> {
    const type = await this.typeOfObject(throwable);
    const field = (await this.allFields(type)).find((f) => f.name === 'detailMessage' && !f.isStatic);
    if (!field) return undefined;
    const [value] = await this.fieldValues(throwable, [field]);
    return value.value ? this.stringValue(value.value as ObjectID) : undefined;
  }
}
