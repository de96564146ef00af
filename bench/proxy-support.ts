// Shared pieces of the proxy benchmarks: the bench JVM, a plain TCP pipe, and a client over any of the three targets.
import * as fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { JdwpClient } from '../jdwp/client/client';
import { compileJava, relistened, startJvm, type Jvm } from '../jdwp/launch/java';
import type { Event_Composite_Event } from '../jdwp/protocol/spec-types';
import type { Location, ReferenceTypeID } from '../jdwp/protocol/wire-types';
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

function portIn(pattern: RegExp, text: string): number | undefined {
  const m = pattern.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** A helper process, and the port it printed once it is ready; `onLine` sees every line it prints, then and later. */
async function spawnListening(
  args: string[],
  ready: (output: string) => number | undefined,
  onLine: (line: string) => void = () => {},
): Promise<{ port: number; child: ChildProcess; output: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let port: number | undefined;
  const on = (stream: NodeJS.ReadableStream) => {
    let partial = '';
    stream.on('data', (d: Buffer) => {
      const lines = (partial + d.toString('utf8')).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (port === undefined) text += `${line}\n`;
        onLine(line);
      }
    });
  };
  on(child.stdout!);
  on(child.stderr!);
  port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start:\n${text}`)), 20_000);
    const poll = setInterval(() => {
      const p = ready(text);
      if (p === undefined) return;
      clearTimeout(timer);
      clearInterval(poll);
      resolve(p);
    }, 5);
    child.once('exit', (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${text}`));
    });
  });
  return { port, child, output: text };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A proxy process: its ports and pid, and a wait for nodes to join it. */
export interface ProxyProcess {
  port: number;
  /** Where nodes dial in, when started with --accept. */
  acceptPort?: number;
  pid: number;
  /** Resolves once `count` nodes have joined (its log says so), or rejects after `timeoutMs`. */
  joined(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A proxy process (`jdwp-fabric proxy`) over the JVMs (anything listening for a debugger), once every one of them
 * joined; `extra.args` adds proxy options (--accept: nodes that dial in are waited for with `joined`), `extra.node`
 * options of Node itself (--cpu-prof).
 */
export async function startProxyProcess(jvms: Array<Pick<Jvm, 'port'>>, extra: { args?: string[]; node?: string[]; joinTimeoutMs?: number } = {}): Promise<ProxyProcess> {
  const args = [...(extra.node ?? []), path.join(ROOT, 'bin', 'jdwp-fabric.js'), 'proxy', '--listen', '127.0.0.1:0', ...jvms.flatMap((j, i) => ['--node', `node-${i + 1}=127.0.0.1:${j.port}`]), ...(extra.args ?? [])];
  let joins = 0;
  let waiting: (() => void) | undefined;
  const recent: string[] = [];
  const { port, child, output } = await spawnListening(args, (out) => portIn(/virtual VM listening on [^:]+:(\d+)/, out), (line) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    if (line.includes(' joined (')) {
      joins++;
      waiting?.();
    }
  });
  const proxy: ProxyProcess = {
    port,
    acceptPort: portIn(/nodes may dial in at [^:]+:(\d+)/, output),
    pid: child.pid!,
    joined: (count, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${joins} of ${count} nodes joined the proxy within ${timeoutMs} ms; its last lines:\n${recent.join('\n')}`)), timeoutMs);
        waiting = () => {
          if (joins < count) return;
          clearTimeout(timer);
          waiting = undefined;
          resolve();
        };
        waiting();
      }),
    close: () => stop(child),
  };
  try {
    await proxy.joined(jvms.length, extra.joinTimeoutMs);
  } catch (err) {
    await proxy.close();
    throw err;
  }
  return proxy;
}

/** Attaches to a port, retrying while it refuses (a proxy still ending the previous debugger's session). */
export async function attachRetrying(port: number): Promise<JdwpClient> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await JdwpClient.attach({ host: '127.0.0.1', port });
    } catch (err) {
      if (attempt >= 100) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The location of a line in a method of a type. */
export async function lineLocation(vm: JdwpClient, type: ReferenceTypeID, method: string, line: number): Promise<Location> {
  const { declared } = await vm.ReferenceType.Methods(type);
  const m = declared.find((d) => d.name === method)!;
  const { lines } = await vm.Method.LineTable(type, m.methodID);
  const hit = lines.find((l) => l.lineNumber === line)!;
  return { typeTag: 1, classID: type as never, methodID: m.methodID, index: hit.lineCodeIndex };
}

/** One way of reaching the bench JVM. */
export interface Target {
  name: 'direct' | 'pipe' | 'proxy';
  connect(): Promise<{ client: JdwpClient; close(): Promise<void> }>;
}

/**
 * The three targets over one JVM: direct, through a TCP pipe process, through a proxy process (`jdwp-fabric
 * proxy`, as it runs in production, with `proxyArgs`). A JVM listening on port 0 listens on a new port after each debugger
 * leaves, so the port is read at each connect.
 */
export function targets(jvm: Jvm, proxyArgs: string[] = []): Target[] {
  const relisten = async (close: () => Promise<void>) => {
    const since = jvm.output.length;
    await close();
    await relistened(jvm, since);
  };
  const through = (name: 'pipe' | 'proxy', args: () => string[], ready: (output: string) => number | undefined): Target => ({
    name,
    async connect() {
      const { port, child } = await spawnListening(args(), ready);
      const client = await JdwpClient.attach({ host: '127.0.0.1', port });
      return {
        client,
        close: () =>
          relisten(async () => {
            await client.dispose();
            await stop(child);
          }),
      };
    },
  });
  return [
    {
      name: 'direct',
      async connect() {
        const client = await JdwpClient.attach({ host: '127.0.0.1', port: jvm.port });
        return { client, close: () => relisten(() => client.dispose()) };
      },
    },
    through('pipe', () => [path.join(ROOT, 'out', 'bench', 'tcp-pipe.js'), String(jvm.port)], (out) => portIn(/listening (\d+)/, out)),
    through(
      'proxy',
      () => [path.join(ROOT, 'bin', 'jdwp-fabric.js'), 'proxy', '--listen', '127.0.0.1:0', '--node', `bench=127.0.0.1:${jvm.port}`, ...proxyArgs],
      (out) => (out.includes('node bench joined') ? portIn(/virtual VM listening on [^:]+:(\d+)/, out) : undefined),
    ),
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

/** The CPU time (user + system) a process has used, in ms, from /proc (10 ms resolution). */
export function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Reads the resident set size of a process, in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}
