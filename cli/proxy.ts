import { VirtualVm } from '../jdwp/vm/server';
import { edgeSet, loadEdges } from '../jdwp/flow/edges';
import { parseRequestScope } from '../jdwp/flow/scope-spec';
import { FabricError, FabricErrorCode } from '../jdwp/errors';
import { formatAddress } from '../jdwp/transport/tcp';
import { list, num, parseArgs, str, UsageError } from './args';
import { TOKEN_ENV } from '../jdwp/client/connect';
import { ExitCode } from './exit-codes';

/** Usage of `jdwp-fabric proxy`. */
export const PROXY_USAGE = `usage: jdwp-fabric proxy --listen HOST:PORT [--node [NAME=]HOST:PORT ...] [--accept HOST:PORT]
                         [--suspend-scope node|cluster] [--read-only] [--allow-exit]
                         [--hold-start] [--exit-with-last-node]

Serves one virtual JVM over many JVM nodes. Debuggers (jdb, IntelliJ, VS Code) attach to --listen.

  --listen HOST:PORT        where debuggers attach (default host 127.0.0.1; PORT alone listens on loopback)
  --node [NAME=]HOST:PORT   a node to dial: a JVM started with -agentlib:jdwp=transport=dt_socket,server=y,...
                            retried with backoff while it is down and after it drops; repeat for each node
  --accept HOST:PORT        where JVMs dial in: JVMs started with ...,server=n,address=HOST:PORT
                            (default host 127.0.0.1; beyond loopback it needs --allow-remote)
  --suspend-scope SCOPE     node (default): an event suspends only its own node; SUSPEND_ALL event sets
                            reach the debugger one at a time, and each resume resumes the oldest one's node;
                            cluster: a SUSPEND_ALL event suspends every node, and resume resumes them all
  --read-only               refuse every command that changes the target: InvokeMethod, NewInstance,
                            SetValues, RedefineClasses, PopFrames, ForceEarlyReturn, Stop, Interrupt,
                            VirtualMachine.Suspend, SetDefaultStratum and Exit
  --allow-exit              let VirtualMachine.Exit through to every node (refused otherwise)
  --hold-start              keep nodes started with suspend=y suspended until a debugger attaches; it gets
                            one VMStart and resumes them all (default: they run at once)
  --exit-with-last-node     when the last node leaves, send ThreadDeath and VMDeath, close the debugger's
                            connection and stop (default: the virtual VM waits for nodes to join again)
  --no-thread-prefix        keep thread names as the nodes report them (default: "[node] name")
  --thread-groups MODE      cluster (default): one top-level group "cluster" holding a group per node, so
                            jdb's "threads" lists every node; per-node: the node groups are top-level
  --fanout-timeout MS       how long a fan-out waits for a slow node before answering without it (default 5000)
  --allow-remote            allow --listen and --accept on addresses that do not resolve to loopback only
                            (JDWP has no authentication: anyone who reaches them debugs or joins)
  --listen-ws HOST:PORT     also accept debuggers over WebSocket (our adapter and CLI: ws://HOST:PORT/);
                            beyond loopback a token is required
  --token TOKEN             the bearer token WebSocket debuggers must present (default: $JDWP_FABRIC_TOKEN)
  --edges FILE              RPC edges to stitch stacks and follow steps across, besides the presets (the JDK's
                            HttpClient into com.sun.net.httpserver and into javax/jakarta servlets); see docs/edges.md
  --no-edge-presets         only the edges of --edges
  --no-stitch               show each thread's own frames only (Step Into a remote call still follows the call)
  --follow-timeout MS       how long a Step Into a remote call waits for a node to serve it (default 10000)
  --request-scope SPEC      every debugger's breakpoints stop only threads serving requests marked so:
                            header:NAME=VALUE, baggage:KEY=VALUE, trace:TRACE-ID or expr:EXPRESSION
  --scope-budget PERCENT    the share of a core a scope's entry checks may hold requests for, per node,
                            before they are switched off there (default 1)
  --help                    this text
`;

const SPECS = [
  { name: 'listen', value: true },
  { name: 'node', value: true, repeat: true },
  { name: 'accept', value: true },
  { name: 'suspend-scope', value: true },
  { name: 'read-only' },
  { name: 'allow-exit' },
  { name: 'hold-start' },
  { name: 'exit-with-last-node' },
  { name: 'no-thread-prefix' },
  { name: 'thread-groups', value: true },
  { name: 'fanout-timeout', value: true },
  { name: 'allow-remote' },
  { name: 'listen-ws', value: true },
  { name: 'token', value: true },
  { name: 'edges', value: true },
  { name: 'no-edge-presets' },
  { name: 'no-stitch' },
  { name: 'follow-timeout', value: true },
  { name: 'request-scope', value: true },
  { name: 'scope-budget', value: true },
  { name: 'help' },
];

/** `jdwp-fabric proxy`: runs the virtual VM until SIGINT or SIGTERM. */
export async function proxy(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, SPECS);
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
    const vm = await VirtualVm.start({
      listen,
      nodes: list(args, 'node'),
      accept: str(args, 'accept'),
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
      allowRemote: !!args.options['allow-remote'],
      edges: edgeSet(edgesFile ? loadEdges(edgesFile) : [], !args.options['no-edge-presets']),
      stitch: !args.options['no-stitch'],
      followTimeoutMs: num(args, 'follow-timeout', 10_000, 1),
      requestScope: requestScope === undefined ? undefined : parseRequestScope(requestScope).text,
      scopeBudget: num(args, 'scope-budget', 1, 0.001) / 100,
    });
    console.error(
      `[fabric] virtual VM listening on ${formatAddress(vm.address)}${vm.wsUrl ? ` and ${vm.wsUrl}` : ''}${vm.acceptAddress ? `; nodes may dial in at ${formatAddress(vm.acceptAddress)}` : ''}`,
    );
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
    if (err instanceof FabricError && (err.code === FabricErrorCode.REMOTE_NOT_ALLOWED || err.code === FabricErrorCode.TOKEN_REQUIRED || err.code === FabricErrorCode.EDGES_INVALID || err.code === FabricErrorCode.SCOPE_INVALID)) {
      console.error(`jdwp-fabric proxy: error ${err.code}: ${err.message}`);
      return ExitCode.USAGE;
    }
    throw err;
  }
}
