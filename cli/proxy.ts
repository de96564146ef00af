import { VirtualVm } from '../jdwp/vm/server';
import { edgeSet, loadEdges } from '../jdwp/flow/edges';
import { parseRequestScope } from '../jdwp/flow/scope-spec';
import { FabricError, FabricErrorCode } from '../jdwp/errors';
import { formatAddress, resolveLoopback } from '../jdwp/transport/tcp';
import { readServerFiles } from '../jdwp/guard/tls';
import { TokenStore } from '../jdwp/guard/tokens';
import { AuditLog } from '../jdwp/guard/audit';
import { DEFAULT_DNS_MAX_TTL_S } from '../jdwp/discovery/dns';
import { DEFAULT_PREFETCH_FRAMES } from '../jdwp/vm/prefetch';
import { list, num, parseArgs, str, usageOf, UsageError, type CommandDecl } from './args';
import { TOKEN_ENV } from '../jdwp/client/connect';
import { ExitCode } from './exit-codes';

/** `jdwp-fabric proxy`, declared. */
export const PROXY: CommandDecl = {
  name: 'proxy',
  summary: 'serve one virtual JVM over many JVM nodes (see proxy --help)',
  label: 'proxy --listen ...',
  synopsis: [
    'proxy --listen HOST:PORT [--node [NAME=]HOST:PORT ...] [--accept HOST:PORT]',
    '                         [--discover k8s:[NS/]SELECTOR|dns:NAME[:PORT] ...]',
    '                         [--suspend-scope node|cluster] [--read-only] [--allow-exit]',
    '                         [--hold-start] [--exit-with-last-node]',
    '                         [--listen-ws HOST:PORT [--tls-cert FILE --tls-key FILE] [--token T | --tokens FILE]]',
  ],
  description: 'Serves one virtual JVM over many JVM nodes. Debuggers (jdb, IntelliJ, VS Code) attach to --listen.',
  helpColumn: 28,
  options: [
    { name: 'listen', value: 'HOST:PORT', help: ['where debuggers attach (default host 127.0.0.1; PORT alone listens on loopback)'] },
    { name: 'node', value: '[NAME=]HOST:PORT', repeat: true, help: ['a node to dial: a JVM started with -agentlib:jdwp=transport=dt_socket,server=y,...', 'retried with backoff while it is down and after it drops; repeat for each node'] },
    { name: 'accept', value: 'HOST:PORT', help: ['where JVMs dial in: JVMs started with ...,server=n,address=HOST:PORT', '(default host 127.0.0.1; beyond loopback it needs --allow-remote)'] },
    { name: 'discover', value: 'SPEC', repeat: true, help: ['keep the nodes equal to what a source says; repeat for several sources:', 'k8s:[NAMESPACE/]LABEL-SELECTOR  running and ready pods (kubeconfig or in-cluster)', 'dns:NAME:PORT  NAME\'s A records on PORT;  dns:NAME  NAME\'s SRV records'] },
    { name: 'port', value: 'PORT', help: ['the JDWP port of a pod that names none (no "jdwp" container port or annotation)'] },
    { name: 'dns-server', value: 'HOST:PORT', help: ['the DNS server of dns: sources (default: the system\'s)'] },
    { name: 'dns-max-ttl', value: 'SECONDS', help: ['resolve dns: names again at least this often, whatever their TTL (default 30)'] },
    { name: 'kubeconfig', value: 'FILE', help: ['the kubeconfig of k8s: sources (default: $KUBECONFIG, ~/.kube/config, in-cluster)'] },
    { name: 'suspend-scope', value: 'SCOPE', help: ['node (default): an event suspends only its own node; SUSPEND_ALL event sets', 'reach the debugger one at a time, and each resume resumes the oldest one\'s node;', 'cluster: a SUSPEND_ALL event suspends every node, and resume resumes them all'] },
    { name: 'read-only', help: ['refuse every command that changes the target: InvokeMethod, NewInstance,', 'SetValues, RedefineClasses, PopFrames, ForceEarlyReturn, Stop, Interrupt,', 'VirtualMachine.Suspend, SetDefaultStratum and Exit'] },
    { name: 'allow-exit', help: ['let VirtualMachine.Exit through to every node (refused otherwise)'] },
    { name: 'hold-start', help: ['keep nodes started with suspend=y suspended until a debugger attaches; it gets', 'one VMStart and resumes them all (default: they run at once)'] },
    { name: 'exit-with-last-node', help: ['when the last node leaves, send ThreadDeath and VMDeath, close the debugger\'s', 'connection and stop (default: the virtual VM waits for nodes to join again)'] },
    { name: 'no-thread-prefix', help: ['keep thread names as the nodes report them (default: "[node] name")'] },
    { name: 'thread-groups', value: 'MODE', help: ['cluster (default): one top-level group "cluster" holding a group per node, so', 'jdb\'s "threads" lists every node; per-node: the node groups are top-level'] },
    { name: 'fanout-timeout', value: 'MS', help: ['how long a fan-out waits for a slow node before answering without it (default 5000)'] },
    { name: 'allow-remote', help: ['allow --listen and --accept on addresses that do not resolve to loopback only', '(JDWP has no authentication: anyone who reaches them debugs or joins)'] },
    { name: 'listen-ws', value: 'HOST:PORT', help: ['also accept debuggers over WebSocket (our adapter and CLI: ws://HOST:PORT/);', 'beyond loopback a token is required'] },
    { name: 'token', value: 'TOKEN', help: ['the bearer token WebSocket debuggers must present (default: $JDWP_FABRIC_TOKEN)'] },
    { name: 'tokens', value: 'FILE', help: ['the tokens WebSocket debuggers may present, instead of --token: a JSON array of', '{"name", "sha256": hex SHA-256 of the token, "role": "read-only" | "full"};', 'read again on SIGHUP (sessions stay)'] },
    { name: 'tls-cert', value: 'FILE', help: ['serve --listen-ws as wss:// with this certificate (PEM, with its chain) ...'] },
    { name: 'tls-key', value: 'FILE', help: ['... and this private key (PEM)'] },
    { name: 'audit', value: 'FILE', help: ['append one JSON line per debugger session start and end, and per command that', 'changes the target (invoke, set value, redefine, pop frames, early return, exit,', 'breakpoint set and clear), with its node, thread and outcome'] },
    { name: 'limit-commands', value: 'N', help: ['per session: at most N commands a second (more answer ACCESS_DENIED)'] },
    { name: 'limit-bytes', value: 'N', help: ['per session: at most N bytes a second of replies and events (then ACCESS_DENIED)'] },
    { name: 'limit-invocations', value: 'N', help: ['per session: at most N method invocations at once (more answer ALREADY_INVOKING)'] },
    { name: 'edges', value: 'FILE', help: ['RPC edges to stitch stacks and follow steps across, besides the presets (the JDK\'s', 'HttpClient into com.sun.net.httpserver and into javax/jakarta servlets); see docs/edges.md'] },
    { name: 'no-edge-presets', help: ['only the edges of --edges'] },
    { name: 'no-stitch', help: ['show each thread\'s own frames only (Step Into a remote call still follows the call)'] },
    { name: 'follow-timeout', value: 'MS', help: ['how long a Step Into a remote call waits for a node to serve it (default 10000)'] },
    { name: 'request-scope', value: 'SPEC', help: ['every debugger\'s breakpoints stop only threads serving requests marked so:', 'header:NAME=VALUE, baggage:KEY=VALUE, trace:TRACE-ID or expr:EXPRESSION'] },
    { name: 'scope-budget', value: 'PERCENT', help: ['the share of a core a scope\'s entry checks may hold requests for, per node,', 'before they are switched off there (default 1)'] },
    { name: 'prefetch', value: 'N|off', help: ['at each stop, read the top N frames ahead (default 3): their locals, `this`, the', 'type and fields of the objects they hold and the strings\' values, kept until the', 'thread resumes; off reads nothing ahead'] },
    { name: 'help', help: ['this text'] },
  ],
};

