import { VirtualVm } from '../jdwp/vm/server';
import { formatAddress, isLoopback, parseAddress } from '../jdwp/transport/tcp';
import { list, num, parseArgs, str, UsageError } from './args';
import { TOKEN_ENV } from '../jdwp/client/connect';
import { ExitCode } from './exit-codes';

/** Usage of `jdwp-fabric proxy`. */
export const PROXY_USAGE = `usage: jdwp-fabric proxy --listen HOST:PORT [--node [NAME=]HOST:PORT ...] [--accept HOST:PORT]
                         [--suspend-scope node|cluster] [--read-only] [--allow-exit]

Serves one virtual JVM over many JVM nodes. Debuggers (jdb, IntelliJ, VS Code) attach to --listen.

  --listen HOST:PORT        where debuggers attach (default host 127.0.0.1; PORT alone listens on loopback)
  --node [NAME=]HOST:PORT   a node to dial: a JVM started with -agentlib:jdwp=transport=dt_socket,server=y,...
                            retried with backoff while it is down and after it drops; repeat for each node
  --accept HOST:PORT        where JVMs dial in: JVMs started with ...,server=n,address=HOST:PORT
  --suspend-scope SCOPE     node (default): an event suspends only its own node;
                            cluster: a SUSPEND_ALL event suspends every node, and resume resumes them all
  --read-only               refuse every command that changes the target: InvokeMethod, NewInstance,
                            SetValues, RedefineClasses, PopFrames, ForceEarlyReturn, Stop, Interrupt,
                            VirtualMachine.Suspend, SetDefaultStratum and Exit
  --allow-exit              let VirtualMachine.Exit through to every node (refused otherwise)
  --no-thread-prefix        keep thread names as the nodes report them (default: "[node] name")
  --thread-groups MODE      cluster (default): one top-level group "cluster" holding a group per node, so
                            jdb's "threads" lists every node; per-node: the node groups are top-level
  --fanout-timeout MS       how long a fan-out waits for a slow node before answering without it (default 5000)
  --allow-remote            allow --listen on a non-loopback address (JDWP has no authentication)
  --listen-ws HOST:PORT     also accept debuggers over WebSocket (our adapter and CLI: ws://HOST:PORT/);
                            beyond loopback a token is required
  --token TOKEN             the bearer token WebSocket debuggers must present (default: $JDWP_FABRIC_TOKEN)
  --help                    this text
`;

const SPECS = [
  { name: 'listen', value: true },
  { name: 'node', value: true, repeat: true },
  { name: 'accept', value: true },
  { name: 'suspend-scope', value: true },
  { name: 'read-only' },
  { name: 'allow-exit' },
  { name: 'no-thread-prefix' },
  { name: 'thread-groups', value: true },
  { name: 'fanout-timeout', value: true },
  { name: 'allow-remote' },
  { name: 'listen-ws', value: true },
  { name: 'token', value: true },
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
    const host = parseAddress(listen).host;
    if (!isLoopback(host) && !args.options['allow-remote']) {
      throw new UsageError(`--listen ${listen} is not a loopback address; JDWP has no authentication, so add --allow-remote to confirm`);
    }
    const vm = await VirtualVm.start({
      listen,
      nodes: list(args, 'node'),
      accept: str(args, 'accept'),
      suspendScope: scope,
      readOnly: !!args.options['read-only'],
      allowExit: !!args.options['allow-exit'],
      threadNamePrefix: !args.options['no-thread-prefix'],
      threadGroups: groups,
      fanoutTimeoutMs: num(args, 'fanout-timeout', 5000, 1),
      listenWs: str(args, 'listen-ws'),
      token: str(args, 'token', process.env[TOKEN_ENV] || undefined),
    });
    console.error(
      `[fabric] virtual VM listening on ${formatAddress(vm.address)}${vm.wsUrl ? ` and ${vm.wsUrl}` : ''}${vm.acceptAddress ? `; nodes may dial in at ${formatAddress(vm.acceptAddress)}` : ''}`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    console.error('[fabric] stopping: resuming every node');
    await vm.close();
    return ExitCode.OK;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`jdwp-fabric proxy: ${err.message}\n\n${PROXY_USAGE}`);
      return ExitCode.USAGE;
    }
    throw err;
  }
}
