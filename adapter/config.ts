import { parseRequestScope } from '../jdwp/flow/scope-spec';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { FabricError } from '../jdwp/errors';
import { edgeSet, loadEdges, parseEdges, type RpcEdge } from '../jdwp/flow/edges';
import { AdapterError, AdapterErrorCode } from './errors';
import {
  choices,
  DEFAULT_SKIP_CLASSES,
  DEFAULT_SUSPEND_SCOPE,
  DEFAULT_TIMEOUT_MS,
  isSuspendScope,
  JDK_PACKAGES,
  splitCommandLine,
  STEP_FILTER_FLAGS,
  SUSPEND_SCOPES,
  WS_URL_PATTERN,
  type StepFilters,
  type SuspendScope,
} from './launch-schema';
import { checkDiscoverSpec } from '../jdwp/discovery/index';

/** Attributes shared by launch and attach. */
export interface CommonArguments {
  /** Extra source roots searched by package path. */
  sourcePaths?: string[];
  /** Workspace folders searched for sources (the extension fills these in). */
  workspaceFolders?: string[];
  stepFilters?: StepFilters;
  suspendScope?: SuspendScope;
  /** Milliseconds to wait for the VM to answer (attach and each request). */
  timeout?: number;
  /** Stop at the start of main (launch) or as soon as attached. */
  stopOnEntry?: boolean;
  /** Write the DAP traffic to the adapter's log. */
  trace?: boolean;
  /** Stop only requests marked so (virtual VM only): header:NAME=VALUE, baggage:KEY=VALUE, trace:TRACE-ID, expr:EXPRESSION. */
  requestScope?: string;
}

/** Attributes of an attach that may reach the virtual VM. */
export interface ClusterArguments {
  /** One child session per node when the client can start them (default true); false keeps one flat thread list. */
  nodeSessions?: boolean;
}

/** Attributes of the virtual VM the adapter starts over `nodes`: RPC edges, stitched stacks (see docs/edges.md). */
export interface FlowArguments {
  /** Edges besides the presets: an array of edges, or the path of a JSON file of them. */
  edges?: unknown[] | string;
  /** Use the preset edges (the JDK's HttpClient into com.sun.net.httpserver and into servlets). Default true. */
  edgePresets?: boolean;
  /** Show a server thread's caller frames after its own. Default true. */
  stitch?: boolean;
}

/** `attach` to one JVM or to a running virtual VM. */
export interface AttachHostArguments extends CommonArguments, ClusterArguments {
  hostName?: string;
  port: number;
}

/** `attach` to a proxy's WebSocket endpoint (its --listen-ws). */
export interface AttachUrlArguments extends CommonArguments, ClusterArguments {
  /** "ws://HOST:PORT/" or "wss://HOST:PORT/". */
  url: string;
  /** The bearer token; default $JDWP_FABRIC_TOKEN. */
  token?: string;
  /** A PEM CA file the wss:// server's certificate must chain to; default $JDWP_FABRIC_TLS_CA, else the system store. */
  tlsCa?: string;
}

/** `attach` to a list of nodes through an in-process virtual VM. */
export interface AttachNodesArguments extends CommonArguments, ClusterArguments, FlowArguments {
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
  /** The request scope, as parsed and written back (see jdwp/flow/scope-spec.ts). */
  requestScope?: string;
}

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
  return splitCommandLine(value, (quote) => bad(`"${name}" has an unterminated ${quote} quote`));
}

/** Validates and resolves the attributes common to launch and attach. */
export function resolveSettings(args: CommonArguments): SessionSettings {
  const scope = args.suspendScope ?? DEFAULT_SUSPEND_SCOPE;
  if (!isSuspendScope(scope)) throw bad(`"suspendScope" must be ${choices(Object.keys(SUSPEND_SCOPES))}, not "${String(scope)}"`);
  const timeout = args.timeout ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeout !== 'number' || !(timeout > 0)) throw bad('"timeout" must be a positive number of milliseconds');
  const filters = args.stepFilters ?? {};
  if (typeof filters !== 'object') throw bad('"stepFilters" must be an object');
  const skip = filters.skipClasses === undefined ? DEFAULT_SKIP_CLASSES : stringList(filters.skipClasses, 'stepFilters.skipClasses');
  return {
    sourcePaths: stringList(args.sourcePaths, 'sourcePaths'),
    workspaceFolders: stringList(args.workspaceFolders, 'workspaceFolders'),
    skipClasses: [...new Set(skip.flatMap((p) => (p === '$JDK' ? JDK_PACKAGES : [p])))],
    skipSynthetics: filters.skipSynthetics ?? STEP_FILTER_FLAGS.skipSynthetics.default,
    skipStaticInitializers: filters.skipStaticInitializers ?? STEP_FILTER_FLAGS.skipStaticInitializers.default,
    skipConstructors: filters.skipConstructors ?? STEP_FILTER_FLAGS.skipConstructors.default,
    suspendScope: scope,
    timeout,
    stopOnEntry: args.stopOnEntry ?? false,
    requestScope: requestScopeOf(args.requestScope),
  };
}

