// The CLI's command declarations (cli/args.ts): parsing from them, and the docs checked against them (no JVM).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, usageOf, UsageError, type CommandDecl } from '../../cli/args';
import { GENERATED_DOCS, renderDoc } from '../../cli/cli-doc';
import { COMMANDS, USAGE } from '../../cli/main';
import { ROOT } from '../support/fixtures';

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const decl = (name: string): CommandDecl => COMMANDS.find((c) => c.decl.name === name)!.decl;
/** The documented options: the `--name` of each table row that starts with one, in the text. */
const tableOptions = (text: string) => new Set([...text.matchAll(/^\| `--([a-z-]+)[^|]*\|/gm)].flatMap((m) => [...m[0].matchAll(/`--([a-z-]+)/g)].map((n) => n[1])));
const declared = (name: string) => new Set(decl(name).options.map((o) => o.name).filter((n) => n !== 'help'));

describe('CLI declarations', () => {
  const SAMPLE: CommandDecl = {
    name: 'sample',
    summary: 's',
    synopsis: ['sample [--n N] [--x V ...] [--f]'],
    description: 'A sample.',
    helpColumn: 12,
    options: [
      { name: 'n', value: 'N', help: ['a number', 'on two lines'] },
      { name: 'x', value: 'V', repeat: true, help: ['repeatable'] },
      { name: 'f', help: ['a flag'] },
    ],
  };

  it('parse values, repeats, flags and positionals, and say what is wrong as the CLI always did', () => {
    assert.deepEqual(parseArgs(['a', '--n', '-1', '--x=1', '--x', '--f', '--f', 'b'], SAMPLE), { options: { n: '-1', x: ['1', '--f'], f: true }, positionals: ['a', 'b'] });
    assert.deepEqual(parseArgs(['--f', '--', '--n', '3'], SAMPLE).positionals, ['--n', '3']);
    assert.throws(() => parseArgs(['--bogus', '1'], SAMPLE), (e: Error) => e instanceof UsageError && e.message === 'unknown option --bogus');
    assert.throws(() => parseArgs(['-q'], SAMPLE), /^UsageError: unknown option -q$/);
    assert.throws(() => parseArgs(['--f=1'], SAMPLE), /^UsageError: --f takes no value$/);
    assert.throws(() => parseArgs(['--f', '--n'], SAMPLE), /^UsageError: --n needs a value$/);
  });

  it('write the help from the declaration, every option with its help lines at the help column', () => {
    assert.equal(usageOf(SAMPLE), 'usage: jdwp-fabric sample [--n N] [--x V ...] [--f]\n\nA sample.\n\n  --n N     a number\n            on two lines\n  --x V     repeatable\n  --f       a flag\n');
    for (const { decl: cmd } of COMMANDS) {
      const help = usageOf(cmd);
      for (const o of cmd.options) for (const line of o.help) assert.ok(help.includes(line), `${cmd.name} --help lacks "${line}"`);
      assert.ok(USAGE.includes(`  ${cmd.label ?? cmd.name} `) && USAGE.includes(cmd.summary), `the top-level help lacks ${cmd.name}`);
    }
  });

  it('keep the synopses in README.md and docs/cli.md generated from them', () => {
    for (const { file, commands } of GENERATED_DOCS) {
      const text = read(file);
      assert.equal(text, renderDoc(text, commands), `${file} is stale: run \`npm run build && node scripts/gen-cli-doc.mjs\``);
    }
  });

  it('match the option table of docs/cli.md (trace) and the option tables of README.md (proxy)', () => {
    const doc = read('docs/cli.md');
    const traceSection = doc.slice(doc.indexOf('## trace'), doc.indexOf('\n## ', doc.indexOf('## trace') + 1));
    assert.deepEqual([...tableOptions(traceSection)].sort(), [...declared('trace')].sort());
    const readme = read('README.md');
    const proxySection = readme.slice(readme.indexOf('## The virtual VM'), readme.indexOf('## VS Code'));
    const undeclared = [...tableOptions(proxySection)].filter((o) => !declared('proxy').has(o));
    assert.deepEqual(undeclared, [], 'README.md documents proxy options that are not declared');
  });

  it('each appear in README.md, and the README names no trace option that is not declared', () => {
    const readme = read('README.md');
    for (const { decl: cmd } of COMMANDS) {
      for (const name of declared(cmd.name)) assert.match(readme, new RegExp(`--${name}(?![a-z-])`), `README.md never names ${cmd.name} --${name}`);
    }
    const options = readme.slice(readme.indexOf('\nOptions: `--at'), readme.indexOf('| exit code |'));
    const named = [...options.matchAll(/`--([a-z-]+)/g)].map((m) => m[1]);
    assert.ok(named.length > 10);
    assert.deepEqual(named.filter((n) => !declared('trace').has(n)), []);
  });
});
