import type { DebugProtocol } from '@vscode/debugprotocol';
import type { AdapterContext } from './context';
import { AdapterError, AdapterErrorCode } from './errors';

/** The `exceptionInfo` request: the exception the thread stopped on. */
export async function exceptionInfo(ctx: AdapterContext, args: DebugProtocol.ExceptionInfoArguments): Promise<DebugProtocol.ExceptionInfoResponse['body']> {
  const thread = ctx.thread(args.threadId);
  const last = ctx.lastException.get(thread);
  if (!last || !ctx.isSuspended(thread)) throw new AdapterError(AdapterErrorCode.THREAD_NOT_SUSPENDED, 'the thread is not stopped on an exception');
  return {
    exceptionId: last.typeName,
    description: last.message ?? last.typeName,
    breakMode: last.caught ? 'always' : 'unhandled',
    details: { typeName: last.typeName, fullTypeName: last.typeName, message: last.message },
  };
}
