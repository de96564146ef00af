/** Stable exit codes of the jdwp-fabric CLI. */
export const ExitCode = {
  /** Success. */
  OK: 0,
  /** A runtime failure not covered below. */
  FAILURE: 1,
  /** Bad command line. */
  USAGE: 2,
  /** An address could not be reached, or the handshake failed. */
  UNREACHABLE: 3,
  /** An expression did not parse or type-check. */
  BAD_EXPRESSION: 4,
  /** A class or method named on the command line is not loaded anywhere and never loaded. */
  UNKNOWN_CLASS: 5,
  /** The target (proxy or JVM) went away during the session. */
  TARGET_LOST: 6,
  /** A loaded class has no code at the line, or no method of that name, named on the command line. */
  BAD_LOCATION: 7,
  /** Interrupted by SIGINT or SIGTERM; the session ended cleanly. */
  INTERRUPTED: 130,
} as const;
