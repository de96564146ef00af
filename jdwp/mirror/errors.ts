import { FabricError } from '../errors';
import type { TaggedObjectID } from '../codec/types';

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
