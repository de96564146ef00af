// Shared pieces of the proxy benchmarks: the bench JVM, a plain TCP pipe, and a client over any of the three targets.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { JdwpClient } from '../jdwp/client/client';
import { compileJava, relistened, startJvm, type Jvm } from '../jdwp/launch/java';
import type { Event_Composite_Event } from '../jdwp/protocol/spec-types';
import { VirtualVm } from '../jdwp/vm/server';
import { listenTcp, serverAddress } from '../jdwp/transport/tcp';

/** The project root (from out/bench). */
export const ROOT = path.resolve(__dirname, '..', '..');

/** Flags that keep benchmark JVMs small. */
export const BENCH_JVM_FLAGS = ['-Xmx32m', '-Xss512k', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:CICompilerCount=1'];

/** Compiles the benchmark target. */
export function benchClasses(): string {
  return compileJava(path.join(ROOT, 'bench', 'java'), path.join(ROOT, 'out', 'bench-classes'));
}

/** The line of a marker in BenchLoop.java. */
export function benchLine(marker: string): number {
  const text = fs.readFileSync(path.join(ROOT, 'bench', 'java', 'benchfix', 'BenchLoop.java'), 'utf8');
  return text.split('\n').findIndex((l) => l.includes(marker)) + 1;
}

/** Starts one bench JVM ("full" runs its hot loops, "idle" only parks a thread). */
export function startBenchJvm(mode: 'full' | 'idle'): Promise<Jvm> {
  return startJvm({ classPath: [benchClasses()], mainClass: 'benchfix.BenchLoop', args: [mode], vmArgs: BENCH_JVM_FLAGS });
}

/** A plain TCP byte pipe to a port: the floor that any proxy hop costs. */
export async function startPipe(targetPort: number): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = await listenTcp({ host: '127.0.0.1', port: 0 }, (inbound) => {
    const outbound = net.connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
    sockets.add(inbound).add(outbound);
    inbound.pipe(outbound).pipe(inbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
  });
  return {
    port: serverAddress(server).port,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** Attaches, retrying while the JVM's agent is not listening again yet after a previous debugger's Dispose. */
async function attachRetrying(port: () => number, via?: (port: number) => Promise<{ port: number; close(): void }>): Promise<{ client: JdwpClient; pipe?: { close(): void } }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    const pipe = via ? await via(port()) : undefined;
    try {
      return { client: await JdwpClient.attach({ host: '127.0.0.1', port: pipe ? pipe.port : port() }), pipe };
    } catch (err) {
      lastError = err;
      pipe?.close();
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw lastError;
}

/** One way of reaching the bench JVM. */
export interface Target {
  name: 'direct' | 'pipe' | 'proxy';
  connect(): Promise<{ client: JdwpClient; close(): Promise<void> }>;
}

/**
 * The three targets over one JVM: direct, through a TCP pipe, through the virtual VM. A JVM listening on port 0
 * listens on a new port after each debugger leaves, so the port is read at each connect.
 */
export function targets(jvm: Jvm): Target[] {
  const jvmPort = () => jvm.port;
  const relisten = async (close: () => Promise<void>) => {
    const since = jvm.output.length;
    await close();
    await relistened(jvm, since);
  };
  return [
    {
      name: 'direct',
      async connect() {
        const { client } = await attachRetrying(jvmPort);
        return { client, close: () => relisten(() => client.dispose()) };
      },
    },
    {
      name: 'pipe',
      async connect() {
        const { client, pipe } = await attachRetrying(jvmPort, startPipe);
        return {
          client,
          close: () =>
            relisten(async () => {
              await client.dispose();
              pipe!.close();
            }),
        };
      },
    },
    {
      name: 'proxy',
      async connect() {
        const vm = await VirtualVm.start({ nodes: [`bench=127.0.0.1:${jvmPort()}`], log: () => {} });
        await vm.waitForNodes(1);
        const client = await JdwpClient.attach(vm.address);
        return {
          client,
          close: () =>
            relisten(async () => {
              await client.dispose();
              await vm.close();
            }),
        };
      },
    },
  ];
}

/** Resolves with the next event that matches. */
export function nextEvent(client: JdwpClient, match: (e: Event_Composite_Event) => boolean, timeoutMs = 10_000): Promise<Event_Composite_Event> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.removeListener('event', on);
      reject(new Error('no event in time'));
    }, timeoutMs);
    const on = (e: Event_Composite_Event) => {
      if (!match(e)) return;
      clearTimeout(timer);
      client.removeListener('event', on);
      resolve(e);
    };
    client.on('event', on);
  });
}

/** Reads the resident set size of a process, in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}
