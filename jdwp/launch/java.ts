import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Options for starting a JVM with the JDWP agent. */
export interface JvmOptions {
  classPath: string[];
  mainClass: string;
  args?: string[];
  /** 'listen' starts the agent with server=y on a free loopback port; 'dial' makes the JVM dial `dialAddress`. */
  mode?: 'listen' | 'dial';
  /** HOST:PORT the agent listens on in 'listen' mode; default 127.0.0.1:0 (a free port, a new one after each debugger). */
  listenAddress?: string;
  /** HOST:PORT the JVM dials in 'dial' mode. */
  dialAddress?: string;
  /** Start suspended until a debugger resumes it. */
  suspend?: boolean;
  vmArgs?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Path of the java executable; defaults to $JAVA_HOME/bin/java or java on PATH. */
  java?: string;
  /** Called with each line the program prints. */
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** How long to wait for the agent to listen; default 20 s. */
  startTimeoutMs?: number;
}

/** A started JVM. */
export interface Jvm {
  process: ChildProcess;
  /** The agent's port in 'listen' mode. */
  port: number;
  /** Every line printed so far. */
  output: string[];
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  /** Kills the JVM and waits for it. */
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Small and quick JVM flags for tests, benchmarks and the demo cluster. */
export const SMALL_JVM_FLAGS = ['-Xmx64m', '-Xss512k', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xshare:auto'];

/** The java executable to use. */
export function javaExecutable(name: 'java' | 'javac' | 'jdb' = 'java'): string {
  const home = process.env.JAVA_HOME;
  if (home && fs.existsSync(path.join(home, 'bin', name))) return path.join(home, 'bin', name);
  return name;
}

function newestMtime(dir: string, ext: string): number {
  if (!fs.existsSync(dir)) return 0;
  let newest = 0;
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    if (f.endsWith(ext)) newest = Math.max(newest, fs.statSync(path.join(dir, f)).mtimeMs);
  }
  return newest;
}

function javaSources(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.java')).map((f) => path.join(dir, f));
}

/** Compiles every .java file under srcDir into outDir with full debug info, unless outDir is newer. */
export function compileJava(srcDir: string, outDir: string, extraClassPath: string[] = []): string {
  const stamp = path.join(outDir, '.compiled');
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= newestMtime(srcDir, '.java')) return outDir;
  fs.mkdirSync(outDir, { recursive: true });
  const cp = extraClassPath.length ? ['-cp', extraClassPath.join(path.delimiter)] : [];
  const res = spawnSync(javaExecutable('javac'), ['-g', '-encoding', 'UTF-8', '-d', outDir, ...cp, ...javaSources(srcDir)], { encoding: 'utf8' });
  if (res.error) throw new Error(`javac could not run: ${res.error.message} (install a JDK, e.g. openjdk-17-jdk-headless)`);
  if (res.status !== 0) throw new Error(`javac failed for ${srcDir}:\n${res.stderr}`);
  fs.writeFileSync(stamp, new Date().toISOString());
  return outDir;
}

/** Starts a JVM with -agentlib:jdwp and waits until its agent listens (or, in dial mode, until it runs). */
export function startJvm(options: JvmOptions): Promise<Jvm> {
  const mode = options.mode ?? 'listen';
  const address = mode === 'listen' ? (options.listenAddress ?? '127.0.0.1:0') : options.dialAddress;
  if (!address) throw new Error('dial mode needs dialAddress');
  const agent = `-agentlib:jdwp=transport=dt_socket,server=${mode === 'listen' ? 'y' : 'n'},suspend=${options.suspend ? 'y' : 'n'},address=${address}`;
  const argv = [agent, ...(options.vmArgs ?? SMALL_JVM_FLAGS), '-cp', options.classPath.join(path.delimiter), options.mainClass, ...(options.args ?? [])];
  const child = spawn(options.java ?? javaExecutable('java'), argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return new Promise<Jvm>((resolve, reject) => {
    let settled = false;
    const jvm: Jvm = {
      process: child,
      port: 0,
      output,
      exited,
      async kill() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
    const timer = setTimeout(() => finish(new Error(`JVM ${options.mainClass} did not start within ${options.startTimeoutMs ?? 20000} ms:\n${output.join('\n')}`)), options.startTimeoutMs ?? 20_000);
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        void jvm.kill();
        reject(err);
      } else resolve(jvm);
    };
    const onLine = (line: string, stream: 'stdout' | 'stderr') => {
      output.push(line);
      options.onOutput?.(line, stream);
      const m = /Listening for transport dt_socket at address: (\d+)/.exec(line);
      if (m) {
        jvm.port = Number(m[1]);
        finish();
      }
    };
    eachLine(child.stdout!, (line) => onLine(line, 'stdout'));
    eachLine(child.stderr!, (line) => onLine(line, 'stderr'));
    child.once('error', (err) => finish(new Error(`java could not start: ${err.message}`)));
    void exited.then((code) => finish(new Error(`JVM exited with ${code} before it was ready:\n${output.join('\n')}`)));
    if (mode === 'dial') finish();
  });
}

/** Calls back with each line a stream carries (without its line ending). */
export function eachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    rest += chunk;
    let nl;
    while ((nl = rest.indexOf('\n')) >= 0) {
      onLine(rest.slice(0, nl).replace(/\r$/, ''));
      rest = rest.slice(nl + 1);
    }
  });
}

const LISTENING = /Listening for transport dt_socket at address: (\d+)/;

/**
 * Resolves with the new port once a JVM started with address=HOST:0 listens again after its debugger left: the
 * agent then picks a new free port, which startJvm's output watcher also stores in jvm.port. `since` is
 * jvm.output.length from before the debugger left.
 */
export async function relistened(jvm: Jvm, since: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = jvm.output.slice(since).map((l) => LISTENING.exec(l)).find(Boolean);
    if (m) return Number(m[1]);
    if (jvm.process.exitCode !== null) throw new Error(`the JVM exited:\n${jvm.output.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`the JVM did not listen again within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
