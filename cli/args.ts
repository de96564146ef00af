import { parseArgs as nodeParseArgs } from 'node:util';

/** One option of a command: its flag, its value's placeholder (none for a flag), whether it repeats, and its help rows. */
export interface OptionDecl {
  name: string;
  /** The value's placeholder in the help (`HOST:PORT`); an option without one is a flag. */
  value?: string;
  repeat?: boolean;
  /** The help text, one string per printed line; lines after the first continue under it. */
  help: string[];
  /** Further help rows of the same option, each with its own placeholder (`--at CLASS.method`). */
  more?: { value: string; help: string[] }[];
}

/** One CLI command, declared once: its usage, options and help are all derived from this. */
export interface CommandDecl {
  name: string;
  /** The one-line summary in the top-level help. */
  summary: string;
  /** How the command reads in the top-level help (`proxy --listen ...`); default its name. */
  label?: string;
  /** The synopsis lines after `usage: jdwp-fabric `; lines after the first are printed as they stand. */
  synopsis: string[];
  /** The paragraph(s) between the synopsis and the options. */
  description: string;
  /** The column the options' help starts at. */
  helpColumn: number;
  options: OptionDecl[];
  /** Text after the options (exit codes). */
  footer?: string;
}

/** A usage error: the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parsed options: flags as true, values as strings, repeated values as arrays; positionals apart. */
export interface ParsedArgs {
  options: Record<string, string | string[] | boolean>;
  positionals: string[];
}

/** The rows of one option in the help: each label with its help lines. */
function optionRows(o: OptionDecl): { label: string; help: string[] }[] {
  const label = (value?: string) => `--${o.name}${value ? ` ${value}` : ''}`;
  return [{ label: label(o.value), help: o.help }, ...(o.more ?? []).map((m) => ({ label: label(m.value), help: m.help }))];
}

/** A command's `--help` text, generated from its declaration. */
export function usageOf(cmd: CommandDecl): string {
  const [first, ...rest] = cmd.synopsis;
  const lines = [`usage: jdwp-fabric ${first}`, ...rest, '', cmd.description, ''];
  for (const o of cmd.options) {
    for (const row of optionRows(o)) {
      const head = `  ${row.label}`;
      const pad = head.length < cmd.helpColumn ? ' '.repeat(cmd.helpColumn - head.length) : ' ';
      lines.push(`${head}${pad}${row.help[0]}`);
      for (const more of row.help.slice(1)) lines.push(`${' '.repeat(cmd.helpColumn)}${more}`);
    }
  }
  if (cmd.footer) lines.push('', cmd.footer);
  return `${lines.join('\n')}\n`;
}

/**
 * Parses argv against a command's declared options with Node's own `util.parseArgs` (strict: unknown
 * options and misplaced values are usage errors), which covers every form our CLI takes (`--name value`,
 * `--name=value`, flags, repeats, positionals) and adds no dependency: we need no short options, no
 * subcommand tree and no generated help beyond what `usageOf` writes, while a library such as commander
 * would bring its own help layout and error wording (our messages and exit codes are part of the CLI).
 * `--name value` is joined into `--name=value` first (up to `--`), so a value may start with a dash
 * (`--port -1` is then a range error, not an ambiguity), as it always could.
 */
export function parseArgs(argv: string[], cmd: CommandDecl): ParsedArgs {
  const decls = cmd.options;
  const byName = new Map(decls.map((d) => [d.name, d]));
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      joined.push(...argv.slice(i));
      break;
    }
    const decl = arg.startsWith('--') && !arg.includes('=') ? byName.get(arg.slice(2)) : undefined;
    if (decl?.value !== undefined && i + 1 < argv.length) joined.push(`${arg}=${argv[++i]}`);
    else joined.push(arg);
  }
  const options = Object.fromEntries(decls.map((d) => [d.name, { type: d.value === undefined ? ('boolean' as const) : ('string' as const), multiple: !!d.repeat }]));
  try {
    const parsed = nodeParseArgs({ args: joined, options, strict: true, allowPositionals: true });
    return { options: { ...parsed.values } as ParsedArgs['options'], positionals: parsed.positionals };
  } catch (err) {
    throw new UsageError(usageMessage(err as NodeJS.ErrnoException, joined, byName));
  }
}

/** Our wording of `util.parseArgs`'s errors: the first offending argument, said as the CLI always said it. */
function usageMessage(err: NodeJS.ErrnoException, args: string[], byName: Map<string, OptionDecl>): string {
  for (const arg of args) {
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') continue;
    const eq = arg.indexOf('=');
    const name = arg.slice(arg.startsWith('--') ? 2 : 1, eq > 0 ? eq : undefined);
    const decl = arg.startsWith('--') ? byName.get(name) : undefined;
    if (!decl) return `unknown option ${arg.startsWith('--') ? `--${name}` : arg}`;
    if (decl.value === undefined && eq > 0) return `--${name} takes no value`;
    if (decl.value !== undefined && eq < 0) return `--${name} needs a value`;
  }
  return err.message;
}

/** An option's string value, or the default. */
export function str(args: ParsedArgs, name: string, fallback?: string): string | undefined {
  const v = args.options[name];
  return typeof v === 'string' ? v : fallback;
}

/** An option's repeated values. */
export function list(args: ParsedArgs, name: string): string[] {
  const v = args.options[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** An option's numeric value; a usage error when it is not a number within bounds. */
export function num(args: ParsedArgs, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = str(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, got "${v}"`);
  return n;
}