/** Usage of `jdwp-fabric proxy`. */
export const PROXY_USAGE = usageOf(PROXY);

/** Fabric errors that mean a bad command line (exit code 2). */
const USAGE_ERRORS = new Set<number>([
  FabricErrorCode.REMOTE_NOT_ALLOWED,
  FabricErrorCode.TOKEN_REQUIRED,
  FabricErrorCode.BAD_DISCOVERY,
  FabricErrorCode.BAD_TOKENS_FILE,
  FabricErrorCode.BAD_TLS_FILES,
  FabricErrorCode.BAD_AUDIT_FILE,
  FabricErrorCode.EDGES_INVALID,
  FabricErrorCode.SCOPE_INVALID,
]);

/** `jdwp-fabric proxy`: runs the virtual VM until SIGINT or SIGTERM. */
export async function proxy(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, PROXY);
    if (args.options.help) {
      process.stdout.write(PROXY_USAGE);
      return ExitCode.OK;
    }
    if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const listen = str(args, 'listen');
    if (!listen) throw new UsageError('--listen is required');
    const scope = str(args, 'suspend-scope', 'node');
    if (scope !== 'node' && scope !== 'cluster') throw new UsageError(`--suspend-scope must be node or cluster, got "${scope}"`);
    const groups = str(args, 'thread-groups', 'cluster');
    if (groups !== 'cluster' && groups !== 'per-node') throw new UsageError(`--thread-groups must be cluster or per-node, got "${groups}"`);
    const edgesFile = str(args, 'edges');
    const requestScope = str(args, 'request-scope');
    for (const o of ['tokens', 'tls-cert', 'tls-key']) if (str(args, o) !== undefined && !str(args, 'listen-ws')) throw new UsageError(`--${o} is for --listen-ws, which is not given`);
    if (str(args, 'tokens') !== undefined && str(args, 'token') !== undefined) throw new UsageError('give either --token or --tokens, not both');
    const tokensFile = str(args, 'tokens');
    const tokens = tokensFile ? new TokenStore(tokensFile) : undefined;
    const auditFile = str(args, 'audit');
    const vm = await VirtualVm.start({
      listen,
      nodes: list(args, 'node'),
      accept: str(args, 'accept'),
      discover: list(args, 'discover'),
      discovery: {
        port: str(args, 'port') === undefined ? undefined : num(args, 'port', 0, 1, 65535),
        dnsServer: str(args, 'dns-server'),
        dnsMaxTtlS: num(args, 'dns-max-ttl', DEFAULT_DNS_MAX_TTL_S, 1),
        kubeconfig: str(args, 'kubeconfig'),
      },
      suspendScope: scope,
      readOnly: !!args.options['read-only'],
      allowExit: !!args.options['allow-exit'],
      holdStart: !!args.options['hold-start'],
      exitWithLastNode: !!args.options['exit-with-last-node'],
      threadNamePrefix: !args.options['no-thread-prefix'],
      threadGroups: groups,
      fanoutTimeoutMs: num(args, 'fanout-timeout', 5000, 1),
      listenWs: str(args, 'listen-ws'),
      token: str(args, 'token', process.env[TOKEN_ENV] || undefined),
      tokens,
      tls: readServerFiles(str(args, 'tls-cert'), str(args, 'tls-key')),
      audit: auditFile ? AuditLog.open(auditFile) : undefined,
      limits: {
        commandsPerSecond: num(args, 'limit-commands', 0, 1),
        bytesPerSecond: num(args, 'limit-bytes', 0, 1),
        invocations: str(args, 'limit-invocations') === undefined ? undefined : num(args, 'limit-invocations', 0, 0),
      },
      allowRemote: !!args.options['allow-remote'],
      edges: edgeSet(edgesFile ? loadEdges(edgesFile) : [], !args.options['no-edge-presets']),
      stitch: !args.options['no-stitch'],
      followTimeoutMs: num(args, 'follow-timeout', 10_000, 1),
      requestScope: requestScope === undefined ? undefined : parseRequestScope(requestScope).text,
      scopeBudget: num(args, 'scope-budget', 1, 0.001) / 100,
      prefetch: str(args, 'prefetch') === 'off' ? 0 : num(args, 'prefetch', DEFAULT_PREFETCH_FRAMES, 1, 64),
    });
    // A failure no code path handled is a bug; the proxy must not take every debugger session and the nodes'
    // cleanup down with it (tests run with unhandled rejections fatal, so they still fail on it).
    process.on('unhandledRejection', (err) => console.error(`[fabric] error ${FabricErrorCode.UNHANDLED_FAILURE}: a failure no code path handled: ${(err as Error)?.stack ?? String(err)}`));
    const open = (await resolveLoopback(vm.address.host)).loopback ? '' : ' (plain TCP, unauthenticated: anyone who reaches it debugs every node)';
    console.error(
      `[fabric] virtual VM listening on ${formatAddress(vm.address)}${open}${vm.wsUrl ? ` and ${vm.wsUrl}` : ''}${vm.acceptAddress ? `; nodes may dial in at ${formatAddress(vm.acceptAddress)}` : ''}`,
    );
    const reload = () => {
      try {
        console.error(`[fabric] tokens file ${tokensFile} read again: ${tokens!.reload()} tokens`);
      } catch (err) {
        console.error(`[fabric] error ${(err as FabricError).code}: ${(err as Error).message}; keeping the tokens read last`);
      }
    };
    if (tokens) process.on('SIGHUP', reload);
    const died = await new Promise<boolean>((resolve) => {
      process.once('SIGINT', () => resolve(false));
      process.once('SIGTERM', () => resolve(false));
      void vm.died.then(() => resolve(true));
    });
    if (died) return ExitCode.OK;
    console.error('[fabric] stopping: resuming every node');
    await vm.close();
    return ExitCode.OK;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`jdwp-fabric proxy: ${err.message}\n\n${PROXY_USAGE}`);
      return ExitCode.USAGE;
    }
    if (err instanceof FabricError && USAGE_ERRORS.has(err.code)) {
      console.error(`jdwp-fabric proxy: error ${err.code}: ${err.message}`);
      return ExitCode.USAGE;
    }
    throw err;
  }
}
