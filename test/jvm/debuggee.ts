// Helpers for driving the fixture JVM through the typed client: an event queue that misses nothing,
// method and line look-ups, and stopping a thread at a line.
import * as net from 'node:net';
import { JdwpClient } from '../../jdwp/client/client';
import { JDWP } from '../../jdwp/registry';
import type { ClassID, Location, MethodID, ThreadID } from '../../jdwp/protocol/wire-types';
import type { Event_Composite_Event, Event_Composite_Events } from '../../jdwp/protocol/spec-types';
import { formatAddress, listenTcp, serverAddress } from '../../jdwp/transport/tcp';
import type { Jvm } from '../../jdwp/launch/java';
import { startFixture } from '../support/fixtures';

/** How the client reaches the JVM: it attaches (server=y), or the JVM dials in (server=n). */
export type ConnectMode = 'attach' | 'dial-in';

/** Resolves once the JVM has printed a line, or rejects when it exits or the time is up. */
export async function printed(jvm: Jvm, line: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!jvm.output.includes(line)) {
    if (jvm.process.exitCode !== null) throw new Error(`the JVM exited before printing "${line}":\n${jvm.output.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`the JVM did not print "${line}" within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Starts the fixture JVM, connects a typed client to it in the given mode, and waits until the fixture runs. */
export async function connectFixture(jvms: Jvm[], mode: ConnectMode, servers: net.Server[]): Promise<{ vm: JdwpClient; jvm: Jvm }> {
  const { vm, jvm } = await connect(jvms, mode, servers);
  await printed(jvm, 'fixture ready');
  return { vm, jvm };
}

async function connect(jvms: Jvm[], mode: ConnectMode, servers: net.Server[]): Promise<{ vm: JdwpClient; jvm: Jvm }> {
  if (mode === 'attach') {
    const jvm = await startFixture(jvms);
    return { vm: await JdwpClient.attach({ host: '127.0.0.1', port: jvm.port }), jvm };
  }
  let accept!: (s: net.Socket) => void;
  const accepted = new Promise<net.Socket>((resolve) => (accept = resolve));
  const server = await listenTcp({ host: '127.0.0.1', port: 0 }, (s) => accept(s));
  servers.push(server);
  const jvm = await startFixture(jvms, 'fixture.Fixture', { mode: 'dial', dialAddress: formatAddress(serverAddress(server)) });
  const socket = await Promise.race([
    accepted,
    jvm.exited.then((code) => Promise.reject(new Error(`the JVM exited (${code}) before dialling in:\n${jvm.output.join('\n')}`))),
  ]);
  return { vm: await JdwpClient.open(socket), jvm };
}

/** Collects every event from the moment it is made, so that none is lost to a race with a reply. */
export class EventQueue {
  private readonly events: { composite: Event_Composite_Event; event: Event_Composite_Events }[] = [];
  private waiter: (() => void) | undefined;

  constructor(vm: JdwpClient) {
    vm.on('event', (composite: Event_Composite_Event) => {
      for (const event of composite.events) this.events.push({ composite, event });
      this.waiter?.();
    });
  }

  /** Resolves with the first queued or future event that matches, removing it; rejects after timeoutMs. */
  async next<E extends Event_Composite_Events>(match: (e: Event_Composite_Events) => e is E, timeoutMs = 10_000): Promise<{ composite: Event_Composite_Event; event: E }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const k = this.events.findIndex((x) => match(x.event));
      if (k >= 0) return this.events.splice(k, 1)[0] as { composite: Event_Composite_Event; event: E };
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }
}

/** The fixture class and the methods the tests use. */
export interface FixtureClass {
  classID: ClassID;
  methods: Map<string, MethodID>;
}

/** Looks up fixture.Fixture and its methods by name. */
export async function fixtureClass(vm: JdwpClient): Promise<FixtureClass> {
  const { classes } = await vm.VirtualMachine.ClassesBySignature('Lfixture/Fixture;');
  if (classes.length !== 1) throw new Error(`expected one fixture.Fixture class, got ${classes.length}`);
  const classID = classes[0].typeID as ClassID;
  const { declared } = await vm.ReferenceType.Methods(classID);
  return { classID, methods: new Map(declared.map((m) => [m.name, m.methodID])) };
}

/** The code index where a line starts in a method. */
export async function codeIndexOfLine(vm: JdwpClient, classID: ClassID, methodID: MethodID, line: number): Promise<bigint> {
  const table = await vm.Method.LineTable(classID, methodID);
  const entry = table.lines.find((l) => l.lineNumber === line);
  if (!entry) throw new Error(`line ${line} is not in the method's line table`);
  return entry.lineCodeIndex;
}

/** The source line of a code index, from a method's line table. */
export async function lineOfIndex(vm: JdwpClient, classID: ClassID, methodID: MethodID, index: bigint): Promise<number> {
  const table = await vm.Method.LineTable(classID, methodID);
  let best: { lineCodeIndex: bigint; lineNumber: number } | undefined;
  for (const l of table.lines) if (l.lineCodeIndex <= index && (!best || l.lineCodeIndex > best.lineCodeIndex)) best = l;
  if (!best) throw new Error(`code index ${index} is before the first line`);
  return best.lineNumber;
}

/** The type guard of one event kind. */
export function isKind<K extends Event_Composite_Events['eventKind']>(kind: K, requestID?: number) {
  return (e: Event_Composite_Events): e is Extract<Event_Composite_Events, { eventKind: K }> =>
    e.eventKind === kind && (requestID === undefined || ('requestID' in e && e.requestID === requestID));
}

/** Sets a breakpoint at a location, waits for a thread to hit it, then clears the request. The thread stays suspended. */
export async function stopAt(vm: JdwpClient, events: EventQueue, location: Location): Promise<{ thread: ThreadID; requestID: number; location: Location }> {
  const { requestID } = await vm.EventRequest.Set(JDWP.EventKind.BREAKPOINT, JDWP.SuspendPolicy.EVENT_THREAD, [{ modKind: 7, loc: location }]);
  const { event } = await events.next(isKind(JDWP.EventKind.BREAKPOINT, requestID));
  await vm.EventRequest.Clear(JDWP.EventKind.BREAKPOINT, requestID);
  return { thread: event.thread, requestID, location: event.location };
}
