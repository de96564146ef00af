import { UsageError } from '../args';
import { ExitCode } from '../exit-codes';
import { TraceError } from './errors';
import type { SessionPlan } from './options';
import { PROCESS_IO, type Io } from './output';
import { runSession } from './session';

/**
 * Runs a planned session from the command line: Ctrl-C (SIGINT), SIGTERM and a closed stdout end it cleanly
 * (a second Ctrl-C leaves at once), a usage error prints the usage, a TraceError its one line. Resolves with
 * the exit code.
 */
export async function runCommand(command: string, usage: string, plan: () => SessionPlan | undefined, io: Io = PROCESS_IO): Promise<number> {
  let planned: SessionPlan | undefined;
  try {
    planned = plan();
    if (!planned) {
      io.out(usage.trimEnd());
      return ExitCode.OK;
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`jdwp-fabric ${command}: ${err.message}\n\n${usage.trimEnd()}`);
      return ExitCode.USAGE;
    }
    if (err instanceof TraceError) {
      io.err(`jdwp-fabric ${command}: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  }
  const abort = new AbortController();
  const stop = () => {
    if (!abort.signal.aborted) abort.abort();
    else {
      io.err(`jdwp-fabric ${command}: interrupted again: leaving without cleaning up (the target's JDWP agent resumes what a departed debugger suspended)`);
      process.exit(ExitCode.INTERRUPTED);
    }
  };
  const closed = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') abort.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.on('error', closed);
  try {
    return await runSession(planned, { io, signal: abort.signal });
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`jdwp-fabric ${command}: ${err.message}`);
      return ExitCode.USAGE;
    }
    if (err instanceof TraceError) {
      io.err(`jdwp-fabric ${command}: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    process.stdout.removeListener('error', closed);
  }
}
