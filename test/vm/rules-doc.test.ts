import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allCommands } from '../../jdwp/registry';
import { COMMAND_RULES } from '../../jdwp/vm/rules';
import { renderRulesTable } from '../../jdwp/vm/rules-doc';
import { ROOT } from '../support/fixtures';

describe('virtual VM command rules', () => {
  it('give every command of the table (95 JDWP commands and the Fabric set) an explicit rule', () => {
    const commands = allCommands();
    assert.equal(commands.filter((c) => c.set.id < 128).length, 95);
    const missing = commands.filter((c) => !COMMAND_RULES[c.fullName]).map((c) => c.fullName);
    assert.deepEqual(missing, []);
    const unknown = Object.keys(COMMAND_RULES).filter((name) => !commands.some((c) => c.fullName === name));
    assert.deepEqual(unknown, []);
  });

  it('mark exactly the commands that change the target as refused under --read-only', () => {
    const readOnly = Object.entries(COMMAND_RULES)
      .filter(([, r]) => r.readOnly)
      .map(([n]) => n)
      .sort();
    assert.deepEqual(readOnly, [
      'ArrayReference.SetValues',
      'ArrayType.NewInstance',
      'ClassType.InvokeMethod',
      'ClassType.NewInstance',
      'ClassType.SetValues',
      'InterfaceType.InvokeMethod',
      'ObjectReference.InvokeMethod',
      'ObjectReference.SetValues',
      'StackFrame.PopFrames',
      'StackFrame.SetValues',
      'ThreadReference.ForceEarlyReturn',
      'ThreadReference.Interrupt',
      'ThreadReference.Stop',
      'VirtualMachine.Exit',
      'VirtualMachine.RedefineClasses',
      'VirtualMachine.SetDefaultStratum',
      'VirtualMachine.Suspend',
    ]);
  });

  it('are documented in docs/command-rules.md exactly as generated', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'command-rules.md'), 'utf8');
    assert.ok(doc.includes(renderRulesTable()), 'docs/command-rules.md is stale: run `npm run build && node scripts/gen-rules-doc.mjs`');
  });
});
