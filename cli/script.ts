import { num, parseArgs, str, usageOf, UsageError, type CommandDecl } from './args';
import { loadScript } from './trace/script-file';
import { runCommand } from './trace/run';

/** `jdwp-fabric script`, declared once: its parsing, `--help` and docs derive from this. */
export const SCRIPT: CommandDecl = {
  name: 'script',
  summary: 'run a JSON script of trace probes (see script --help)',
  label: 'script FILE',
  synopsis: [
    'script FILE [--connect HOST:PORT] [--duration SECONDS] [--json]',
  ],
  description: 'Runs the probes of a JSON script (see docs/cli.md for the schema), each with its own condition, captures,\nlog template, stack depth, budgets and limits, as one trace session. The options override the script\'s.',
  helpColumn: 25,
  options: [
    { name: 'connect', value: 'HOST:PORT', help: ['the JVM or the jdwp-fabric proxy (overrides "connect")'] },
    { name: 'duration', value: 'SECONDS', help: ['end after this long (overrides "duration")'] },
    { name: 'json', help: ['JSON hits, notices and summary (overrides "json")'] },
    { name: 'help', help: ['this text'] },
  ],
  footer: 'Exit codes are those of jdwp-fabric trace.',
};


/** Usage of `jdwp-fabric script`. */
export const SCRIPT_USAGE = usageOf(SCRIPT);

/** `jdwp-fabric script FILE`: runs a JSON script of probes; resolves with the exit code. */
export function script(argv: string[]): Promise<number> {
  return runCommand('script', SCRIPT_USAGE, () => {
    const args = parseArgs(argv, SCRIPT);
    if (args.options.help) return undefined;
    if (args.positionals.length !== 1) throw new UsageError(args.positionals.length ? `one script file, got ${args.positionals.length} arguments` : 'a script FILE is required');
    return loadScript(args.positionals[0], {
      connect: str(args, 'connect'),
      durationMs: str(args, 'duration') === undefined ? undefined : num(args, 'duration', 0, 0.001) * 1000,
      json: args.options.json ? true : undefined,
    });
  });
}
