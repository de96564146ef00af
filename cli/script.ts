import { num, parseArgs, str, UsageError } from './args';
import { loadScript } from './trace/script-file';
import { runCommand } from './trace/run';

/** Usage of `jdwp-fabric script`. */
export const SCRIPT_USAGE = `usage: jdwp-fabric script FILE [--connect HOST:PORT] [--duration SECONDS] [--json]

Runs the probes of a JSON script (see docs/cli.md for the schema), each with its own condition, captures,
log template, stack depth, budgets and limits, as one trace session. The options override the script's.

  --connect HOST:PORT    the JVM or the jdwp-fabric proxy (overrides "connect")
  --duration SECONDS     end after this long (overrides "duration")
  --json                 JSON hits, notices and summary (overrides "json")
  --help                 this text

Exit codes are those of jdwp-fabric trace.
`;

/** `jdwp-fabric script FILE`: runs a JSON script of probes; resolves with the exit code. */
export function script(argv: string[]): Promise<number> {
  return runCommand('script', SCRIPT_USAGE, () => {
    const args = parseArgs(argv, [{ name: 'connect', value: true }, { name: 'duration', value: true }, { name: 'json' }, { name: 'help' }]);
    if (args.options.help) return undefined;
    if (args.positionals.length !== 1) throw new UsageError(args.positionals.length ? `one script file, got ${args.positionals.length} arguments` : 'a script FILE is required');
    return loadScript(args.positionals[0], {
      connect: str(args, 'connect'),
      durationMs: str(args, 'duration') === undefined ? undefined : num(args, 'duration', 0, 0.001) * 1000,
      json: args.options.json ? true : undefined,
    });
  });
}
