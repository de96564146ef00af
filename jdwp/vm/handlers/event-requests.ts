import type { EventRequest_Set_Out } from '../../protocol/spec-types';
import { parseRequestScope } from '../../flow/scope-spec';
import { JDWP } from '../../registry';
import { ProxyError } from '../translate';
import type { Handler } from './context';
import { decodeOut, encodeReply } from './vm';

const set: Handler = async (ctx, info, data) => {
  const out = decodeOut<EventRequest_Set_Out>(info, data);
  return encodeReply(info, { requestID: await ctx.session.requests.set(out) });
};

const clear: Handler = async (ctx, info, data) => {
  const { eventKind, requestID } = decodeOut<{ eventKind: number; requestID: number }>(info, data);
  await ctx.session.requests.clear(eventKind, requestID);
  return Buffer.alloc(0);
};

const clearAllBreakpoints: Handler = async (ctx) => {
  await ctx.session.requests.clearAllBreakpoints();
  return Buffer.alloc(0);
};

const setBreakpointBySymbol: Handler = async (ctx, info, data) => {
  const o = decodeOut<{ signature: string; symbolHash: string; methodName: string; line: number; suspendPolicy: number }>(info, data);
  const req = await ctx.session.requests.setBySymbol(o.signature, o.symbolHash, o.methodName, o.line, o.suspendPolicy);
  const { boundNodes, totalNodes } = ctx.session.requests.info(req.id);
  return encodeReply(info, { requestID: req.id, boundNodes, totalNodes });
};

const requestInfo: Handler = async (ctx, info, data) => {
  const { requestID } = decodeOut<{ requestID: number }>(info, data);
  return encodeReply(info, ctx.session.requests.info(requestID));
};

const disableOnNode: Handler = async (ctx, info, data) => {
  const { requestID, node } = decodeOut<{ requestID: number; node: string }>(info, data);
  await ctx.session.requests.disableOn(requestID, node);
  return Buffer.alloc(0);
};

const setRequestScope: Handler = async (ctx, info, data) => {
  const { scope } = decodeOut<{ scope: string }>(info, data);
  let spec;
  try {
    spec = scope.trim() ? parseRequestScope(scope.trim()) : undefined;
  } catch (err) {
    throw new ProxyError(JDWP.Error.ILLEGAL_ARGUMENT, (err as Error).message);
  }
  await ctx.session.requests.setScope(spec);
  return Buffer.alloc(0);
};

const requestScopeInfo: Handler = async (ctx, info) => {
  const scope = ctx.session.requests.scope;
  return encodeReply(info, { scope: scope?.spec.text ?? '', nodes: scope?.report() ?? [] });
};

/** Handlers of EventRequest commands and of the Fabric request commands; by the names their rules give them. */
export const REQUEST_HANDLERS: Record<string, Handler> = {
  set,
  clear,
  clearAllBreakpoints,
  setBreakpointBySymbol,
  requestInfo,
  disableOnNode,
  setRequestScope,
  requestScopeInfo,
};
