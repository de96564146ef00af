import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';

/** A process the end-to-end run started, in its own process group so that its children die with it. */
export interface Started {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

const started: Started[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

/** Starts a command in a new process group, logs its output to logFile and registers it for cleanup. */
export function start(name: string, command: string, args: string[], options: SpawnOptions & { logFile: string }): Started {
  const log = fs.openSync(options.logFile, 'a');
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  const entry = { name, child, exited };
  started.push(entry);
  return entry;
}

/** Registers a cleanup step that runs, last registered first, before the started processes are killed. */
export function onCleanup(step: () => Promise<void> | void): void {
  cleanups.push(step);
}

async function killGroup(entry: Started): Promise<void> {
  const { child } = entry;
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // The group is gone already.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 3000);
  await entry.exited;
  clearTimeout(timer);
  signal('SIGKILL');
}

let cleaning: Promise<void> | undefined;

/** Runs every cleanup step and kills every started process group; safe to call more than once. */
export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of cleanups.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        console.error(`e2e: cleanup step failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    await Promise.all(started.splice(0).reverse().map(killGroup));
  })();
  return cleaning;
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    console.error(`e2e: ${sig}, cleaning up`);
    void cleanupAll().then(() => process.exit(130));
  });
}
