import type { ThreadID } from '../protocol/wire-types';
import { commandByName, JDWP, type CommandInfo } from '../registry';
import { slotOf } from './ids';
import type { Cluster } from './cluster';
import type { NodeLink } from './node-link';
import { VIRTUAL_SIZES } from './translate';

/**
 * The commands that run code on a node. While one runs, the node's agent lends out the suspensions of the
 * threads it lets run (every thread, or only the invoking one with INVOKE_SINGLE_THREADED), and when the code
 * returns it suspends them again: every thread once, or the invoking thread once. JDWP has no way to cancel one.
 */
export const INVOCATION_KEYS: ReadonlySet<number> = new Set(
  ['ClassType.InvokeMethod', 'ClassType.NewInstance', 'InterfaceType.InvokeMethod', 'ObjectReference.InvokeMethod'].map((n) => commandByName(n).key),
);

/** An invocation a debugger started on a node, until the node answers it. */
export interface Invocation {
  readonly link: NodeLink;
  /** The node's raw ID of the invoking thread. */
  readonly thread: bigint;
  readonly singleThreaded: boolean;
}

/** The invocation a virtual command starts, or undefined when it is none or names no live node's thread. */
export function invocationOf(cluster: Cluster, info: CommandInfo, data: Buffer): Invocation | undefined {
  if (!INVOCATION_KEYS.has(info.key)) return undefined;
  let out: { thread: bigint; options: number };
  try {
    out = info.out.decode(data, 0, data.length, VIRTUAL_SIZES) as unknown as { thread: bigint; options: number };
  } catch {
    return undefined;
  }
  const link = cluster.link(slotOf(out.thread));
  const thread = link?.ids.toRaw(out.thread);
  if (!link || !thread) return undefined;
  return { link, thread, singleThreaded: (out.options & JDWP.InvokeOptions.INVOKE_SINGLE_THREADED) !== 0 };
}

/**
 * Takes back the suspension an invocation's return put on its node, once its debugger has left (and the
 * debugger's cleanup resumed what was still suspended while the invocation ran): every thread once, or the
 * invoking thread once. Exactly once, so what a later debugger suspended meanwhile stays suspended.
 */
export async function releaseReturned(invocation: Invocation): Promise<void> {
  const { link, thread, singleThreaded } = invocation;
  if (link.down) return;
  if (singleThreaded) await link.client.ThreadReference.Resume(thread as ThreadID);
  else await link.client.VirtualMachine.Resume();
}
