// A chain of HTTP services (test/fixtures/java/hopfix/Hop.java) on separate JVMs, front -> ... -> leaf, each
// calling the next with java.net.http.HttpClient and a W3C traceparent header, for the stitching tests.
import * as http from 'node:http';
import type { Jvm } from '../../jdwp/launch/java';
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
