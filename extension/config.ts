import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAddress } from '../jdwp/transport/tcp';
import { NODE_ATTRIBUTE } from '../adapter/node-sessions';
import { FabricError } from '../jdwp/errors';
import { edgeSet, parseEdges } from '../jdwp/flow/edges';
import { parseRequestScope } from '../jdwp/flow/scope-spec';
import {
  choices,
  ConfigError,
  ConfigErrorCode,
  isSuspendScope,
  NODE_ADDRESS_PATTERN,
  splitCommandLine,
  STEP_FILTER_FLAGS,
  SUSPEND_SCOPES,
  WS_URL_PATTERN,
  type StepFilters,
  type SuspendScope,
} from '../adapter/launch-schema';

const NODE_ADDRESS = new RegExp(NODE_ADDRESS_PATTERN);
const WS_URL = new RegExp(WS_URL_PATTERN);
import { checkDiscoverSpec } from '../jdwp/discovery/index';

/** The debug type the extension contributes. */
export const DEBUG_TYPE = 'jdwp-fabric';

/** A jdwp-fabric launch configuration after defaults are filled in. */
export interface FabricDebugConfiguration {
  type: typeof DEBUG_TYPE;
  name: string;
  request: 'attach' | 'launch';
  hostName?: string;
  port?: number;
  /** A proxy's WebSocket endpoint, "ws://HOST:PORT/" or "wss://HOST:PORT/". */
  url?: string;
  /** With `url`: the bearer token (the adapter falls back to $JDWP_FABRIC_TOKEN). */
  token?: string;
  /** With a wss:// `url`: the absolute path of the PEM CA file. */
  tlsCa?: string;
  nodes?: string[];
  /** Sources of nodes, as the proxy's --discover. */
  discover?: string[];
  mainClass?: string;
  classPaths?: string[];
  vmArgs?: string[];
  args?: string[];
  cwd?: string;
  env?: Record<string, string>;
  sourcePaths: string[];
  /** The workspace folders, which the adapter searches for sources too. */
  workspaceFolders: string[];
  stepFilters?: StepFilters;
  suspendScope?: SuspendScope;
  timeout?: number;
  /** Through the virtual VM, one child session per node (default true). */
  nodeSessions?: boolean;
  /** Stop only requests marked so (virtual VM only). */
  requestScope?: string;
  /** With `nodes`: RPC edges besides the presets, inline or the absolute path of a JSON file (docs/edges.md). */
  edges?: unknown[] | string;
  /** With `nodes`: use the preset edges (default true). */
  edgePresets?: boolean;
  /** With `nodes`: stitch a server thread's stack to its caller's frames (default true). */
  stitch?: boolean;
  [other: string]: unknown;
}

/** What the resolver knows about the workspace. */
export interface WorkspaceContext {
  /** The folder the configuration belongs to (the one ${workspaceFolder} means), if any. */
  folder?: string;
  /** Every workspace folder. */
  folders: string[];
  /** Checks that a directory exists; defaults to the file system. */
  isDirectory?: (dir: string) => boolean;
}

/** The configuration used when there is no launch.json: attach to a proxy or JVM on localhost:5005. */
export const DEFAULT_CONFIGURATION = {
  type: DEBUG_TYPE,
  name: 'Attach to jdwp-fabric (localhost:5005)',
  request: 'attach',
  hostName: 'localhost',
  port: 5005,
} as const;

/** Source roots looked for under each workspace folder: the first tier that exists wins, the folder itself last. */
export const CONVENTIONAL_SOURCE_ROOTS = [['src/main/java', 'src/test/java'], ['src']];

/** True when a configuration carries nothing but perhaps empty type/name/request, as VS Code sends without launch.json. */
export function isEmptyConfiguration(config: Record<string, unknown>): boolean {
  return Object.entries(config).every(([key, value]) => ['type', 'name', 'request'].includes(key) && !value);
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function bad(attribute: string, expected: string, value: unknown): ConfigError {
  return new ConfigError(ConfigErrorCode.BAD_ATTRIBUTE, `"${attribute}" must be ${expected}, not ${JSON.stringify(value)}`);
}

function stringList(config: Record<string, unknown>, attribute: string): string[] | undefined {
  const value = config[attribute];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw bad(attribute, 'an array of strings', value);
  return value as string[];
}

function argumentList(config: Record<string, unknown>, attribute: string): string[] | undefined {
  const value = config[attribute];
  if (typeof value === 'string') return splitCommandLine(value, (quote) => new ConfigError(ConfigErrorCode.BAD_ATTRIBUTE, `unclosed ${quote} in "${value}"`));
  return stringList(config, attribute);
}

function toPort(value: unknown, attribute: string): number {
  const port = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(ConfigErrorCode.BAD_PORT, `"${attribute}" must be a port number from 1 to 65535, not ${JSON.stringify(value)}`);
  }
  return port;
}

