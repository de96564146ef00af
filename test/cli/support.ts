// Helpers of the trace CLI tests: the CLI as a child process, its JSON output, and thread censuses.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { JdwpClient } from '../../jdwp/client/client';
import { eachLine, relistened, type Jvm } from '../../jdwp/launch/java';

export { relistened };
import type { Address } from '../../jdwp/transport/tcp';
import { ROOT } from '../support/fixtures';

/** A run of `node bin/jdwp-fabric.js ...` as a child process. */
export interface CliRun {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/** Starts the CLI with arguments; lines of stdout and stderr are collected as they come. */
export function startCli(args: string[]): CliRun {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'jdwp-fabric.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run: CliRun = { child, stdout: [], stderr: [], exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  eachLine(child.stdout!, (line) => run.stdout.push(line));
  eachLine(child.stderr!, (line) => run.stderr.push(line));
  return run;
}

/** Runs the CLI to its end (killing it after timeoutMs) and resolves with the exit code and output. */
export async function runCli(args: string[], timeoutMs = 40_000): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
  const run = startCli(args);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  const code = await run.exited;
  clearTimeout(timer);
  await new Promise((r) => setImmediate(r));
  return { code, stdout: run.stdout, stderr: run.stderr };
}

/** Resolves once a line matching `test` was collected, or rejects when the process ended or the time is up. */
export async function waitForLine(run: CliRun, lines: 'stdout' | 'stderr', test: (line: string) => boolean, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = run[lines].find(test);
    if (hit) return hit;
    if (run.child.exitCode !== null) throw new Error(`the CLI exited with ${run.child.exitCode} first:\n${run.stderr.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`no such ${lines} line within ${timeoutMs} ms:\n${run.stderr.join('\n')}`);
    await sleep(25);
  }
}

/** A captured hit, as the CLI prints it. */
export interface HitLine {
  probe: string;
  hit: number;
  node: string;
  thread: string;
  location: { class: string; method: string; line: number; source?: string };
  stack?: Array<{ class: string; method: string; line: number }>;
  callers?: Array<{ node: string; thread: string; edge: string; label: string; frames: string[] }>;
  captures?: Record<string, any>;
  locals?: Record<string, any>;
  log?: string;
  truncated: boolean;
  pauseMs: number;
}

/** The hit lines of stdout, parsed. */
export function hitsOf(stdout: string[]): HitLine[] {
  return stdout.map((l) => JSON.parse(l) as HitLine);
}

/** The JSON summary on stderr (run with --json). */
export function summaryOf(stderr: string[]): any {
  const line = stderr.find((l) => l.startsWith('{"summary"'));
  assert.ok(line, `no JSON summary on stderr:\n${stderr.join('\n')}`);
  return JSON.parse(line).summary;
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Attaches to an address, retrying while it refuses (a proxy still ending the previous session, a JVM relistening). */
export async function attachWhenFree(address: () => Address, timeoutMs = 15_000): Promise<JdwpClient> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await JdwpClient.attach(address(), { handshakeTimeoutMs: 2000 });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

/** The names of the threads of a VM that a debugger suspended (SuspendCount above 0). */
export async function suspendedThreads(vm: JdwpClient): Promise<string[]> {
  const { threads } = await vm.VirtualMachine.AllThreads();
  const rows = await Promise.all(
    threads.map(async (t) => {
      try {
        const [{ suspendCount }, { threadName }] = await Promise.all([vm.ThreadReference.SuspendCount(t), vm.ThreadReference.Name(t)]);
        return suspendCount > 0 ? threadName : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return rows.filter((n): n is string => n !== undefined);
}

/** Asserts that no thread of the VM at an address is suspended; attaches and leaves again. */
export async function assertNothingSuspended(address: () => Address, what: string): Promise<void> {
  const vm = await attachWhenFree(address);
  try {
    assert.deepEqual(await suspendedThreads(vm), [], `threads left suspended on ${what}`);
  } finally {
    await vm.dispose();
  }
}

