import { TRACE_USAGE, parseTraceArgs } from './trace/options';
import { runCommand } from './trace/run';

export { TRACE_USAGE } from './trace/options';

/** `jdwp-fabric trace`: non-breaking snapshots, tracepoints and logpoints as JSON lines; resolves with the exit code. */
export function trace(argv: string[]): Promise<number> {
  return runCommand('trace', TRACE_USAGE, () => parseTraceArgs(argv));
}
