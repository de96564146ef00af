import { parseRequestScope } from '../../jdwp/flow/scope-spec';
import { list, num, parseArgs, str, usageOf, UsageError, type CommandDecl, type ParsedArgs } from '../args';
import {
  DEFAULT_BUDGET, DEFAULT_MAX_PAUSE_MS, DEFAULT_STACK, buildProbe, parseRate, parseSize, splitCaptures, type Limits, type Probe, type ProbeSpec,
} from './probe';

/** What a trace session does: where it connects, its probes and its session-wide limits. */
export interface SessionPlan {
  connect: string;
  /** The CA file a wss:// proxy's certificate must chain to (--tls-ca; default $JDWP_FABRIC_TLS_CA, else the system store). */
  tlsCa?: string;
  probes: Probe[];
  /** Limits over all probes together. */
  limits: Limits;
  /** End after this long. */
  durationMs?: number;
  /** How long a probe may wait for its class to load before the session fails; 0 waits forever. */
  loadTimeoutMs: number;
  /** Hits as JSON even with a log template, and notices and the summary on stderr as JSON. */
  json: boolean;
  /** The command, for messages: "trace" or "script". */
  command: string;
  /** Scope the session to marked requests (virtual VM only): header:NAME=VALUE, baggage:KEY=VALUE, trace:ID, expr:EXPR. */
  requestScope?: string;
}

/** Default total rate. */
export const DEFAULT_RATE = '100/s';
/** Default per-node rate, when no total rate is given either. */
export const DEFAULT_NODE_RATE = '50/s';
/** Default load timeout in seconds. */
export const DEFAULT_LOAD_TIMEOUT_S = 10;

/** `jdwp-fabric trace`, declared once: its parsing, `--help` and docs derive from this. */
export const TRACE: CommandDecl = {
  name: 'trace',
  summary: 'non-breaking snapshots, tracepoints and logpoints as JSON lines (see trace --help)',
  label: 'trace --connect ...',
  synopsis: [
    'trace --connect HOST:PORT --at CLASS:LINE | --at CLASS.method [--at ...]',
    '                         [--when EXPR] [--capture EXPR[,EXPR...]] [--log \'text {expr}\'] [--stack N]',
    '                         [--max-hits N] [--per-node N] [--duration SECONDS] [--rate N/s] [--node-rate N/s]',
    '                         [--symbol HASH] [--request SPEC] [--json] [budgets...]',
  ],
  description: 'Non-breaking snapshots, tracepoints and logpoints on a JVM or on the virtual VM of a cluster. Each hit\nsuspends only its own thread, which is resumed as soon as the values are read; one JSON object per hit\ngoes to stdout, notices and the summary to stderr.',
  helpColumn: 25,
  options: [
    { name: 'connect', value: 'HOST:PORT', help: ['the JVM (started with -agentlib:jdwp=...,server=y) or the jdwp-fabric proxy', '(or its ws:// or wss:// URL; the token comes from $JDWP_FABRIC_TOKEN)'] },
    { name: 'tls-ca', value: 'FILE', help: ['the CA a wss:// proxy\'s certificate must chain to (default: $JDWP_FABRIC_TLS_CA,', 'else the system store)'] },
    { name: 'at', value: 'CLASS:LINE', repeat: true, help: ['a source line (nested and anonymous classes of CLASS included); repeatable'], more: [{ value: 'CLASS.method', help: ['the first line of every method of that name'] }] },
    { name: 'when', value: 'EXPR', help: ['a Java condition; hits where it is false are resumed at once'] },
    { name: 'capture', value: 'EXPR,...', repeat: true, help: ['values to capture (repeatable; commas inside calls are kept)'] },
    { name: 'log', value: '\'text {expr}\'', help: ['print the interpolated line instead of JSON ([node] first through the proxy)'] },
    { name: 'stack', value: 'N', help: [`frames captured from the top (default ${DEFAULT_STACK}; 0 for none); through the proxy,`, 'also N frames of each caller of a handler ("callers", see docs/edges.md)'] },
    { name: 'no-locals', help: ['do not capture the top frame\'s locals'] },
    { name: 'no-invoke', help: ['never run target code (method calls in expressions, toString of JDK values)'] },
    { name: 'max-hits', value: 'N', help: ['end after N captured hits in all'] },
    { name: 'per-node', value: 'N', help: ['capture at most N hits per node; end when every node had them'] },
    { name: 'duration', value: 'SECONDS', help: ['end after this long'] },
    { name: 'rate', value: 'N/s', help: [`captured hits per second in all (default ${DEFAULT_RATE}); the rest are skipped`] },
    { name: 'node-rate', value: 'N/s', help: [`captured hits per second on each node (default ${DEFAULT_NODE_RATE}, or --rate when given)`] },
    { name: 'max-pause', value: 'MS', help: ['a hit holding its thread longer is slow; 3 slow hits in a row switch the probe', `off on that node (default ${DEFAULT_MAX_PAUSE_MS})`] },
    { name: 'symbol', value: 'HASH', help: ['only the version of the class with this symbol hash (virtual VM only)'] },
    { name: 'load-timeout', value: 'SECONDS', help: [`how long a probe waits for its class to load (default ${DEFAULT_LOAD_TIMEOUT_S}; 0: forever)`] },
    { name: 'depth', value: 'N', help: [`object levels in snapshots (default ${DEFAULT_BUDGET.depth})`] },
    { name: 'items', value: 'N', help: [`array and collection items in snapshots (default ${DEFAULT_BUDGET.items})`] },
    { name: 'string', value: 'N', help: [`string characters in snapshots (default ${DEFAULT_BUDGET.string})`] },
    { name: 'size', value: 'BYTES', help: ['JSON size of one hit\'s snapshot (default 64k)'] },
    { name: 'request', value: 'SPEC', help: ['only requests marked so (virtual VM only): header:NAME=VALUE, baggage:KEY=VALUE,', 'trace:TRACE-ID or expr:EXPRESSION; other requests are never paused by the probes'] },
    { name: 'json', help: ['JSON even with --log (adds "log"), and JSON notices and summary on stderr'] },
    { name: 'help', help: ['this text'] },
  ],
  footer: 'Exit codes: 0 ended normally, 2 bad command line, 3 unreachable address, 4 bad expression, 5 unknown\nclass, 6 target lost, 7 no code at that line or no such method, 130 interrupted (Ctrl-C).',
};


