// A chain of HTTP services (test/fixtures/java/hopfix/Hop.java) on separate JVMs, front -> ... -> leaf, each
// calling the next with java.net.http.HttpClient and a W3C traceparent header, for the stitching tests.
import * as http from 'node:http';
import type { JdwpClient } from '../../jdwp/client/client';
import type { Jvm } from '../../jdwp/launch/java';
import type { Event_Composite_Event } from '../../jdwp/protocol/spec-types';
import type { Location, ThreadID } from '../../jdwp/protocol/wire-types';
import { JDWP } from '../../jdwp/registry';
import { lineLocation } from '../support/locations';
import { lineOf, startFixture } from '../support/fixtures';
import { sleep } from './support';

/** The HTTP port a Hop service printed ("listening on PORT"). */
async function listeningPort(jvm: Jvm, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = jvm.output.find((l) => l.startsWith('listening on '));
    if (line) return Number(line.slice('listening on '.length));
    if (jvm.process.exitCode !== null || Date.now() > deadline) throw new Error(`the service did not listen:\n${jvm.output.join('\n')}`);
    await sleep(20);
  }
}

/** A running chain: its JVMs in call order and the HTTP base URL of each. */
export interface Chain {
  jvms: Jvm[];
  urls: string[];
}

/** The line of a marker in Hop.java. */
export function hopLine(marker: 'LEAF_LINE' | 'CALL_LINE' | 'INTO_WORK_LINE'): number {
  return lineOf('hopfix/Hop.java', marker);
}

/** Starts one service that calls `next` (a base URL) when given; resolves with its JVM and base URL. */
export async function startHop(jvms: Jvm[], name: string, next?: string): Promise<{ jvm: Jvm; url: string }> {
  const jvm = await startFixture(jvms, 'hopfix.Hop', { args: [name, ...(next ? [next] : [])] });
  return { jvm, url: `http://127.0.0.1:${await listeningPort(jvm)}` };
}

/** Starts `names.length` services, the last one first, each calling the next; JVMs are added to `jvms` for cleanup. */
export async function startChain(jvms: Jvm[], names: string[]): Promise<Chain> {
  const chain: Chain = { jvms: [], urls: [] };
  for (let i = names.length - 1; i >= 0; i--) {
    const { jvm, url } = await startHop(jvms, names[i], chain.urls[0]);
    chain.jvms.unshift(jvm);
    chain.urls.unshift(url);
  }
  return chain;
}

/** Sends GET /work to a service; resolves with the status and body. */
export function callWork(url: string, timeoutMs = 60_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/work`, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}/work timed out`)));
    req.on('error', reject);
  });
}

/** jdb's default step filters, as the step requests of these tests carry them. */
export const JDB_EXCLUDES = ['java.*', 'javax.*', 'sun.*', 'com.sun.*', 'jdk.internal.*'];

/** The next event of a kind (and of a request, when given) the client receives. */
export function nextEvent(vm: JdwpClient, kind: number, requestID?: number): Promise<{ thread: ThreadID; location: Location }> {
  return new Promise((resolve) => {
    const on = (e: Event_Composite_Event) => {
      const ev = e.events.find((x) => x.eventKind === kind && (requestID === undefined || x.requestID === requestID)) as { thread: ThreadID; location: Location } | undefined;
      if (ev) {
        vm.off('event', on);
        resolve(ev);
      }
    };
    vm.on('event', on);
  });
}

/** A line step of a thread with jdb's filters, suspending the event thread; resolves with its request ID. */
export async function stepRequest(vm: JdwpClient, thread: ThreadID, depth: number): Promise<number> {
  const { requestID } = await vm.EventRequest.Set(JDWP.EventKind.SINGLE_STEP, JDWP.SuspendPolicy.EVENT_THREAD, [
    { modKind: 10, thread, size: JDWP.StepSize.LINE, depth },
    ...JDB_EXCLUDES.map((classPattern) => ({ modKind: 6, classPattern })),
  ] as never);
  return requestID;
}

/**
 * Sends one request to `url` and stops the first thread that reaches a marker of Hop.java (a one-shot breakpoint,
 * cleared once hit); resolves with that thread and the request's answer to come (a failed call answers status 0).
 */
export async function stopAt(vm: JdwpClient, marker: 'LEAF_LINE' | 'CALL_LINE', url: string): Promise<{ thread: ThreadID; pending: Promise<{ status: number; body: string }> }> {
  const K = JDWP.EventKind;
  const hit = nextEvent(vm, K.BREAKPOINT);
  const loc = await lineLocation(vm, 'hopfix.Hop', hopLine(marker));
  const { requestID } = await vm.EventRequest.Set(K.BREAKPOINT, JDWP.SuspendPolicy.EVENT_THREAD, [{ modKind: 7, loc }, { modKind: 1, count: 1 }]);
  const pending = callWork(url).catch((err: Error) => ({ status: 0, body: err.message }));
  const { thread } = await hit;
  await vm.EventRequest.Clear(K.BREAKPOINT, requestID);
  return { thread, pending };
}
