import type { JdwpClient } from '../client/client';
import type { ClassID, InterfaceID, ObjectID, TaggedObjectID, ThreadID, Value } from '../protocol/wire-types';
import { JDWP } from '../registry';
import { InvocationPending, InvocationTimeout } from './errors';
import type { MethodInfo } from './type-info';

/** How to invoke a method. */
export interface InvokeOptions {
  /** The receiver of an instance method; omit for a static method. */
  object?: ObjectID;
  /** Call exactly `method`, not the receiver's override (INVOKE_NONVIRTUAL), as `super.m()` would. */
  nonVirtual?: boolean;
  /** Resume only the invoking thread while the method runs (INVOKE_SINGLE_THREADED). Default true. */
  singleThreaded?: boolean;
  /** How long to wait for the method to return, in ms; defaults to the mirror's invokeTimeoutMs. 0 waits forever. */
  timeoutMs?: number;
}

/** The raw outcome of an invocation: a return value, or the thrown exception. */
export interface InvokeOutcome {
  returnValue: Value;
  exception?: TaggedObjectID;
}

/**
 * Sends the right InvokeMethod command for a method (ClassType, InterfaceType or ObjectReference). The reply is
 * awaited for as long as it takes: the command is written before this returns its promise.
 */
export async function sendInvoke(vm: JdwpClient, thread: ThreadID, method: MethodInfo, args: Value[], options: InvokeOptions): Promise<InvokeOutcome> {
  let bits = options.singleThreaded === false ? 0 : JDWP.InvokeOptions.INVOKE_SINGLE_THREADED;
  if (options.nonVirtual) bits |= JDWP.InvokeOptions.INVOKE_NONVIRTUAL;
  const request = { timeoutMs: 0 };
  let reply: { returnValue: Value; exception: TaggedObjectID };
  if (method.isStatic) {
    reply =
      method.declaringTypeTag === JDWP.TypeTag.INTERFACE
        ? await vm.call('InterfaceType.InvokeMethod', { clazz: method.declaringType as InterfaceID, thread, methodID: method.id, arguments: args, options: bits }, request)
        : await vm.call('ClassType.InvokeMethod', { clazz: method.declaringType as ClassID, thread, methodID: method.id, arguments: args, options: bits }, request);
  } else {
    if (options.object === undefined || options.object === 0n) throw new Error(`instance method ${method.name} needs a receiver`);
    reply = await vm.call(
      'ObjectReference.InvokeMethod',
      { object: options.object, thread, clazz: method.declaringType as ClassID, methodID: method.id, arguments: args, options: bits },
      request,
    );
  }
  return reply.exception.objectID !== 0n ? { returnValue: reply.returnValue, exception: reply.exception } : { returnValue: reply.returnValue };
}

/** An invocation on its way: what was invoked, since when, and whether its caller has stopped waiting. */
interface Running {
  method: string;
  since: number;
  done: Promise<unknown>;
  /** True once the caller's timeout passed: the thread is still inside the method. */
  late: boolean;
}

/**
 * The invocations of a session, per thread: one at a time (JDWP refuses a second invoke on a thread that is
 * invoking), each waited for at most its timeout. An invocation that times out goes on in the target, as JDWP
 * cannot cancel it; until it returns, its thread refuses further invocations with InvocationPending.
 */
export class Invocations {
  private readonly tails = new Map<ThreadID, Promise<unknown>>();
  private readonly running = new Map<ThreadID, Running>();

  /** True while a method invoked on the thread has not returned (also after its caller timed out). */
  invoking(thread: ThreadID): boolean {
    return this.running.has(thread);
  }

  /** Resolves once no invocation is running on the thread. */
  async idle(thread: ThreadID): Promise<void> {
    for (let r = this.running.get(thread); r; r = this.running.get(thread)) await r.done;
  }

  /**
   * Runs `send` (which writes one InvokeMethod command) after every earlier invocation on the thread, and answers
   * its outcome, or InvocationTimeout after `timeoutMs` (0 waits forever). `onSettled` runs when the method has
   * really returned.
   */
  run<T>(thread: ThreadID, method: string, timeoutMs: number, send: () => Promise<T>, onSettled: () => void): Promise<T> {
    const task = (): Promise<T> => {
      const stuck = this.running.get(thread);
      if (stuck) return Promise.reject(new InvocationPending(stuck.method, stuck.since));
      const sent = send();
      const settle = (): void => {
        if (this.running.get(thread) === entry) this.running.delete(thread);
        onSettled();
      };
      const entry: Running = { method, since: Date.now(), done: sent.then(settle, settle), late: false };
      this.running.set(thread, entry);
      if (timeoutMs <= 0) return sent;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          entry.late = true;
          reject(new InvocationTimeout(method, timeoutMs));
        }, timeoutMs);
      });
      return Promise.race([sent, late]).finally(() => clearTimeout(timer));
    };
    const stuck = this.running.get(thread);
    if (stuck?.late) return Promise.reject(new InvocationPending(stuck.method, stuck.since));
    const next = (this.tails.get(thread) ?? Promise.resolve()).then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(thread, tail);
    void tail.then(() => {
      if (this.tails.get(thread) === tail) this.tails.delete(thread);
    });
    return next;
  }
}
