// Helpers of the request-scope tests: what a stopped handler thread serves, and the breakpoint hits of a session.
import type { JdwpClient } from '../../jdwp/client/client';
import type { ObjectID, ThreadID } from '../../jdwp/protocol/wire-types';
import { headerByFields } from '../../jdwp/flow/headers';
import type { VmMirror } from '../../jdwp/mirror/vm-mirror';
import { JDWP } from '../../jdwp/registry';
import type { Event_Composite_Event } from '../../jdwp/protocol/spec-types';

/** The X-Debug-Session header of the request a stopped handler thread serves (its `exchange` argument). */
export async function sessionHeader(mirror: VmMirror, thread: ThreadID): Promise<string | undefined> {
  mirror.invalidateThread(thread);
  const frame = await mirror.frameAt(thread, 0);
  const vars = (await mirror.visibleVariables(frame.location))!.filter((v) => v.name === 'exchange');
  const [exchange] = await mirror.localValues(frame, vars);
  return headerByFields(mirror, exchange.value as ObjectID, 'X-Debug-Session');
}

/** One breakpoint hit: the node of its thread (from its name) and the X-Debug-Session its request carries. */
export interface ScopeHit {
  node: string;
  header: string | undefined;
}

/** Collects every breakpoint hit of a debugger with the header its request carries, and resumes the thread. */
export function collectHits(vm: JdwpClient, mirror: VmMirror): ScopeHit[] {
  const hits: ScopeHit[] = [];
  vm.on('event', (e: Event_Composite_Event) => {
    for (const ev of e.events) {
      if (ev.eventKind !== JDWP.EventKind.BREAKPOINT) continue;
      const thread = (ev as { thread: ThreadID }).thread;
      void (async () => {
        const { threadName } = await vm.ThreadReference.Name(thread);
        hits.push({ node: /^\[([^\]]+)\]/.exec(threadName)![1], header: await sessionHeader(mirror, thread) });
        mirror.invalidateThread(thread);
        await vm.ThreadReference.Resume(thread);
      })().catch((err: Error) => hits.push({ node: '?', header: `error: ${err.message}` }));
    }
  });
  return hits;
}
