import { TerminatedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { JDWP } from '../jdwp/registry';
import type { AdapterContext } from './context';
import { AdapterError, AdapterErrorCode } from './errors';
import { NodeWatcher } from './fabric';
import { installEntryBreakpoint, refreshBoundNotes } from './breakpoints';
import { resume, watchThreads } from './threads';

/** Sets up the session after the VM is reached: thread tracking, VM start and death, node watching. */
export async function startSession(ctx: AdapterContext): Promise<void> {
  ctx.events.onKind(JDWP.EventKind.VM_DEATH, () => {
    onVmGone(ctx);
    return undefined;
  });
  const watcher = new NodeWatcher(ctx, () => refreshBoundNotes(ctx));
  ctx.resources.push({ dispose: async () => watcher.dispose() });
  await Promise.all([watchThreads(ctx, () => watcher.poke()), watcher.start()]);
  if (ctx.target?.kind === 'launch' && ctx.settings.stopOnEntry) await installEntryBreakpoint(ctx, ctx.target.mainClass);
}

/** Registers, before the first packet, the VMStart handler that keeps a VM started with suspend=y suspended until configurationDone. */
export function holdVmStart(ctx: AdapterContext): void {
  ctx.events.onKind(JDWP.EventKind.VM_START, (_e, policy) => {
    if (policy === JDWP.SuspendPolicy.NONE || ctx.configured) return undefined;
    ctx.startHeld = true;
    return 'hold';
  });
}

/** `configurationDone`: breakpoints are set, so a VM held at its start may run. */
export async function configurationDone(ctx: AdapterContext): Promise<void> {
  ctx.configured = true;
  await ctx.events.idle();
  if (ctx.startHeld) {
    ctx.startHeld = false;
    await resume(ctx, undefined);
  }
}

/**
 * `disconnect`: resumes every thread the session suspended, then either ends the debuggee
 * (launch, or terminateDebuggee) or lets it run on with VirtualMachine.Dispose.
 */
export async function disconnect(ctx: AdapterContext, args: DebugProtocol.DisconnectArguments): Promise<void> {
  const vm = ctx.vm;
  const launched = ctx.target?.kind === 'launch';
  const kill = args.terminateDebuggee ?? launched;
  if (vm && !vm.connection.closed && !ctx.ended) {
    ctx.ended = true;
    if (kill && launched) {
      await vm.VirtualMachine.Exit(0).catch(() => undefined);
      vm.close();
      await exitedWithin(ctx, EXIT_GRACE_MS);
    } else {
      await resume(ctx, undefined).catch(() => undefined);
      await vm.dispose();
    }
  }
  ctx.ended = true;
  await disposeResources(ctx, kill);
}

/** How long a launched JVM told to exit may take before disconnect kills it. */
const EXIT_GRACE_MS = 3_000;

/** Waits (up to ms) for the launched JVM to exit by itself, so its exit code is its own and not the kill's. */
async function exitedWithin(ctx: AdapterContext, ms: number): Promise<void> {
  const exited = ctx.resources.find((r) => r.launchedJvm)?.exited;
  if (!exited) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** `terminate`: ends a launched program; an attached VM is not ours to end. */
export async function terminate(ctx: AdapterContext): Promise<void> {
  if (ctx.target?.kind !== 'launch') {
    throw new AdapterError(AdapterErrorCode.TERMINATE_NOT_ALLOWED, 'terminate is only allowed for a launched program; use disconnect to detach from an attached VM');
  }
  const vm = ctx.requireVm();
  await vm.VirtualMachine.Exit(0).catch(() => undefined);
}

/** Disposes of what the session started (virtual VM, watchers), the launched JVM only when `killLaunched`. */
export async function disposeResources(ctx: AdapterContext, killLaunched: boolean): Promise<void> {
  const resources = ctx.resources.splice(0).reverse();
  for (const r of resources) {
    if (r.launchedJvm && !killLaunched) continue;
    await r.dispose().catch(() => undefined);
  }
}

/** Ends the session once the VM is gone (it exited, died or closed the connection). */
export function onVmGone(ctx: AdapterContext): void {
  if (ctx.ended) return;
  ctx.ended = true;
  ctx.send(new TerminatedEvent());
}
