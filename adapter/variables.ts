import type { DebugProtocol } from '@vscode/debugprotocol';
import type { AdapterContext } from './context';
import { AdapterError, AdapterErrorCode } from './errors';

/** The `scopes` request. */
export async function scopes(ctx: AdapterContext, args: DebugProtocol.ScopesArguments): Promise<DebugProtocol.ScopesResponse['body']> {
  ctx.frame(args.frameId);
  return { scopes: [] };
}

/** The `variables` request. */
export async function variables(ctx: AdapterContext, args: DebugProtocol.VariablesArguments): Promise<DebugProtocol.VariablesResponse['body']> {
  if (!ctx.vars.get(args.variablesReference)) throw new AdapterError(AdapterErrorCode.UNKNOWN_VARIABLES, 'unknown variables reference');
  return { variables: [] };
}

/** The `setVariable` request. */
export async function setVariable(ctx: AdapterContext, args: DebugProtocol.SetVariableArguments): Promise<DebugProtocol.SetVariableResponse['body']> {
  void ctx;
  throw new AdapterError(AdapterErrorCode.SET_VARIABLE_FAILED, `cannot set ${args.name}`);
}
