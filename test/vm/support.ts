// Shared helpers of the proxy tests: fixture nodes behind a virtual VM, direct thread censuses, a debugger
// attached after the previous one has left, and an expect-like driver for jdb and the JDI check program.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { JdwpClient } from '../../jdwp/client/client';
import type { ThreadID } from '../../jdwp/protocol/wire-types';
import { compileJava, relistened, type Jvm, type JvmOptions } from '../../jdwp/launch/java';
import { VirtualVm, type VirtualVmOptions } from '../../jdwp/vm/server';
import { fixtureClasses, ROOT, startFixture } from '../support/fixtures';

/** Milliseconds the fixture sleeps between rounds in proxy tests: slow enough to keep 3 JVMs cool. */
export const FIXTURE_PAUSE_MS = '100';

/** Compiles the changed build of fixture.Versioned (test/fixtures/java-v2) and returns its class directory. */
export function versionTwoClasses(): string {
  return compileJava(path.join(ROOT, 'test', 'fixtures', 'java-v2'), path.join(ROOT, '.tmp', 'classes', 'fixtures-v2'), [fixtureClasses()]);
}

/** Starts one fixture node (listening, unless options say otherwise) and waits until its loop runs. */
export async function startNode(jvms: Jvm[], options: Partial<JvmOptions> = {}): Promise<Jvm> {
  const jvm = await startFixture(jvms, 'fixture.Fixture', { args: [FIXTURE_PAUSE_MS], ...options });
  if ((options.mode ?? 'listen') === 'listen') await printed(jvm, 'fixture ready');
  return jvm;
}

/** Starts `count` fixture nodes in parallel. */
export function startNodes(jvms: Jvm[], count: number, options: Partial<JvmOptions> = {}): Promise<Jvm[]> {
  return Promise.all(Array.from({ length: count }, () => startNode(jvms, options)));
}