function toNodes(value: unknown): string[] {
  const list = typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : value;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError(ConfigErrorCode.BAD_NODE, `"nodes" must be a non-empty array of "host:port" strings, not ${JSON.stringify(value)}`);
  }
  return list.map((entry) => {
    if (typeof entry !== 'string' || !NODE_ADDRESS.test(entry.trim())) {
      throw new ConfigError(ConfigErrorCode.BAD_NODE, `node ${JSON.stringify(entry)} is not "host:port"`);
    }
    const { port } = parseAddress(entry.trim());
    toPort(port, `nodes: ${entry}`);
    return entry.trim();
  });
}

function toDiscover(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string')) throw bad('discover', 'a non-empty array of "k8s:[NAMESPACE/]SELECTOR" or "dns:NAME[:PORT]"', value);
  for (const spec of value as string[]) {
    try {
      checkDiscoverSpec(spec);
    } catch {
      throw bad('discover', 'k8s:[NAMESPACE/]SELECTOR or dns:NAME[:PORT]', spec);
    }
  }
  return value as string[];
}

function absolute(dir: string, base: string | undefined): string {
  return path.isAbsolute(dir) || !base ? path.normalize(dir) : path.resolve(base, dir);
}

/** The conventional source roots that exist under the given folders, in folder order. */
export function discoverSourceRoots(folders: string[], exists: (dir: string) => boolean = isDirectory): string[] {
  const roots: string[] = [];
  for (const folder of folders) {
    const tier = CONVENTIONAL_SOURCE_ROOTS.map((t) => t.map((r) => path.resolve(folder, r)).filter(exists)).find((t) => t.length);
    roots.push(...(tier ?? [path.resolve(folder)]));
  }
  return roots;
}

/**
 * Validates a configuration after variable substitution and fills in its defaults: hostName, absolute cwd and
 * classPaths, and sourcePaths extended with the source roots of the workspace folders. Throws ConfigError.
 */
export function resolveConfiguration(input: Record<string, unknown>, context: WorkspaceContext): FabricDebugConfiguration {
  // A node's session, which the cluster's session asked for: it needs nothing from the workspace.
  if (input[NODE_ATTRIBUTE] !== undefined) return { ...input, type: DEBUG_TYPE, request: 'attach', name: String(input.name ?? ''), sourcePaths: [], workspaceFolders: [] };
  const request = input.request ?? 'attach';
  if (request !== 'attach' && request !== 'launch') {
    throw new ConfigError(ConfigErrorCode.BAD_REQUEST, `"request" must be "attach" or "launch", not ${JSON.stringify(request)}`);
  }
  const base = context.folder ?? context.folders[0];
  const exists = context.isDirectory ?? isDirectory;
  const config: FabricDebugConfiguration = { ...input, type: DEBUG_TYPE, request, name: '', sourcePaths: [], workspaceFolders: context.folders.map((f) => path.resolve(f)) };
  const mainClass = typeof input.mainClass === 'string' ? input.mainClass.trim() : '';
  config.name = typeof input.name === 'string' && input.name ? input.name : request === 'launch' ? `Launch ${mainClass}`.trim() : 'Attach to jdwp-fabric';

  if (request === 'attach') {
    const targets = ['url', 'port', 'nodes'].filter((a) => input[a] !== undefined || (a === 'nodes' && input.discover !== undefined));
    if (targets.length > 1) {
      throw new ConfigError(ConfigErrorCode.CONFLICTING_TARGETS, 'an attach configuration takes one of "url" (a proxy over WebSocket), "hostName"/"port" (a proxy or one JVM) or "nodes"/"discover", not both');
    }
    if (input.nodeSessions !== undefined && typeof input.nodeSessions !== 'boolean') throw bad('nodeSessions', 'true or false', input.nodeSessions);
    if (input.url === undefined) for (const a of ['token', 'tlsCa']) if (input[a] !== undefined) throw bad(a, 'left out without "url" (plain TCP has no token or TLS)', input[a]);
    if (input.url !== undefined) {
      checkUrl(input, config, base);
    } else if (input.nodes !== undefined || input.discover !== undefined) {
      if (input.nodes !== undefined) config.nodes = toNodes(input.nodes);
      if (input.discover !== undefined) config.discover = toDiscover(input.discover);
      checkFlow(input, config, base);
    } else if (input.port !== undefined) {
      config.port = toPort(input.port, 'port');
      for (const a of ['edges', 'edgePresets', 'stitch']) if (input[a] !== undefined) throw bad(a, 'left out with "port" (a proxy takes --edges, --no-edge-presets and --no-stitch)', input[a]);
      if (input.hostName !== undefined && (typeof input.hostName !== 'string' || !input.hostName.trim())) throw bad('hostName', 'a host name', input.hostName);
      config.hostName = typeof input.hostName === 'string' ? input.hostName.trim() : 'localhost';
    } else {
      throw new ConfigError(
        ConfigErrorCode.MISSING_TARGET,
        'an attach configuration needs "port" (with "hostName", for a proxy or one JVM), "url" (a proxy\'s "wss://HOST:PORT/"), "nodes" (["host:port", ...]) or "discover" (["k8s:NS/app=x", "dns:NAME:PORT", ...])',
      );
    }
  } else {
    if (!mainClass) {
      throw new ConfigError(ConfigErrorCode.MISSING_MAIN_CLASS, 'a launch configuration needs "mainClass", the fully qualified name of the class with main()');
    }
    config.mainClass = mainClass;
    if (input.cwd !== undefined && typeof input.cwd !== 'string') throw bad('cwd', 'a directory path', input.cwd);
    config.cwd = input.cwd ? absolute(input.cwd as string, base) : base ?? process.cwd();
    config.classPaths = (stringList(input, 'classPaths') ?? [config.cwd]).map((p) => absolute(p, config.cwd));
    config.vmArgs = argumentList(input, 'vmArgs') ?? [];
    config.args = argumentList(input, 'args') ?? [];
    if (input.env !== undefined) {
      const env = input.env;
      if (typeof env !== 'object' || env === null || Array.isArray(env) || !Object.values(env).every((v) => typeof v === 'string')) {
        throw bad('env', 'an object of string values', env);
      }
      config.env = env as Record<string, string>;
    }
  }

  const sourcePaths = (stringList(input, 'sourcePaths') ?? []).map((p) => absolute(p, base));
  for (const root of discoverSourceRoots(context.folders, exists)) if (!sourcePaths.includes(root)) sourcePaths.push(root);
  config.sourcePaths = sourcePaths;

  if (input.stepFilters !== undefined) config.stepFilters = checkStepFilters(input.stepFilters);
  if (input.suspendScope !== undefined && !isSuspendScope(input.suspendScope)) throw bad('suspendScope', choices(Object.keys(SUSPEND_SCOPES)), input.suspendScope);
  if (input.timeout !== undefined && (typeof input.timeout !== 'number' || !(input.timeout > 0))) {
    throw bad('timeout', 'a positive number of milliseconds', input.timeout);
  }
  if (input.requestScope !== undefined && input.requestScope !== '') {
    try {
      if (typeof input.requestScope !== 'string') throw new Error('not a string');
      parseRequestScope(input.requestScope);
    } catch {
      throw bad('requestScope', 'header:NAME=VALUE, baggage:KEY=VALUE, trace:TRACE-ID or expr:EXPRESSION', input.requestScope);
    }
  }
  return config;
}

