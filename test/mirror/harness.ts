import { JdwpClient } from '../../jdwp/client/client';
import type { ThreadID } from '../../jdwp/protocol/wire-types';
import type { Jvm } from '../../jdwp/launch/java';
import { VmMirror, type RefType } from '../../jdwp/mirror';
import { startVirtualVm, type RunningVirtualVm } from '../../jdwp/vm';
import { JDWP } from '../../jdwp/registry';
import type { Event_Composite_Event } from '../../jdwp/protocol/spec-types';
import { killAll, lineOf, startFixture } from '../support/fixtures';

/** A fixture JVM suspended at a breakpoint: the client, the mirror and the stopped thread. */
export interface Stopped {
  jvms: Jvm[];
  /** The virtual VM the client talks through, when asked for one. */
  proxy?: RunningVirtualVm;
  vm: JdwpClient;
  mirror: VmMirror;
  thread: ThreadID;
  type: RefType;
  line: number;
}

async function loadedType(mirror: VmMirror, name: string, timeoutMs = 15_000): Promise<RefType> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [type] = await mirror.classesByName(name);
    if (type) return type;
    if (Date.now() > deadline) throw new Error(`${name} was not loaded within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts the evalfix fixture and suspends its main thread at the BREAK_EVAL line (suspending only that
 * thread); with `throughProxy` the client attaches through an in-process virtual VM over that JVM.
 */
export async function stopInEvalFixture(throughProxy = false): Promise<Stopped> {
  const jvms: Jvm[] = [];
  let proxy: RunningVirtualVm | undefined;
  try {
    const jvm = await startFixture(jvms, 'evalfix.EvalFixture');
    if (throughProxy) proxy = await startVirtualVm({ nodes: [`node1=127.0.0.1:${jvm.port}`], waitForNodes: 1 });
    const vm = await JdwpClient.attach(proxy ? proxy.address : { host: '127.0.0.1', port: jvm.port });
    const mirror = new VmMirror(vm);
    const type = await loadedType(mirror, 'evalfix.EvalFixture');
    const line = lineOf('evalfix/EvalFixture.java', 'BREAK_EVAL');
    const thread = await breakAt(vm, mirror, type, line);
    return { jvms, proxy, vm, mirror, thread, type, line };
  } catch (err) {
    await proxy?.close();
    await killAll(jvms);
    throw err;
  }
}

/** Sets a one-shot breakpoint (suspending the event thread) at a line of a type and waits for its hit. */
async function breakAt(vm: JdwpClient, mirror: VmMirror, type: RefType, line: number): Promise<ThreadID> {
  const [location] = await mirror.locationsOfLine(type, line);
  if (!location) throw new Error(`no code at ${type.name}:${line}`);
  const hit = new Promise<ThreadID>((resolve) => {
    const onEvent = (e: Event_Composite_Event) => {
      for (const ev of e.events) {
        if (ev.eventKind === JDWP.EventKind.BREAKPOINT) {
          vm.off('event', onEvent);
          resolve(ev.thread);
        }
      }
    };
    vm.on('event', onEvent);
  });
  const { requestID } = await vm.EventRequest.Set(JDWP.EventKind.BREAKPOINT, JDWP.SuspendPolicy.EVENT_THREAD, [
    { modKind: 1, count: 1 },
    { modKind: 7, loc: location },
  ]);
  const thread = await hit;
  await vm.EventRequest.Clear(JDWP.EventKind.BREAKPOINT, requestID).catch(() => undefined);
  return thread;
}

/** Resumes the stopped thread and suspends it again at a marker line of an evalfix class (e.g. 'EvalFixture$Ticker', 'BREAK_INNER'). */
export async function moveTo(stopped: Stopped, className: string, marker: string): Promise<void> {
  stopped.mirror.invalidateThread(stopped.thread);
  await stopped.vm.ThreadReference.Resume(stopped.thread);
  const type = await loadedType(stopped.mirror, className);
  const line = lineOf('evalfix/EvalFixture.java', marker);
  stopped.thread = await breakAt(stopped.vm, stopped.mirror, type, line);
  stopped.type = type;
  stopped.line = line;
}

/** Resumes everything, disposes the connection and kills the JVM. */
export async function release(stopped: Stopped | undefined): Promise<void> {
  if (!stopped) return;
  await stopped.vm.dispose();
  await stopped.proxy?.close();
  await killAll(stopped.jvms);
}
