import { ExitCode } from '../exit-codes';

/** The exit code a trace session ends with. */
export type TraceExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure that ends a trace session with a one-line message and a stable exit code. */
export class TraceError extends Error {
  constructor(
    readonly exitCode: TraceExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'TraceError';
  }
}
