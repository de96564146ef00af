import { JDWP, type CommandInfo } from '../../registry';
import { COMMAND_RULES, type CommandRule, type RuleKind } from '../rules';
import { checkCommand } from '../shield';
import { ProxyError } from '../translate';
import type { Ctx, Handler } from './context';
import { FABRIC_HANDLERS } from './fabric';
import { FRAME_HANDLERS } from './frames';
import { OBJECT_HANDLERS } from './objects';
import { REQUEST_HANDLERS } from './event-requests';
import { routeCommand } from './route';
import { snapshotHandlers } from './snapshot';
import { VM_HANDLERS } from './vm';

const E = JDWP.Error;

const refuse: Handler = async (_ctx, info) => {
  throw new ProxyError(E.NOT_IMPLEMENTED, `${info.fullName} is refused by the virtual VM`);
};

/** The handler a rule of this kind gets when it names none (undefined: the kind needs a named handler). */
const DEFAULT_HANDLER: Readonly<Record<RuleKind, Handler | undefined>> = {
  route: routeCommand,
  'route-cached': routeCommand,
  focus: routeCommand,
  refuse,
  fanout: undefined,
  merge: undefined,
  intersect: undefined,
  answer: undefined,
  disconnect: undefined,
  requests: undefined,
};

/**
 * Each command's handler, from its rule: the handler the rule names (looked up among the named handlers) or its
 * kind's default. Throws when a rule names an unknown handler, a rule of a kind without default names none, two
 * handler sets give the same name, or a named handler is named by no rule.
 */
export function dispatchTable(rules: Readonly<Record<string, CommandRule>>, handlerSets: readonly Readonly<Record<string, Handler>>[]): ReadonlyMap<string, Handler> {
  const named = new Map<string, Handler>();
  for (const set of handlerSets) {
    for (const [name, handler] of Object.entries(set)) {
      if (named.has(name)) throw new Error(`two handlers are named ${name}`);
      named.set(name, handler);
    }
  }
  const table = new Map<string, Handler>();
  const used = new Set<string>();
  for (const [command, rule] of Object.entries(rules)) {
    const handler = rule.handler === undefined ? DEFAULT_HANDLER[rule.rule] : named.get(rule.handler);
    if (!handler) throw new Error(rule.handler === undefined ? `${command}: its rule ${rule.rule} names no handler` : `${command}: no handler is named ${rule.handler}`);
    if (rule.handler !== undefined) used.add(rule.handler);
    table.set(command, handler);
  }
  const unused = [...named.keys()].filter((name) => !used.has(name));
  if (unused.length) throw new Error(`handlers no rule names: ${unused.join(', ')}`);
  return table;
}

const DISPATCH = dispatchTable(COMMAND_RULES, [VM_HANDLERS, OBJECT_HANDLERS, REQUEST_HANDLERS, FABRIC_HANDLERS, FRAME_HANDLERS, snapshotHandlers(handlerFor)]);

/** The handler that serves a command under its rule (the route rule's for a command without a rule, which is refused before). */
export function handlerFor(info: CommandInfo): Handler {
  return DISPATCH.get(info.fullName) ?? routeCommand;
}

/** True when the proxy refuses a command: it has no rule, or it changes the target under --read-only. */
export function isRefused(info: CommandInfo, readOnly: boolean): boolean {
  const rule = COMMAND_RULES[info.fullName];
  return !rule || (readOnly && !!rule.readOnly);
}

/** True for commands the plain route rule serves (which the session may take through its hot path). */
export function isPlainRoute(info: CommandInfo, readOnly: boolean): boolean {
  return !isRefused(info, readOnly) && handlerFor(info) === routeCommand;
}

/**
 * Serves one debugger command: refuses it under --read-only when its rule says so, else checks it (the shield:
 * nothing malformed or of a wrong ID reaches a node), then runs its handler.
 */
export async function dispatch(ctx: Ctx, info: CommandInfo, data: Buffer): Promise<Buffer> {
  if (isRefused(info, ctx.session.readOnly)) throw new ProxyError(E.NOT_IMPLEMENTED, `${info.fullName} is refused by the virtual VM${COMMAND_RULES[info.fullName] ? ' (read-only)' : ''}`);
  await checkCommand(ctx.cluster, info, data);
  // A command still being checked when its debugger left would act after the cleanup, which nothing undoes.
  if (ctx.session.closed) throw new ProxyError(E.VM_DEAD, `${info.fullName}: the debugger has left`);
  return handlerFor(info)(ctx, info, data);
}
