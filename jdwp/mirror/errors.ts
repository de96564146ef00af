import { FabricError } from '../errors';
import type { TaggedObjectID } from '../protocol/wire-types';

/** The code every layer reports for an exception thrown by invoked target code (EvalErrorCode.INVOCATION_THREW). */
export const INVOCATION_EXCEPTION_CODE = 2005;

/** The invoked method threw: carries the exception object so callers can show or inspect it. */
export class InvocationException extends FabricError {
  constructor(
    /** The thrown object. */
    readonly exception: TaggedObjectID,
    /** The thrown object's class name, e.g. `java.lang.IllegalStateException`. */
    readonly exceptionType: string,
    /** The exception's detail message, when it has one. */
    readonly detail: string | undefined,
    /** The invoked method, as `Class.method`. */
    readonly method: string,
  ) {
    super(INVOCATION_EXCEPTION_CODE, `${method} threw ${exceptionType}${detail !== undefined ? `: ${detail}` : ''}`);
    this.name = 'InvocationException';
  }
}

/** The code every layer reports for an invocation that did not return in time (EvalErrorCode.INVOKE_TIMEOUT). */
export const INVOCATION_TIMEOUT_CODE = 2013;

/** The code every layer reports for an invocation refused because the thread is still inside an earlier one (EvalErrorCode.INVOKE_PENDING). */
export const INVOCATION_PENDING_CODE = 2014;

/** The invoked method did not return in time; the thread stays inside it (JDWP cannot cancel an invocation) until it does. */
export class InvocationTimeout extends FabricError {
  constructor(
    /** The invoked method, as `Class.method`. */
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(INVOCATION_TIMEOUT_CODE, `${method} did not return within ${timeoutMs} ms; the thread stays inside it until it returns, and runs no other method until then`);
    this.name = 'InvocationTimeout';
  }
}

/** An invocation refused because an earlier one on the same thread timed out and has not returned yet. */
export class InvocationPending extends FabricError {
  constructor(
    /** The method the thread is still inside, as `Class.method`. */
    readonly method: string,
    /** When that invocation started (ms since the epoch). */
    readonly since: number,
  ) {
    super(INVOCATION_PENDING_CODE, `the thread is still inside ${method}, invoked ${Math.round((Date.now() - since) / 1000)} s ago, and cannot run another method until it returns`);
    this.name = 'InvocationPending';
  }
}
