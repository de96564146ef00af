import { FabricError } from '../jdwp/errors';
import { EvalError, type EvalErrorCodeValue } from '../jdwp/eval/errors';

/** Stable numbered DAP error codes of the adapter; they never change meaning once released. */
export const AdapterErrorCode = {
  /** An internal failure the adapter did not anticipate. */
  INTERNAL: 3001,
  /** A request came before launch or attach finished. */
  NOT_CONNECTED: 3002,
  /** The launch or attach configuration is invalid. */
  BAD_CONFIGURATION: 3003,
  /** The JVM (or the virtual VM) could not be reached. */
  ATTACH_FAILED: 3004,
  /** The JVM could not be started. */
  LAUNCH_FAILED: 3005,
  /** The in-process virtual VM could not be started. */
  VIRTUAL_VM_FAILED: 3006,
  /** The target VM answered a command with a JDWP error. */
  JDWP_ERROR: 3007,
  /** The connection to the VM closed. */
  CONNECTION_CLOSED: 3008,
  /** The VM did not answer in time. */
  TIMEOUT: 3009,
  /** A threadId that the adapter does not know or that has died. */
  UNKNOWN_THREAD: 3010,
  /** A frameId that is unknown or stale (the thread resumed since). */
  UNKNOWN_FRAME: 3011,
  /** A variablesReference that is unknown or stale. */
  UNKNOWN_VARIABLES: 3012,
  /** The thread must be suspended for this request. */
  THREAD_NOT_SUSPENDED: 3013,
  /** A breakpoint could not be set. */
  BREAKPOINT_FAILED: 3014,
  /** A function breakpoint name is not "Class.method". */
  BAD_FUNCTION_NAME: 3015,
  /** A hit condition is not a count such as "5", ">= 5" or "% 5". */
  BAD_HIT_CONDITION: 3016,
  /** An expression failed to parse or evaluate. */
  EVALUATION_FAILED: 3017,
  /** A variable could not be set. */
  SET_VARIABLE_FAILED: 3018,
  /** A step could not start. */
  STEP_FAILED: 3019,
  /** restartFrame is not possible for this frame. */
  RESTART_FRAME_FAILED: 3020,
  /** terminate is only allowed for a launched program. */
  TERMINATE_NOT_ALLOWED: 3021,
  /** A request the adapter does not support. */
  UNSUPPORTED_REQUEST: 3022,
  /** A Fabric request that needs arguments it did not get. */
  BAD_ARGUMENTS: 3023,
  /** A source reference that the adapter does not know. */
  UNKNOWN_SOURCE: 3024,
  /** The proxy's wss:// certificate did not verify against "tlsCa" (or the system store): another CA, expired, another host. */
  CERTIFICATE_REJECTED: 3025,
  /** The proxy refused the bearer token ("token" or $JDWP_FABRIC_TOKEN), or none was given. */
  TOKEN_REJECTED: 3026,
} as const;

/** How a DAP error response shows an AdapterError: its message and its number. */
export const ERROR_FORMAT = '{_message} (jdwp-fabric error {_code})';

/** The numbered code of an AdapterError. */
export type AdapterErrorCodeValue = (typeof AdapterErrorCode)[keyof typeof AdapterErrorCode];

/**
 * A failure the adapter reports to the client as a DAP error with a stable number: one of
 * AdapterErrorCode, or an expression error's own EvalErrorCode (2001-2014).
 */
export class AdapterError extends Error {
  constructor(
    readonly code: AdapterErrorCodeValue | EvalErrorCodeValue,
    message: string,
  ) {
    super(message);
    this.name = 'AdapterError';
  }
}

const FABRIC_TO_ADAPTER: Record<number, AdapterErrorCodeValue> = {
  1012: AdapterErrorCode.ATTACH_FAILED,
  1010: AdapterErrorCode.ATTACH_FAILED,
  1011: AdapterErrorCode.ATTACH_FAILED,
  1020: AdapterErrorCode.CONNECTION_CLOSED,
  1021: AdapterErrorCode.TIMEOUT,
  1030: AdapterErrorCode.JDWP_ERROR,
  1041: AdapterErrorCode.TOKEN_REJECTED,
  1043: AdapterErrorCode.CERTIFICATE_REJECTED,
  1045: AdapterErrorCode.BAD_CONFIGURATION,
};

/** Codes a failed attach or launch answers as they are, rather than as ATTACH_FAILED: each says what to fix. */
export const KEPT_ON_CONNECT: ReadonlySet<number> = new Set([AdapterErrorCode.BAD_CONFIGURATION, AdapterErrorCode.CERTIFICATE_REJECTED, AdapterErrorCode.TOKEN_REJECTED]);

/**
 * Turns any thrown value into an AdapterError: AdapterErrors pass through, FabricErrors keep their
 * meaning, anything else becomes `fallback` (INTERNAL unless the caller knows better).
 */
export function toAdapterError(err: unknown, fallback: AdapterErrorCodeValue = AdapterErrorCode.INTERNAL): AdapterError {
  if (err instanceof AdapterError) return err;
  if (err instanceof EvalError) return new AdapterError(err.code, err.message);
  if (err instanceof FabricError) return new AdapterError(FABRIC_TO_ADAPTER[err.code] ?? fallback, err.message);
  const message = err instanceof Error ? err.message : String(err);
  return new AdapterError(fallback, message);
}