/** Usage of `jdwp-fabric trace`. */
export const TRACE_USAGE = usageOf(TRACE);

function optionalInt(args: ParsedArgs, name: string, min: number): number | undefined {
  if (str(args, name) === undefined) return undefined;
  const n = num(args, name, 0, min);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number, got "${str(args, name)}"`);
  return n;
}

function int(args: ParsedArgs, name: string, fallback: number, min: number): number {
  return optionalInt(args, name, min) ?? fallback;
}

function requestScopeOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    return parseRequestScope(text).text;
  } catch (err) {
    throw new UsageError(`--request: ${(err as Error).message}`);
  }
}

/** Parses `trace` arguments; undefined when --help was asked for. */
export function parseTraceArgs(argv: string[]): SessionPlan | undefined {
  const args = parseArgs(argv, TRACE);
  if (args.options.help) return undefined;
  if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const connect = str(args, 'connect');
  if (!connect) throw new UsageError('--connect HOST:PORT is required');
  const ats = list(args, 'at');
  if (!ats.length) throw new UsageError('--at CLASS:LINE or --at CLASS.method is required');
  const shared = {
    when: str(args, 'when'),
    capture: list(args, 'capture').flatMap(splitCaptures),
    log: str(args, 'log'),
    stack: int(args, 'stack', DEFAULT_STACK, 0),
    locals: !args.options['no-locals'],
    invoke: !args.options['no-invoke'],
    symbol: str(args, 'symbol'),
    maxPauseMs: num(args, 'max-pause', DEFAULT_MAX_PAUSE_MS, 0.001),
    budget: {
      depth: int(args, 'depth', DEFAULT_BUDGET.depth, 1),
      items: int(args, 'items', DEFAULT_BUDGET.items, 0),
      string: int(args, 'string', DEFAULT_BUDGET.string, 1),
      size: str(args, 'size') === undefined ? DEFAULT_BUDGET.size : parseSize(str(args, 'size')!, '--size'),
    },
    limits: {},
  } satisfies Omit<ProbeSpec, 'at'>;
  const probes = ats.map((at, i) => buildProbe({ ...shared, at }, i + 1));
  return {
    connect,
    tlsCa: str(args, 'tls-ca'),
    probes,
    limits: {
      maxHits: optionalInt(args, 'max-hits', 1),
      perNode: optionalInt(args, 'per-node', 1),
      rate: parseRate(str(args, 'rate', DEFAULT_RATE)!, '--rate'),
      nodeRate: parseRate(str(args, 'node-rate', str(args, 'rate', DEFAULT_NODE_RATE))!, '--node-rate'),
    },
    durationMs: str(args, 'duration') === undefined ? undefined : num(args, 'duration', 0, 0.001) * 1000,
    loadTimeoutMs: num(args, 'load-timeout', DEFAULT_LOAD_TIMEOUT_S, 0) * 1000,
    json: !!args.options.json,
    command: 'trace',
    requestScope: requestScopeOf(str(args, 'request')),
  };
}
