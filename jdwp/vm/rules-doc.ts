import { allCommands } from '../registry';
import { COMMAND_RULES } from './rules';

/** The Markdown table of every command and its rule in the virtual VM, in spec order. */
export function renderRulesTable(): string {
  const rows = allCommands().map((c) => {
    const r = COMMAND_RULES[c.fullName];
    const rule = r ? `${r.rule}${r.readOnly ? ' (refused under --read-only)' : ''}` : 'MISSING';
    return `| ${c.set.id}/${c.spec.id} | \`${c.fullName}\` | ${rule} | ${r?.note ?? ''} |`;
  });
  return [
    '| set/cmd | command | rule | what the virtual VM does |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}