/** Checks an attach by `url`: a ws:// or wss:// URL, a string token, and a CA file (made absolute) for wss:// only. */
function checkUrl(input: Record<string, unknown>, config: FabricDebugConfiguration, base: string | undefined): void {
  const { url, token, tlsCa } = input;
  if (typeof url !== 'string' || !WS_URL.test(url.trim()) || !URL.canParse(url.trim())) {
    throw new ConfigError(ConfigErrorCode.BAD_URL, `"url" must be "ws://HOST:PORT/" or "wss://HOST:PORT/" (a proxy's --listen-ws), not ${JSON.stringify(url)}`);
  }
  config.url = url.trim();
  for (const a of ['hostName', 'edges', 'edgePresets', 'stitch']) if (input[a] !== undefined) throw bad(a, 'left out with "url"', input[a]);
  if (token !== undefined && (typeof token !== 'string' || !token)) throw bad('token', 'a non-empty string', token);
  if (tlsCa === undefined) return;
  if (typeof tlsCa !== 'string' || !tlsCa.trim()) throw bad('tlsCa', 'the path of a PEM CA file', tlsCa);
  if (!config.url.startsWith('wss:')) throw bad('tlsCa', 'left out with a "ws://" url (it verifies a wss:// server)', tlsCa);
  config.tlsCa = absolute(tlsCa.trim(), base);
}

/** Checks `edges`, `edgePresets` and `stitch` of a `nodes` attach; an edges file is made absolute against the folder. */
function checkFlow(input: Record<string, unknown>, config: FabricDebugConfiguration, base: string | undefined): void {
  for (const flag of ['edgePresets', 'stitch']) if (input[flag] !== undefined && typeof input[flag] !== 'boolean') throw bad(flag, 'true or false', input[flag]);
  const edges = input.edges;
  if (edges === undefined) return;
  try {
    if (typeof edges === 'string' && edges.trim()) config.edges = absolute(edges.trim(), base);
    else edgeSet(parseEdges(edges, 'edges'), input.edgePresets !== false);
  } catch (err) {
    if (err instanceof FabricError) throw new ConfigError(ConfigErrorCode.BAD_EDGES, `${err.message} (see docs/edges.md)`);
    throw err;
  }
}

function checkStepFilters(value: unknown): StepFilters {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('stepFilters', 'an object', value);
  const filters = value as Record<string, unknown>;
  stringList(filters, 'skipClasses');
  for (const flag of Object.keys(STEP_FILTER_FLAGS)) {
    if (filters[flag] !== undefined && typeof filters[flag] !== 'boolean') throw bad(`stepFilters.${flag}`, 'true or false', filters[flag]);
  }
  return filters as StepFilters;
}
