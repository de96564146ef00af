import type { CommandDecl } from './args';
import { COMMANDS } from './main';

/** A command's synopsis as the docs show it: `jdwp-fabric ...` lines, aligned as in its `--help`. */
export function synopsisOf(cmd: CommandDecl): string {
  const [first, ...rest] = cmd.synopsis;
  return [`jdwp-fabric ${first}`, ...rest.map((line) => line.slice('usage: '.length))].join('\n');
}

/** The docs that hold generated regions, each with the commands whose synopsis goes between its markers. */
export const GENERATED_DOCS: { file: string; commands: string[] }[] = [
  { file: 'README.md', commands: ['proxy'] },
  { file: 'docs/cli.md', commands: ['trace', 'script'] },
];

/** The text between `<!-- cli:NAME:begin -->` and `<!-- cli:NAME:end -->`, in a doc, for command NAME. */
function region(name: string): string {
  const cmd = COMMANDS.find((c) => c.decl.name === name)!.decl;
  return `\`\`\`\n${synopsisOf(cmd)}\n\`\`\``;
}

/** The doc's text with every generated region rewritten from the declarations; throws when a marker is missing. */
export function renderDoc(text: string, commands: string[]): string {
  for (const name of commands) {
    const begin = `<!-- cli:${name}:begin -->`;
    const end = `<!-- cli:${name}:end -->`;
    const a = text.indexOf(begin);
    const b = text.indexOf(end);
    if (a < 0 || b < a) throw new Error(`markers ${begin} ... ${end} missing`);
    text = `${text.slice(0, a + begin.length)}\n${region(name)}\n${text.slice(b)}`;
  }
  return text;
}
