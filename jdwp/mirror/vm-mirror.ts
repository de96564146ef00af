import type { ArrayID, ArrayTypeID, ClassObjectID, ObjectID, ReferenceTypeID, StringID, ThreadID, Value } from '../protocol/wire-types';
import type { JdwpClient } from '../client/client';
import { InvocationException } from './errors';
import { sendInvoke, Invocations, type InvokeOptions } from './invoke';
import { Memo } from './memo';
import { ThreadMirror } from './thread-mirror';
import type { FieldInfo, MethodInfo, RefType } from './type-info';
import { DEFAULT_MAX_CACHED_OBJECTS, type MirrorOptions } from './type-mirror';

/**
 * A JDI-like session model of one target VM (a JVM or the virtual VM) over a JdwpClient: its types (TypeMirror),
 * threads and frames (ThreadMirror), and here the values of fields, strings and arrays and the invocation of
 * methods. Immutable data is loaded once per session with pipelined requests; concurrent loads of the same data
 * share one promise. Per-thread data (frames) is kept until `invalidateThread`, which the debugger calls whenever
 * the thread resumes.
 */
export class VmMirror extends ThreadMirror {
  private readonly strings: Memo<ObjectID, string>;
  private readonly arrayLengths: Memo<ObjectID, number>;
  private readonly invokes = new Invocations();
  private readonly invokeTimeoutMs: number;

  constructor(vm: JdwpClient, options: MirrorOptions = {}) {
    super(vm, options);
    const limit = options.maxCachedObjects ?? DEFAULT_MAX_CACHED_OBJECTS;
    this.strings = new Memo(limit);
    this.arrayLengths = new Memo(limit);
    this.invokeTimeoutMs = options.invokeTimeoutMs ?? 10_000;
  }

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
