import { JDWP, type CommandInfo } from '../../registry';
import { COMMAND_RULES } from '../rules';
import { checkCommand } from '../shield';
import { ProxyError } from '../translate';
import type { Ctx, Handler } from './context';
import { FABRIC_HANDLERS } from './fabric';
import { FRAME_HANDLERS } from './frames';
import { OBJECT_HANDLERS } from './objects';
import { REQUEST_HANDLERS } from './event-requests';
import { routeCommand } from './route';
import { VM_HANDLERS } from './vm';

const E = JDWP.Error;

const refuse: Handler = async (_ctx, info) => {
  throw new ProxyError(E.NOT_IMPLEMENTED, `${info.fullName} is refused by the virtual VM`);
};

const SPECIAL: Record<string, Handler> = { ...VM_HANDLERS, ...OBJECT_HANDLERS, ...REQUEST_HANDLERS, ...FABRIC_HANDLERS, ...FRAME_HANDLERS, 'Event.Composite': refuse };

/** The handler that serves a command under its rule. */
export function handlerFor(info: CommandInfo): Handler {
  return SPECIAL[info.fullName] ?? routeCommand;
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
