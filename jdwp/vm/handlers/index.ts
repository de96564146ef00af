import { JDWP, type CommandInfo } from '../../protocol/registry';
import { COMMAND_RULES } from '../rules';
import { ProxyError } from '../translate';
import type { Ctx, Handler } from './context';
import { FABRIC_HANDLERS } from './fabric';
import { OBJECT_HANDLERS } from './objects';
import { REQUEST_HANDLERS } from './requests';
import { routeCommand } from './route';
import { VM_HANDLERS } from './vm';

const E = JDWP.Error;

const refuse: Handler = async (_ctx, info) => {
  throw new ProxyError(E.NOT_IMPLEMENTED, `${info.fullName} is refused by the virtual VM`);
};

const SPECIAL: Record<string, Handler> = { ...VM_HANDLERS, ...OBJECT_HANDLERS, ...REQUEST_HANDLERS, ...FABRIC_HANDLERS, 'Event.Composite': refuse };

/** The handler that serves a command under its rule. */
export function handlerFor(info: CommandInfo): Handler {
  return SPECIAL[info.fullName] ?? routeCommand;
}

/** Serves one debugger command: refuses it under --read-only when its rule says so, else runs its handler. */
export async function dispatch(ctx: Ctx, info: CommandInfo, data: Buffer): Promise<Buffer> {
  const rule = COMMAND_RULES[info.fullName];
  if (!rule) throw new ProxyError(E.NOT_IMPLEMENTED, `${info.fullName} has no rule`);
  if (rule.readOnly && ctx.cluster.options.readOnly) throw new ProxyError(E.NOT_IMPLEMENTED, `${info.fullName} is refused: the proxy is read-only`);
  return handlerFor(info)(ctx, info, data);
}