/** Resolves once the JVM has printed a line, or rejects when it exits or the time is up. */
export async function printed(jvm: Jvm, line: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!jvm.output.includes(line)) {
    if (jvm.process.exitCode !== null) throw new Error(`the JVM exited before printing "${line}":\n${jvm.output.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`the JVM did not print "${line}" within ${timeoutMs} ms`);
    await sleep(20);
  }
}

export { relistened };

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}


/**
 * The names of a JVM's threads, read by attaching to it directly (before any proxy holds its one debugger slot).
 * Resolves once the JVM listens again, on its new port.
 */
export async function threadNamesOf(jvm: Jvm): Promise<string[]> {
  const since = jvm.output.length;
  const vm = await JdwpClient.attach({ host: '127.0.0.1', port: jvm.port });
  let names: string[];
  try {
    const { threads } = await vm.VirtualMachine.AllThreads();
    names = (await Promise.all(threads.map((t: ThreadID) => vm.ThreadReference.Name(t)))).map((n) => n.threadName).sort();
  } finally {
    await vm.dispose();
  }
  await relistened(jvm, since);
  return names;
}

/** A virtual VM under test with the log lines it wrote, for failure messages. */
export interface ProxyUnderTest {
  vm: VirtualVm;
  log: string[];
  /** Stops the proxy; resolves once every node still running listens again (on a new port, in jvm.port). */
  close(): Promise<void>;
}

/** Starts a virtual VM over listening nodes named node-1, node-2, ... in order, and waits until every node joined. */
export async function startProxy(nodes: Jvm[], options: VirtualVmOptions = {}): Promise<ProxyUnderTest> {
  const log: string[] = [];
  const vm = await VirtualVm.start({
    listen: '127.0.0.1:0',
    nodes: nodes.map((j, i) => `node-${i + 1}=127.0.0.1:${j.port}`),
    log: (line) => log.push(`${new Date().toISOString().slice(11, 23)} ${line}`),
    retryMs: { first: 100, max: 1_000 },
    ...options,
  });
  try {
    await vm.waitForNodes(nodes.length, 30_000);
  } catch (err) {
    await vm.close();
    throw new Error(`${(err as Error).message}\nproxy log:\n${log.join('\n')}`);
  }
  const close = async () => {
    const since = nodes.map((j) => j.output.length);
    await vm.close();
    await Promise.all(nodes.map((j, i) => (j.process.exitCode === null && j.process.signalCode === null ? relistened(j, since[i]) : undefined)));
  };
  return { vm, log, close };
}

/** Waits until no debugger is attached to the proxy (the previous one has left and its cleanup is done). */
export async function debuggerGone(vm: VirtualVm, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (vm.session) {
    if (Date.now() > deadline) throw new Error(`a debugger was still attached to the proxy after ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Attaches a typed client to the proxy once the previous debugger has left. */
export async function attachAfterDebugger(vm: VirtualVm): Promise<JdwpClient> {
  await debuggerGone(vm);
  return JdwpClient.attach({ host: '127.0.0.1', port: vm.address.port }, { requestTimeoutMs: 10_000 });
}

/** Every thread of the virtual VM with a non-zero suspend count, as "name (count)". */
export async function suspendedThreads(client: JdwpClient): Promise<string[]> {
  const { threads } = await client.VirtualMachine.AllThreads();
  const rows = await Promise.all(
    threads.map(async (t: ThreadID) => {
      const [{ threadName }, { suspendCount }] = await Promise.all([client.ThreadReference.Name(t), client.ThreadReference.SuspendCount(t)]);
      return { threadName, suspendCount };
    }),
  );
  return rows.filter((r) => r.suspendCount !== 0).map((r) => `${r.threadName} (${r.suspendCount})`);
}

/** The node prefix of a proxied thread name ("[node-2] main" gives "node-2"), or undefined. */
export function nodeOfThread(name: string): string | undefined {
  return /^\[([^\]]+)\] /.exec(name)?.[1];
}

/**
 * Checks through a fresh debugger that no thread of any node stays suspended; the proxy's cleanup runs when the
 * previous debugger leaves, so a few polls are allowed before failing. Returns how many threads it saw per node.
 */
export async function assertNothingSuspended(vm: VirtualVm, expectedNodes: number): Promise<Map<string, number>> {
  const client = await attachAfterDebugger(vm);
  try {
    let suspended: string[] = [];
    for (let i = 0; i < 25; i++) {
      suspended = await suspendedThreads(client);
      if (!suspended.length) break;
      await sleep(200);
    }
    if (suspended.length) throw new Error(`threads left suspended after the debugger left: ${suspended.join(', ')}`);
    const { threads } = await client.VirtualMachine.AllThreads();
    const names = await Promise.all(threads.map((t: ThreadID) => client.ThreadReference.Name(t).then((r) => r.threadName)));
    const perNode = new Map<string, number>();
    for (const n of names) {
      const node = nodeOfThread(n) ?? '?';
      perNode.set(node, (perNode.get(node) ?? 0) + 1);
    }
    if (perNode.size !== expectedNodes) throw new Error(`expected threads of ${expectedNodes} nodes, got ${[...perNode.keys()].join(', ')}`);
    return perNode;
  } finally {
    await client.dispose();
  }
}

/**
 * An expect-like driver of a child process: writes lines to its stdin and waits for a pattern in what it printed
 * (stdout and stderr together) since the last match, keeping the whole transcript for failure messages.
 */
export class Expect {
  readonly child: ChildProcess;
  /** Everything the process printed, and the lines sent to it prefixed with "<<< ". */
  transcript = '';
  private unread = '';
  private waiter: (() => void) | undefined;
  readonly exited: Promise<number | null>;

  constructor(command: string, args: string[], options: { cwd?: string } = {}) {
    this.child = spawn(command, args, { cwd: options.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        this.waiter?.();
        resolve(code);
      });
      this.child.once('error', (err) => {
        this.transcript += `\n[spawn error: ${err.message}]\n`;
        resolve(-1);
      });
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        this.transcript += chunk;
        this.unread += chunk;
        this.waiter?.();
      });
    }
  }

  /** Writes one line to the process. */
  send(line: string): void {
    this.transcript += `<<< ${line}\n`;
    this.child.stdin!.write(`${line}\n`);
  }

  /**
   * Waits for a pattern in the output not yet consumed; consumes the output up to the end of the match and returns
   * the match. Rejects with the transcript after timeoutMs or when the process exits first.
   */
  async expect(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.unread);
      if (m) {
        this.unread = this.unread.slice(m.index + m[0].length);
        return m;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}\n--- transcript ---\n${this.tail()}`);
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`the process exited (${this.child.exitCode ?? this.child.signalCode}) while waiting for ${pattern}\n--- transcript ---\n${this.tail()}`);
      }
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

  /** The output not consumed yet. */
  pending(): string {
    return this.unread;
  }

  /** The last part of the transcript (a failure message should not drown the report). */
  tail(chars = 12_000): string {
    return this.transcript.length > chars ? `...${this.transcript.slice(-chars)}` : this.transcript;
  }

  /** Kills the process if it still runs, and waits for it. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
