import { FabricError } from '../errors';
import type { TaggedObjectID } from '../protocol/wire-types';

/** Stable numbered codes of expression errors; they never change meaning once released. */
export const EvalErrorCode = {
  /** The expression does not parse, or uses syntax the evaluator does not support. */
  PARSE_ERROR: 2001,
  /** A name is not a local, field, class or package. */
  UNKNOWN_NAME: 2002,
  /** An operand has the wrong type, e.g. `!5` or a condition that is not boolean. */
  TYPE_ERROR: 2003,
  /** No method (or no single best overload) takes these arguments. */
  NO_SUCH_METHOD: 2004,
  /** A method invoked in the target threw; the error carries the exception object. */
  INVOCATION_THREW: 2005,
  /** A field, method, index or unboxing was applied to null. */
  NULL_POINTER: 2006,
  /** An array index is out of bounds. */
  INDEX_OUT_OF_BOUNDS: 2007,
  /** The expression needs to run target code, and invocation is turned off (hover, for instance). */
  INVOKE_DISABLED: 2008,
  /** A reference cast to a type the object is not an instance of. */
  CLASS_CAST: 2009,
  /** Integer division or remainder by zero. */
  DIVIDE_BY_ZERO: 2010,
  /** The target VM failed a request made during evaluation (thread not suspended, VM gone...). */
  VM_ERROR: 2011,
  /** The evaluation invoked more methods than its options allow. */
  TOO_MANY_INVOCATIONS: 2012,
  /** An invoked method did not return in time; the thread stays inside it until it returns. */
  INVOKE_TIMEOUT: 2013,
  /** The thread is still inside a method whose invocation timed out, and runs no other until it returns. */
  INVOKE_PENDING: 2014,
} as const;

/** One of the EvalErrorCode numbers. */
export type EvalErrorCodeValue = (typeof EvalErrorCode)[keyof typeof EvalErrorCode];

/** An expression error: a stable code, a message ending "at column N" when it has a position, and that column (1-based). */
export class EvalError extends FabricError {
  constructor(
    override readonly code: EvalErrorCodeValue,
    /** The message without its position. */
    readonly detail: string,
    /** 1-based column in the expression, when the error has a position. */
    readonly column?: number,
    /** For INVOCATION_THREW: the thrown object. */
    readonly exception?: TaggedObjectID,
  ) {
    super(code, column === undefined ? detail : `${detail} at column ${column}`);
    this.name = 'EvalError';
  }
}

/** A line with a caret under a column (1-based), to print below the expression. */
export function caretLine(column: number): string {
  return ' '.repeat(Math.max(0, column - 1)) + '^';
}

/** The expression, a caret under the error's column and the message, as three lines (two when there is no column). */
export function formatEvalError(source: string, err: EvalError): string {
  return err.column === undefined ? `${source}\n${err.message}` : `${source}\n${caretLine(err.column)}\n${err.message}`;
}