/** Validates a request scope; undefined for none. */
export function requestScopeOf(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw bad('"requestScope" must be a string such as "header:X-Debug-Session=alice"');
  try {
    return parseRequestScope(value).text;
  } catch (err) {
    throw bad(`"requestScope": ${(err as Error).message}`);
  }
}

/** The three kinds of configuration. */
export type TargetConfig =
  | { kind: 'attach-host'; host: string; port: number }
  | { kind: 'attach-url'; url: string; token?: string; tlsCa?: string }
  | { kind: 'attach-nodes'; nodes: string[]; discover: string[]; edges: RpcEdge[]; stitch: boolean }
  | { kind: 'launch'; mainClass: string; classPaths: string[]; vmArgs: string[]; args: string[]; cwd?: string; env?: Record<string, string>; javaExec?: string };

/** Validates an attach request's arguments. */
export function resolveAttach(args: DebugProtocol.AttachRequestArguments & Partial<AttachHostArguments & AttachNodesArguments & AttachUrlArguments>): TargetConfig {
  if (args.url !== undefined) return resolveUrl(args);
  for (const name of URL_ATTRIBUTES) if (args[name] !== undefined) throw bad(`"${name}" goes with "url" (a proxy's ws:// or wss:// endpoint); plain TCP has no token or TLS`);
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
    return { kind: 'attach-nodes', nodes, discover, ...resolveFlow(args) };
  }
  for (const name of FLOW_ATTRIBUTES) {
    if (args[name] !== undefined) throw bad(`"${name}" applies to "nodes" only (the virtual VM the adapter starts); a proxy takes --edges, --no-edge-presets and --no-stitch`);
  }
  const port = typeof args.port === 'string' ? Number(args.port) : args.port;
  if (port === undefined) throw bad('attach needs "port" (with "hostName"), "url" or "nodes"');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw bad(`"port" must be a TCP port, not ${JSON.stringify(args.port)}`);
  const host = args.hostName ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw bad('"hostName" must be a host name');
  return { kind: 'attach-host', host, port };
}

/** The attributes that only an attach by `url` takes. */
const URL_ATTRIBUTES = ['token', 'tlsCa'] as const;

const WS_URL = new RegExp(WS_URL_PATTERN);

/** Validates an attach to a proxy's WebSocket endpoint: a ws:// or wss:// URL, a token, and a CA file for wss:// only. */
function resolveUrl(args: Partial<AttachHostArguments & AttachNodesArguments & AttachUrlArguments>): TargetConfig {
  const { url, token, tlsCa } = args;
  if (typeof url !== 'string' || !WS_URL.test(url) || !URL.canParse(url)) throw bad(`"url" must be "ws://HOST:PORT/" or "wss://HOST:PORT/", not ${JSON.stringify(url)}`);
  for (const name of ['hostName', 'port', 'nodes', 'discover', ...FLOW_ATTRIBUTES] as const) {
    if (args[name] !== undefined) throw bad(`give either "url" or "${name}", not both`);
  }
  if (token !== undefined && (typeof token !== 'string' || token === '')) throw bad('"token" must be a non-empty string');
  if (tlsCa !== undefined && (typeof tlsCa !== 'string' || tlsCa === '')) throw bad('"tlsCa" must be the path of a PEM CA file');
  if (tlsCa !== undefined && !url.startsWith('wss:')) throw bad('"tlsCa" applies to a "wss://" url only');
  return { kind: 'attach-url', url, ...(token !== undefined ? { token } : {}), ...(tlsCa !== undefined ? { tlsCa } : {}) };
}

/** The attributes of FlowArguments. */
const FLOW_ATTRIBUTES = ['edges', 'edgePresets', 'stitch'] as const;

/** Validates the edges and stitching of a `nodes` attach: the presets (unless switched off) and the user's edges. */
export function resolveFlow(args: FlowArguments): { edges: RpcEdge[]; stitch: boolean } {
  for (const name of ['edgePresets', 'stitch'] as const) if (args[name] !== undefined && typeof args[name] !== 'boolean') throw bad(`"${name}" must be true or false`);
  if (args.edges !== undefined && typeof args.edges !== 'string' && !Array.isArray(args.edges)) throw bad('"edges" must be an array of edges or the path of a JSON file of them');
  try {
    const user = args.edges === undefined ? [] : typeof args.edges === 'string' ? loadEdges(args.edges) : parseEdges(args.edges, 'edges');
    return { edges: edgeSet(user, args.edgePresets ?? true), stitch: args.stitch ?? true };
  } catch (err) {
    if (err instanceof FabricError) throw bad(`bad RPC edges: ${err.message} (see docs/edges.md)`);
    throw err;
  }
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
