import type { DebugProtocol } from '@vscode/debugprotocol';
import { AdapterError, AdapterErrorCode } from './errors';
import { checkDiscoverSpec } from '../jdwp/discovery/index';

/** Where a breakpoint or step suspends: the event thread, the node (one JVM) or the whole cluster. */
export type SuspendScope = 'thread' | 'node' | 'cluster';

/** Step filters, named as in VS Code's Java debugger. */
export interface StepFilters {
  /** Class patterns never stepped into, such as "java.*"; "$JDK" stands for the JDK's packages. */
  skipClasses?: string[];
  /** Skip synthetic methods (lambda bodies excepted). Default true. */
  skipSynthetics?: boolean;
  /** Skip static initializers. Default false. */
  skipStaticInitializers?: boolean;
  /** Skip constructors. Default false. */
  skipConstructors?: boolean;
}

/** Attributes shared by launch and attach. */
export interface CommonArguments {
  /** Extra source roots searched by package path. */
  sourcePaths?: string[];
  /** Workspace folders searched for sources (the extension fills these in). */
  workspaceFolders?: string[];
  stepFilters?: StepFilters;
  /** Default "node". */
  suspendScope?: SuspendScope;
  /** Milliseconds to wait for the VM to answer (attach and each request). Default 30000. */
  timeout?: number;
  /** Stop at the start of main (launch) or as soon as attached. */
  stopOnEntry?: boolean;
  /** Write the DAP traffic to the adapter's log. */
  trace?: boolean;
}

/** Attributes of an attach that may reach the virtual VM. */
export interface ClusterArguments {
  /** One child session per node when the client can start them (default true); false keeps one flat thread list. */
  nodeSessions?: boolean;
}

/** `attach` to one JVM or to a running virtual VM. */
export interface AttachHostArguments extends CommonArguments, ClusterArguments {
  hostName?: string;
  port: number;
}

/** `attach` to a list of nodes through an in-process virtual VM. */
export interface AttachNodesArguments extends CommonArguments, ClusterArguments {
  nodes: string[];
  /** Sources of nodes, as the proxy's --discover: "k8s:[NAMESPACE/]SELECTOR" or "dns:NAME[:PORT]". */
  discover?: string[];
}

/** `launch` a main class under the debugger. */
export interface LaunchArguments extends CommonArguments {
  mainClass: string;
  classPaths?: string[];
  vmArgs?: string | string[];
  args?: string | string[];
  cwd?: string;
  env?: Record<string, string>;
  /** The java executable; default $JAVA_HOME/bin/java or java on PATH. */
  javaExec?: string;
}

/** The resolved common settings of a session. */
export interface SessionSettings {
  sourcePaths: string[];
  workspaceFolders: string[];
  skipClasses: string[];
  skipSynthetics: boolean;
  skipStaticInitializers: boolean;
  skipConstructors: boolean;
  suspendScope: SuspendScope;
  timeout: number;
  stopOnEntry: boolean;
}

/** The JDK packages that "$JDK" stands for in skipClasses. */
export const JDK_PACKAGES = ['java.*', 'javax.*', 'jdk.*', 'sun.*', 'com.sun.*', 'org.ietf.*', 'org.omg.*', 'org.w3c.*', 'org.xml.*'];

/** The step filters when none are configured. */
export const DEFAULT_SKIP_CLASSES = ['java.*', 'jdk.*', 'sun.*'];

function bad(message: string): AdapterError {
  return new AdapterError(AdapterErrorCode.BAD_CONFIGURATION, message);
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw bad(`"${name}" must be an array of strings`);
  return value as string[];
}

