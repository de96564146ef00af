import type { ObjectID, ThreadID, Value } from '../protocol/wire-types';
import { InvocationException, InvocationPending, InvocationTimeout } from '../mirror/errors';
import type { FrameInfo } from '../mirror/frames';
import type { VmMirror } from '../mirror/vm-mirror';
import { packageOf } from '../mirror/names';
import { JDWP } from '../registry';
import type { MethodInfo, RefType } from '../mirror/type-info';
import { EvalError, EvalErrorCode } from './errors';
import { fromValue, type EvalValue } from './operands';

/** Where an expression runs: a suspended thread and one of its frames. */
export interface EvalContext {
  mirror: VmMirror;
  thread: ThreadID;
  /** The frame's depth (0 is the top frame) or the frame itself; default 0. */
  frame?: number | FrameInfo;
}

/** How an evaluation may act on the target. */
export interface EvalOptions {
  /** Allow running target code (method calls, toString for concatenation, boxing). Default true. */
  allowInvoke?: boolean;
  /** The most methods one evaluation may invoke; default 100. */
  maxInvocations?: number;
  /** Timeout of each invocation in ms; default the mirror's. */
  invokeTimeoutMs?: number;
}

const typeLookups = new WeakMap<VmMirror, Map<string, Promise<RefType | undefined>>>();

/** The state of one evaluation: the frame's facts, loaded once and only when needed. */
export class Scope {
  readonly depth: number;
  private invocations = 0;
  /** Objects made during the evaluation, kept from garbage collection until `release`. */
  private readonly pinned: ObjectID[] = [];
  private framePromise?: Promise<FrameInfo>;
  private localsPromise?: Promise<Map<string, EvalValue>>;
  private thisPromise?: Promise<ObjectID | undefined>;
  private placePromise?: Promise<{ type: RefType; method: MethodInfo }>;

  constructor(
    readonly mirror: VmMirror,
    readonly thread: ThreadID,
    frame: number | FrameInfo | undefined,
    readonly options: EvalOptions,
  ) {
    this.depth = typeof frame === 'object' ? frame.depth : (frame ?? 0);
    if (typeof frame === 'object') this.framePromise = Promise.resolve(frame);
  }

  /** The frame the expression runs in. */
  frame(): Promise<FrameInfo> {
    return (this.framePromise ??= this.mirror.frameAt(this.thread, this.depth));
  }

  /** The frame's declaring type and method. */
  place(): Promise<{ type: RefType; method: MethodInfo }> {
    return (this.placePromise ??= this.frame().then(async (f) => {
      const [type, method] = await Promise.all([this.mirror.type(f.location.classID), this.mirror.method(f.location.classID, f.location.methodID)]);
      return { type, method };
    }));
  }

  /** The locals visible at the frame's location with their values (one request for all). */
  locals(): Promise<Map<string, EvalValue>> {
    return (this.localsPromise ??= (async () => {
      const frame = await this.frame();
      const [vars, byPosition] = await Promise.all([this.mirror.visibleVariables(frame.location), this.mirror.argumentsByPosition(frame.location)]);
      // Arguments are also reachable by position (arg0, arg1, ...), as in frames compiled without a variable table.
      const named = (vars ?? []).filter((v) => v.name !== 'this');
      const wanted = [...named, ...byPosition.filter((a) => !named.some((v) => v.name === a.name))];
      const values = await this.mirror.localValues(frame, wanted);
      return new Map(wanted.map((v, i) => [v.name, fromValue(values[i], v.signature)]));
    })());
  }

  /** `this`, or undefined in a static method. */
  thisObject(): Promise<ObjectID | undefined> {
    return (this.thisPromise ??= this.frame().then((f) => this.mirror.thisObject(f)));
  }

  /**
   * A class by a name as written in an expression: simple (`Math`, `Inner`), nested (`Map.Entry`) or
   * qualified (`java.util.List`). Searches the frame's class and its outer classes, the frame's package,
   * java.lang, then every loaded class with that simple name (when exactly one matches).
   */
  async findType(name: string): Promise<RefType | undefined> {
    const { type: here } = await this.place();
    let cache = typeLookups.get(this.mirror);
    if (!cache) typeLookups.set(this.mirror, (cache = new Map()));
    const key = `${here.name}|${name}`;
    let p = cache.get(key);
    if (!p) {
      p = this.lookupType(here, name);
      cache.set(key, p);
      void p.then((t) => t ?? cache.delete(key), () => cache.delete(key));
    }
    return p;
  }

