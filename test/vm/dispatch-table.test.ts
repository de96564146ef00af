import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allCommands } from '../../jdwp/registry';
import { dispatchTable, handlerFor } from '../../jdwp/vm/handlers/index';
import { routeCommand } from '../../jdwp/vm/handlers/route';
import type { Handler } from '../../jdwp/vm/handlers/context';
import { COMMAND_RULES, type CommandRule } from '../../jdwp/vm/rules';

const a: Handler = async () => Buffer.alloc(0);
const b: Handler = async () => Buffer.alloc(1);

/** The local modules a compiled module requires at run time (type-only imports are erased by tsc). */
function requiresOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/require\("(\.[^"]+)"\)/g)].map((m) => require.resolve(path.resolve(path.dirname(file), m[1])));
}

/** The first cycle of run-time requires reachable from a module, as a list of files, or undefined. */
function firstCycle(start: string): string[] | undefined {
  const done = new Set<string>();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    const at = stack.indexOf(file);
    if (at >= 0) return [...stack.slice(at), file];
    if (done.has(file)) return undefined;
    stack.push(file);
    for (const dep of requiresOf(file)) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    done.add(file);
    return undefined;
  };
  return visit(start);
}

describe('dispatch table', () => {
  it('gives every command the handler its rule names, and routes or refuses the rest by their kind', () => {
    for (const info of allCommands()) {
      const rule = COMMAND_RULES[info.fullName];
      const handler = handlerFor(info);
      if (rule.handler) assert.notEqual(handler, routeCommand, `${info.fullName} names ${rule.handler}`);
      else if (rule.rule === 'route' || rule.rule === 'route-cached' || rule.rule === 'focus') assert.equal(handler, routeCommand, info.fullName);
      else assert.equal(rule.rule, 'refuse', `${info.fullName}: rule ${rule.rule} without a handler`);
    }
  });

  it('is checked when it is built', () => {
    const rules = (r: Record<string, CommandRule>) => r;
    assert.equal(dispatchTable(rules({ 'X.A': { rule: 'answer', handler: 'a', note: '' }, 'X.B': { rule: 'route', note: '' } }), [{ a }]).get('X.A'), a);
    assert.throws(() => dispatchTable(rules({ 'X.A': { rule: 'answer', note: '' } }), []), /X\.A: its rule answer names no handler/);
    assert.throws(() => dispatchTable(rules({ 'X.A': { rule: 'merge', handler: 'c', note: '' } }), [{ a }]), /X\.A: no handler is named c/);
    assert.throws(() => dispatchTable(rules({ 'X.A': { rule: 'answer', handler: 'a', note: '' } }), [{ a }, { a: b }]), /two handlers are named a/);
    assert.throws(() => dispatchTable(rules({ 'X.A': { rule: 'answer', handler: 'a', note: '' } }), [{ a, b }]), /handlers no rule names: b/);
  });

  it('has no run-time import cycle: the rules import nothing, the handlers import the rules', () => {
    const out = path.resolve(__dirname, '../../jdwp/vm');
    assert.deepEqual(requiresOf(path.join(out, 'rules.js')), []);
    assert.equal(firstCycle(path.join(out, 'handlers/index.js'))?.map((f) => path.relative(out, f)).join(' -> '), undefined);
  });
});
