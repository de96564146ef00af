import { INSPECT, inspect } from './inspect';
import { PROXY, proxy } from './proxy';
import { DEMO, demo } from './demo';
import { trace } from './trace';
import { TRACE } from './trace/options';
import { SCRIPT, script } from './script';
import { EDGES, edges } from './edges';
import type { CommandDecl } from './args';
import { runDebugAdapter } from '../adapter/main';

/** `jdwp-fabric dap`, declared: it takes no options (the editor speaks to it on stdin and stdout). */
export const DAP: CommandDecl = {
  name: 'dap',
  summary: 'speak the Debug Adapter Protocol on stdin and stdout (for editors)',
  synopsis: ['dap'],
  description: 'Speaks the Debug Adapter Protocol on stdin and stdout, for editors.',
  helpColumn: 0,
  options: [],
};

/** Every command with its declaration, in the order the top-level help lists them; `main` dispatches from this. */
export const COMMANDS: { decl: CommandDecl; run: (argv: string[]) => Promise<number> }[] = [
  { decl: DEMO, run: demo },
  { decl: PROXY, run: proxy },
  { decl: INSPECT, run: (argv) => inspect(argv) },
  { decl: TRACE, run: trace },
  { decl: SCRIPT, run: script },
  { decl: EDGES, run: (argv) => edges(argv) },
  {
    decl: DAP,
    run: () => {
      runDebugAdapter();
      return new Promise<number>(() => {});
    },
  },
];

/** The top-level help, listing the commands from their declarations. */
export const USAGE = `usage: jdwp-fabric <command> [options]

commands:
${COMMANDS.map(({ decl }) => `  ${(decl.label ?? decl.name).padEnd(22)}${decl.summary}`).join('\n')}

Run "jdwp-fabric <command> --help" for a command's options.`;

/** The CLI entry point; resolves with the process exit code (`dap` never resolves: the session ends the process). */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const found = COMMANDS.find((c) => c.decl.name === command);
  if (found) return found.run(rest);
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  console.error(`jdwp-fabric: unknown command "${command}"\n${USAGE}`);
  return 2;
}