  private async lookupType(here: RefType, name: string): Promise<RefType | undefined> {
    const parts = name.split('.');
    const first = async (names: string[]): Promise<RefType | undefined> => {
      const found = await Promise.all(names.map((n) => this.mirror.classesByName(n)));
      return found.find((f) => f.length > 0)?.[0];
    };
    const nested = async (outer: RefType | undefined, rest: string[]) => {
      let t = outer;
      for (const p of rest) t = t && (await this.mirror.classesByName(`${t.name}$${p}`))[0];
      return t;
    };
    const outers: string[] = [];
    for (let n = here.name; ; ) {
      outers.push(n);
      const dollar = n.lastIndexOf('$');
      if (dollar < 0) break;
      n = n.slice(0, dollar);
    }
    const pkg = packageOf(here.name);
    const simple = parts[0];
    const candidates = [...outers.map((o) => `${o}$${simple}`), pkg ? `${pkg}.${simple}` : simple, `java.lang.${simple}`];
    const qualified: string[] = [];
    for (let k = parts.length; k >= 1; k--) qualified.push(parts.slice(0, k).join('.') + parts.slice(k).map((p) => '$' + p).join(''));
    if (parts.length > 1) {
      const direct = await first(qualified);
      if (direct) return direct;
    }
    const head = (await first(candidates)) ?? (await this.uniqueBySimpleName(simple));
    return nested(head, parts.slice(1));
  }

  private async uniqueBySimpleName(simple: string): Promise<RefType | undefined> {
    const all = await this.mirror.classesBySimpleName(simple);
    const names = new Set(all.map((t) => t.name));
    return names.size === 1 ? all[0] : undefined;
  }

  /** Invokes a method, counting invocations and turning a thrown exception into EvalError 2005. */
  async invoke(method: MethodInfo, args: Value[], object: ObjectID | undefined, pos: number): Promise<Value> {
    if (this.options.allowInvoke === false) {
      throw new EvalError(EvalErrorCode.INVOKE_DISABLED, `evaluating this needs a method call (${method.name}), and method calls are turned off`, pos + 1);
    }
    if (++this.invocations > (this.options.maxInvocations ?? 100)) {
      throw new EvalError(EvalErrorCode.TOO_MANY_INVOCATIONS, `more than ${this.options.maxInvocations ?? 100} method calls`, pos + 1);
    }
    try {
      const result = await this.mirror.invoke(this.thread, method, args, { object, timeoutMs: this.options.invokeTimeoutMs });
      if (typeof result.value === 'bigint' && result.value !== 0n && result.tag !== JDWP.Tag.LONG) this.pin(result.value as ObjectID);
      return result;
    } catch (err) {
      if (err instanceof InvocationException) {
        throw new EvalError(EvalErrorCode.INVOCATION_THREW, err.message, pos + 1, err.exception);
      }
      if (err instanceof InvocationTimeout) throw new EvalError(EvalErrorCode.INVOKE_TIMEOUT, err.message, pos + 1);
      if (err instanceof InvocationPending) throw new EvalError(EvalErrorCode.INVOKE_PENDING, err.message, pos + 1);
      throw err;
    }
  }

  /** Creates a String in the target, kept from collection until the evaluation ends. */
  async createString(text: string): Promise<ObjectID> {
    const id = await this.mirror.createString(text);
    this.pin(id);
    return id;
  }

  /** Creates an array in the target, kept from collection until the evaluation ends. */
  async newArray(type: RefType, values: Value[]): Promise<ObjectID> {
    const id = await this.mirror.newArray(type, values);
    this.pin(id);
    return id;
  }

  /**
   * Keeps an object the evaluation made from garbage collection while other threads run. The request is not
   * awaited: the target handles commands in order, so it takes effect before any later command of ours.
   */
  private pin(id: ObjectID): void {
    this.pinned.push(id);
    this.mirror.vm.ObjectReference.DisableCollection(id).catch(() => undefined);
  }

  /** Lets the target collect what the evaluation made again; call when the evaluation is over. */
  release(): void {
    for (const id of this.pinned.splice(0)) this.mirror.vm.ObjectReference.EnableCollection(id).catch(() => undefined);
  }
}
