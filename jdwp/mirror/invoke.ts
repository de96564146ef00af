import type { JdwpClient } from '../client/client';
import type { ClassID, InterfaceID, ObjectID, TaggedObjectID, ThreadID, Value } from '../codec/types';
import { JDWP } from '../protocol/registry';
import type { MethodInfo } from './types';

/** How to invoke a method. */
export interface InvokeOptions {
  /** The receiver of an instance method; omit for a static method. */
  object?: ObjectID;
  /** Call exactly `method`, not the receiver's override (INVOKE_NONVIRTUAL), as `super.m()` would. */
  nonVirtual?: boolean;
  /** Resume only the invoking thread while the method runs (INVOKE_SINGLE_THREADED). Default true. */
  singleThreaded?: boolean;
  /** Timeout in ms; defaults to the mirror's invokeTimeoutMs. 0 waits forever. */
  timeoutMs?: number;
}

/** The raw outcome of an invocation: a return value, or the thrown exception. */
export interface InvokeOutcome {
  returnValue: Value;
  exception?: TaggedObjectID;
}

/** Sends the right InvokeMethod command for a method (ClassType, InterfaceType or ObjectReference). */
export async function sendInvoke(vm: JdwpClient, thread: ThreadID, method: MethodInfo, args: Value[], options: InvokeOptions, timeoutMs: number): Promise<InvokeOutcome> {
  let bits = options.singleThreaded === false ? 0 : JDWP.InvokeOptions.INVOKE_SINGLE_THREADED;
  if (options.nonVirtual) bits |= JDWP.InvokeOptions.INVOKE_NONVIRTUAL;
  const request = { timeoutMs };
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

/** Runs invocations on one thread one after another: JDWP refuses a second invoke on a thread that is invoking. */
export class InvokeQueue {
  private readonly tails = new Map<bigint, Promise<unknown>>();

  /** Runs `task` after every earlier task queued for the same thread has settled. */
  run<T>(thread: ThreadID, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(thread) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(thread, tail);
    void tail.then(() => {
      if (this.tails.get(thread) === tail) this.tails.delete(thread);
    });
    return next;
  }
}
