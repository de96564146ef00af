// Shared helpers of the fetch-ahead tests: the aheadfix.Ahead node, stops at its STOP_LINE, what a debugger reads at
// a stop, and a fresh read of the node that the proxy's store cannot answer.
import type { JdwpClient } from '../../jdwp/client/client';
import type { Jvm } from '../../jdwp/launch/java';
import type { Event_Composite_Event } from '../../jdwp/protocol/spec-types';
import type { FrameID, ObjectID, ThreadID, Value } from '../../jdwp/protocol/wire-types';
import { commandByName, JDWP } from '../../jdwp/registry';
import type { StoreStats } from '../../jdwp/vm/reply-store';
import type { VirtualVm } from '../../jdwp/vm/server';
import { VIRTUAL_SIZES } from '../../jdwp/vm/translate';
import { lineOf, startFixture } from '../support/fixtures';
import { lineLocation } from '../support/locations';
import { printed, sleep } from './support';

const K = JDWP.EventKind;

/** Starts the Ahead program (a round every 50 ms) and waits until its loop runs. */
export async function startAhead(jvms: Jvm[]): Promise<Jvm> {
  const jvm = await startFixture(jvms, 'aheadfix.Ahead', { args: ['50'] });
  await printed(jvm, 'ahead ready');
  return jvm;
}

/** Stops the next thread that reaches STOP_LINE (a one-shot breakpoint of the given suspend policy); resolves with it. */
export async function stopAt(client: JdwpClient, policy: number): Promise<ThreadID> {
  const loc = await lineLocation(client, 'aheadfix.Ahead', lineOf('aheadfix/Ahead.java', 'STOP_LINE'));
  // Listening before the Set: its reply and the event may arrive in one read.
  const hits: Array<{ requestID: number; thread: ThreadID }> = [];
  const keep = (e: Event_Composite_Event) => {
    for (const ev of e.events) if (ev.eventKind === K.BREAKPOINT) hits.push(ev as { requestID: number; thread: ThreadID });
  };
  client.on('event', keep);
  try {
    const { requestID } = await client.EventRequest.Set(K.BREAKPOINT, policy, [{ modKind: 7, loc }, { modKind: 1, count: 1 }]);
    for (let waited = 0; !hits.some((h) => h.requestID === requestID); waited += 10) {
      if (waited > 20_000) throw new Error('no stop at STOP_LINE within 20 s');
      await sleep(10);
    }
    return hits.find((h) => h.requestID === requestID)!.thread;
  } finally {
    client.off('event', keep);
  }
}

/** Resumes what a stop of the given policy suspended. */
export async function resumeStop(client: JdwpClient, thread: ThreadID, policy: number): Promise<void> {
  if (policy === JDWP.SuspendPolicy.ALL) await client.VirtualMachine.Resume();
  else await client.ThreadReference.Resume(thread);
}

/** The counters of the node stores of a virtual VM, summed. */
export function storeStats(vm: VirtualVm): StoreStats {
  const sum: StoreStats = { fetched: 0, served: 0, drops: 0 };
  for (const link of vm.cluster.live()) for (const k of Object.keys(sum) as (keyof StoreStats)[]) sum[k] += link.store.stats[k];
  return sum;
}

/**
 * Sends a command (virtual IDs, decoded form) to the node of a one-node virtual VM past its store, through the same
 * ID translation as any command: what the node itself answers now.
 */
export async function fresh<T>(vm: VirtualVm, name: string, out: Record<string, unknown>): Promise<T> {
  const info = commandByName(name);
  const link = vm.cluster.live()[0];
  const data = await vm.cluster.translator.packetToNode(link, info.out, info.out.encode(VIRTUAL_SIZES, out));
  const reply = await link.client.connection.request(info.set.id, info.spec.id, data, { tap: false });
  if (reply.errorCode !== 0) throw new Error(`${name} answered error ${reply.errorCode}`);
  const back = await vm.cluster.translator.packetToVirtual(link, info.reply!, reply.data, { announce: true });
  return info.reply!.decode(back, 0, back.length, VIRTUAL_SIZES) as unknown as T;
}

/** A frame's visible locals at its location (without `this`), as JDI lists them: by slot. */
export async function visibleSlots(client: JdwpClient, thread: ThreadID, depth = 0): Promise<{ frame: FrameID; slots: Array<{ name: string; slot: number; sigbyte: number }> }> {
  const { frames } = await client.ThreadReference.Frames(thread, 0, -1);
  const { frameID, location } = frames[depth];
  const table = await client.Method.VariableTable(location.classID, location.methodID);
  const slots = table.slots
    .filter((v) => v.name !== 'this' && v.codeIndex <= location.index && location.index < v.codeIndex + BigInt(v.length))
    .sort((a, b) => a.slot - b.slot)
    .map((v) => ({ name: v.name, slot: v.slot, sigbyte: v.signature.charCodeAt(0) }));
  return { frame: frameID, slots };
}

/** The instance fields of an object's type (declared), in their declared order. */
export async function instanceFields(client: JdwpClient, object: ObjectID): Promise<Array<{ name: string; fieldID: bigint }>> {
  const { typeID } = await client.ObjectReference.ReferenceType(object);
  const { declared } = await client.ReferenceType.Fields(typeID);
  return declared.filter((f) => !(f.modBits & 0x8)).map((f) => ({ name: f.name, fieldID: f.fieldID }));
}

/** A local's value by name, from a GetValues answer in the order of `slots`. */
export function local(slots: Array<{ name: string }>, values: Value[], name: string): Value {
  const i = slots.findIndex((s) => s.name === name);
  if (i < 0) throw new Error(`no local ${name}`);
  return values[i];
}
