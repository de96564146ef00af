import { ThreadEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ThreadID } from '../jdwp/protocol/wire-types';
import { JDWP } from '../jdwp/registry';
import type { AdapterContext } from './context';
import { AdapterError, AdapterErrorCode } from './errors';

/** How long a thread's name is trusted before it is asked again (threads are renamed, but rarely). */
const NAME_TTL_MS = 5_000;

const nameCaches = new WeakMap<AdapterContext, Map<ThreadID, { name: string; at: number }>>();

function nameCache(ctx: AdapterContext): Map<ThreadID, { name: string; at: number }> {
  let m = nameCaches.get(ctx);
  if (!m) nameCaches.set(ctx, (m = new Map()));
  return m;
}

/**
 * The `threads` request: every live thread with its name (through the virtual VM, names carry
 * their node). Names are asked for with pipelined requests and trusted for a few seconds, so that
 * the threads request after each step of a large cluster costs one AllThreads.
 */
export async function threads(ctx: AdapterContext): Promise<DebugProtocol.ThreadsResponse['body']> {
  const vm = ctx.requireVm();
  const cache = nameCache(ctx);
  const { threads: ids } = await vm.VirtualMachine.AllThreads();
  const now = Date.now();
  const names = await Promise.all(
    ids.map((t) => {
      const known = cache.get(t);
      if (known && now - known.at < NAME_TTL_MS) return known.name;
      return vm.ThreadReference.Name(t).then(
        (r) => {
          cache.set(t, { name: r.threadName, at: now });
          return r.threadName as string;
        },
        () => undefined,
      );
    }),
  );
  const live = new Set(ids);
  for (const t of cache.keys()) if (!live.has(t)) cache.delete(t);
  const result: DebugProtocol.Thread[] = [];
  ids.forEach((t, i) => {
    const name = names[i];
    if (name !== undefined) result.push({ id: ctx.threadIds.number(t), name });
  });
  return { threads: result };
}

/** Asks for thread start and death events (without suspending) to keep the client's thread list fresh. */
export async function watchThreads(ctx: AdapterContext, onChange?: () => void): Promise<void> {
  const vm = ctx.requireVm();
  const { NONE } = JDWP.SuspendPolicy;
  const [start, death] = await Promise.all([
    vm.EventRequest.Set(JDWP.EventKind.THREAD_START, NONE, []),
    vm.EventRequest.Set(JDWP.EventKind.THREAD_DEATH, NONE, []),
  ]);
  ctx.events.on(start.requestID, (e) => {
    if ('thread' in e) {
      ctx.model.threadStarted(e.thread);
      ctx.send(new ThreadEvent('started', ctx.threadIds.number(e.thread)));
    }
    onChange?.();
    return undefined;
  });
  ctx.events.on(death.requestID, (e) => {
    if ('thread' in e) {
      ctx.send(new ThreadEvent('exited', ctx.threadIds.number(e.thread)));
      ctx.model.threadDied(e.thread);
    }
    onChange?.();
    return undefined;
  });
}

/** The `pause` request: suspends the thread's node (suspendScope "node"), the cluster, or the thread, and reports the thread stopped. */
export async function pause(ctx: AdapterContext, args: DebugProtocol.PauseArguments): Promise<void> {
  ctx.requireVm();
  await ctx.model.pause(ctx.thread(args.threadId));
}

/**
 * Resumes after a stop: the thread's node (or the cluster, by the suspend scope) with every thread the client
 * saw stopped there, or only the thread with `singleThread`, or everything the session holds when `thread` is
 * undefined. Answers true when no thread stays suspended by the session.
 */
export async function resume(ctx: AdapterContext, thread: ThreadID | undefined, singleThread = false): Promise<boolean> {
  ctx.requireVm();
  return ctx.model.resume(thread, singleThread);
}

/** The `continue` request. */
export async function continue_(ctx: AdapterContext, args: DebugProtocol.ContinueArguments): Promise<DebugProtocol.ContinueResponse['body']> {
  const thread = ctx.threadIds.key(args.threadId);
  if (thread === undefined && args.singleThread) throw new AdapterError(AdapterErrorCode.UNKNOWN_THREAD, `unknown thread ${args.threadId}`);
  return { allThreadsContinued: await resume(ctx, thread, args.singleThread ?? false) };
}