/** Splits a command line the way a shell would for plain words, quotes and backslashes. */
export function splitArgs(value: string | string[] | undefined, name: string): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) {
    if (value.some((v) => typeof v !== 'string')) throw bad(`"${name}" must be a string or an array of strings`);
    return value;
  }
  if (typeof value !== 'string') throw bad(`"${name}" must be a string or an array of strings`);
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < value.length) cur += value[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < value.length) {
      cur += value[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw bad(`"${name}" has an unterminated ${quote} quote`);
  if (inWord) out.push(cur);
  return out;
}

/** Validates and resolves the attributes common to launch and attach. */
export function resolveSettings(args: CommonArguments): SessionSettings {
  const scope = args.suspendScope ?? 'node';
  if (!['thread', 'node', 'cluster'].includes(scope)) throw bad(`"suspendScope" must be "thread", "node" or "cluster", not "${String(scope)}"`);
  const timeout = args.timeout ?? 30_000;
  if (typeof timeout !== 'number' || !(timeout > 0)) throw bad('"timeout" must be a positive number of milliseconds');
  const filters = args.stepFilters ?? {};
  if (typeof filters !== 'object') throw bad('"stepFilters" must be an object');
  const skip = filters.skipClasses === undefined ? DEFAULT_SKIP_CLASSES : stringList(filters.skipClasses, 'stepFilters.skipClasses');
  return {
    sourcePaths: stringList(args.sourcePaths, 'sourcePaths'),
    workspaceFolders: stringList(args.workspaceFolders, 'workspaceFolders'),
    skipClasses: [...new Set(skip.flatMap((p) => (p === '$JDK' ? JDK_PACKAGES : [p])))],
    skipSynthetics: filters.skipSynthetics ?? true,
    skipStaticInitializers: filters.skipStaticInitializers ?? false,
    skipConstructors: filters.skipConstructors ?? false,
    suspendScope: scope,
    timeout,
    stopOnEntry: args.stopOnEntry ?? false,
  };
}

/** The three kinds of configuration. */
export type TargetConfig =
  | { kind: 'attach-host'; host: string; port: number }
  | { kind: 'attach-nodes'; nodes: string[]; discover: string[] }
  | { kind: 'launch'; mainClass: string; classPaths: string[]; vmArgs: string[]; args: string[]; cwd?: string; env?: Record<string, string>; javaExec?: string };

/** Validates an attach request's arguments. */
export function resolveAttach(args: DebugProtocol.AttachRequestArguments & Partial<AttachHostArguments & AttachNodesArguments>): TargetConfig {
  if (args.nodes !== undefined || args.discover !== undefined) {
    const nodes = stringList(args.nodes, 'nodes');
    const discover = stringList(args.discover, 'discover');
    if (nodes.length === 0 && discover.length === 0) throw bad('"nodes" must list at least one "host:port", or "discover" one source');
    for (const n of nodes) if (!/^[^\s:]+:\d{1,5}$/.test(n) && !/^\d{1,5}$/.test(n)) throw bad(`node "${n}" is not "host:port"`);
    for (const d of discover) {
      try {
        checkDiscoverSpec(d);
      } catch (err) {
        throw bad((err as Error).message);
      }
    }
    if (args.port !== undefined) throw bad('give either "nodes"/"discover" or "hostName"/"port", not both');
    return { kind: 'attach-nodes', nodes, discover };
  }
  const port = typeof args.port === 'string' ? Number(args.port) : args.port;
  if (port === undefined) throw bad('attach needs "port" (with "hostName") or "nodes"');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw bad(`"port" must be a TCP port, not ${JSON.stringify(args.port)}`);
  const host = args.hostName ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw bad('"hostName" must be a host name');
  return { kind: 'attach-host', host, port };
}

/** Validates a launch request's arguments. */
export function resolveLaunch(args: DebugProtocol.LaunchRequestArguments & Partial<LaunchArguments>): TargetConfig {
  if (typeof args.mainClass !== 'string' || args.mainClass.trim() === '') throw bad('launch needs "mainClass"');
  if (args.env !== undefined && (typeof args.env !== 'object' || Object.values(args.env).some((v) => typeof v !== 'string' && v !== null))) {
    throw bad('"env" must map names to strings');
  }
  if (args.cwd !== undefined && typeof args.cwd !== 'string') throw bad('"cwd" must be a directory');
  return {
    kind: 'launch',
    mainClass: args.mainClass.trim(),
    classPaths: stringList(args.classPaths, 'classPaths'),
    vmArgs: splitArgs(args.vmArgs, 'vmArgs'),
    args: splitArgs(args.args, 'args'),
    cwd: args.cwd,
    env: args.env,
    javaExec: args.javaExec,
  };
}
