import { CONSTANTS } from './protocol/spec-table';

/** Stable numbered error codes of jdwp-fabric; they never change meaning once released. */
export const FabricErrorCode = {
  /** A field ran past the end of its packet. */
  TRUNCATED: 1001,
  /** A packet held bytes after its last field. */
  TRAILING_BYTES: 1002,
  /** A value, tagged object or array region carried an unknown tag. */
  UNKNOWN_TAG: 1003,
  /** A packet header declared a length below 11 bytes. */
  BAD_LENGTH: 1004,
  /** A packet header declared a length above the configured maximum. */
  PACKET_TOO_LARGE: 1005,
  /** A command set or command is not in the protocol table. */
  UNKNOWN_COMMAND: 1006,
  /** A select carried a selector with no alternative. */
  UNKNOWN_ALTERNATIVE: 1007,
  /** A value to encode did not fit its field. */
  BAD_VALUE: 1008,
  /** The peer did not send "JDWP-Handshake". */
  BAD_HANDSHAKE: 1010,
  /** The handshake did not finish in time. */
  HANDSHAKE_TIMEOUT: 1011,
  /** A TCP or WebSocket connection could not be made. */
  CONNECT_FAILED: 1012,
  /** The connection closed while a request was pending. */
  CONNECTION_CLOSED: 1020,
  /** A request got no reply in time. */
  REQUEST_TIMEOUT: 1021,
  /** The target VM answered with a JDWP error code. */
  JDWP_ERROR: 1030,
  /** A remote listener was asked for without a token. */
  TOKEN_REQUIRED: 1040,
  /** A WebSocket client presented a wrong token. */
  TOKEN_REJECTED: 1041,
  /** A listener beyond loopback was asked for without --allow-remote, or a peer beyond loopback was refused. */
  REMOTE_NOT_ALLOWED: 1042,
  /** A TLS server's certificate was refused: expired, not for that host, or not signed by a trusted CA. */
  CERTIFICATE_REJECTED: 1043,
  /** A tokens file (--tokens) could not be read, or is not a JSON array of {name, sha256, role}. */
  BAD_TOKENS_FILE: 1044,
  /** TLS was asked for with a missing or unreadable certificate or key. */
  BAD_TLS_FILES: 1045,
  /** A node could not join: every node slot is held. */
  SLOTS_EXHAUSTED: 1050,
  /** A --discover spec (or the launch configuration's discover) is not k8s:[NAMESPACE/]SELECTOR or dns:NAME[:PORT]. */
  BAD_DISCOVERY: 1060,
  /** An --audit file could not be opened. */
  BAD_AUDIT_FILE: 1061,
  /** An RPC edge declaration (--edges FILE, the launch configuration) is malformed. */
  EDGES_INVALID: 1070,
  /** A request scope (--request-scope, Fabric.SetRequestScope, requestScope, trace --request) is malformed. */
  SCOPE_INVALID: 1071,
  /** An edge's mark field does not resolve on a node (no such String field in its class); the node checks entries instead. */
  MARK_FIELD_UNBOUND: 1072,
  /** A failure no code path handled (a bug): a running proxy logs it and serves on. */
  UNHANDLED_FAILURE: 1090,
} as const;

/** The numbered code of a FabricError. */
export type FabricErrorCodeValue = (typeof FabricErrorCode)[keyof typeof FabricErrorCode];

/** The base error of jdwp-fabric: a message plus a stable numbered code (FabricErrorCode here; 2xxx evaluator, 3xxx adapter). */
export class FabricError extends Error {
  constructor(
    readonly code: FabricErrorCodeValue | number,
    message: string,
  ) {
    super(message);
    this.name = 'FabricError';
  }
}

/** A malformed packet or value, raised by the codec and the framer. */
export class CodecError extends FabricError {
  constructor(
    override readonly code: FabricErrorCodeValue,
    message: string,
  ) {
    super(code, message);
    this.name = 'CodecError';
  }
}

const ERROR_NAMES = new Map<number, string>(Object.entries(CONSTANTS.Error).map(([name, value]) => [value, name]));

/** The spec's name for a JDWP error code, or "ERROR_<n>" for one it does not list. */
export function jdwpErrorName(code: number): string {
  return ERROR_NAMES.get(code) ?? `ERROR_${code}`;
}

/** A reply packet that carried a JDWP error code. */
export class JdwpReplyError extends FabricError {
  /** The spec's name of the error code, such as INVALID_THREAD. */
  readonly errorName: string;
  constructor(
    readonly errorCode: number,
    readonly command: string,
  ) {
    super(FabricErrorCode.JDWP_ERROR, `${command} failed: JDWP error ${errorCode} (${jdwpErrorName(errorCode)})`);
    this.name = 'JdwpReplyError';
    this.errorName = jdwpErrorName(errorCode);
  }
}
