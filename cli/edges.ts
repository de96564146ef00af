import { connectVm, isWsTarget } from '../jdwp/client/connect';
import type { JdwpClient } from '../jdwp/client/client';
import { isVirtualVm } from '../jdwp/client/virtual-vm';
import { FabricError, FabricErrorCode } from '../jdwp/errors';
import { edgeSet, loadEdges } from '../jdwp/flow/edges';
import { formatAddress, parseAddress } from '../jdwp/transport/tcp';
import { parseArgs, str, usageOf, UsageError, type CommandDecl } from './args';
import { ExitCode } from './exit-codes';

/** `jdwp-fabric edges`, declared once: its parsing, `--help` and docs derive from this. */
export const EDGES: CommandDecl = {
  name: 'edges',
  summary: 'RPC edges: where a running cluster binds them, or the presets as JSON (see edges --help)',
  label: 'edges --check|--list',
  synopsis: [
    'edges --check --connect HOST:PORT [--json]',
    '       jdwp-fabric edges --list [--edges FILE] [--no-edge-presets]',
  ],
  description: 'RPC edges: how one JVM calls another (a client method, a server method and a correlation key), which the\nvirtual VM stitches stacks and follows Step Into across. See docs/edges.md.',
  helpColumn: 21,
  options: [
    { name: 'check', help: ['for the virtual VM at --connect, on which nodes each edge\'s client and server sides are', 'bound (their classes are loaded there)'] },
    { name: 'connect', value: 'ADDR', help: ['the proxy: HOST:PORT, or ws://HOST:PORT/ (token: $JDWP_FABRIC_TOKEN)'] },
    { name: 'json', help: ['with --check: one JSON object instead of the table'] },
    { name: 'list', help: ['print the preset edges, and those of --edges FILE, as JSON to copy into an edges file'] },
    { name: 'edges', value: 'FILE', help: ['with --list: add the edges of FILE (checked as the proxy checks them)'] },
    { name: 'no-edge-presets', help: ['with --list: leave out the presets'] },
    { name: 'help', help: ['this text'] },
  ],
  footer: 'exit codes: 0 done; 2 bad command line, bad edges file, or --connect is not the virtual VM;\n            3 the address cannot be reached',
};


/** Usage of `jdwp-fabric edges`. */
export const EDGES_USAGE = usageOf(EDGES).trimEnd();

/** One edge as Fabric.Edges answers it. */
type BoundEdge = Awaited<ReturnType<JdwpClient['Fabric']['Edges']>>['edges'][number];

/** The table of `edges --check`: per edge, each side's method and the nodes it is bound on. */
export function formatBindings(edges: BoundEdge[]): string[] {
  const lines: string[] = [];
  for (const e of edges) {
    lines.push(e.name);
    for (const side of ['client', 'server'] as const) {
      const on = e.nodes.filter((n) => n[side]).map((n) => n.node);
      lines.push(`  ${side} ${e[side]}: ${on.length ? `bound on ${on.join(', ')}` : 'bound on no node'} (${on.length} of ${e.nodes.length})`);
    }
  }
  return lines;
}

/** `jdwp-fabric edges`: lists the edges a proxy would use, or checks where a running cluster binds them. Resolves with the exit code. */
export async function edges(argv: string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  try {
    const args = parseArgs(argv, EDGES);
    if (args.options.help) {
      out(EDGES_USAGE);
      return ExitCode.OK;
    }
    if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const check = !!args.options.check;
    if (check === !!args.options.list) throw new UsageError('give one of --check or --list');
    if (check) {
      for (const o of ['edges', 'no-edge-presets']) if (args.options[o] !== undefined) throw new UsageError(`--${o} goes with --list (a running proxy has its edges)`);
      const connect = str(args, 'connect');
      if (!connect) throw new UsageError('--check needs --connect HOST:PORT');
      return await checkEdges(connect, !!args.options.json, out, err);
    }
    for (const o of ['connect', 'json']) if (args.options[o] !== undefined) throw new UsageError(`--${o} goes with --check`);
    const file = str(args, 'edges');
    out(JSON.stringify({ edges: edgeSet(file ? loadEdges(file) : [], !args.options['no-edge-presets']) }, null, 2));
    return ExitCode.OK;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`jdwp-fabric edges: ${e.message}\n\n${EDGES_USAGE}`);
      return ExitCode.USAGE;
    }
    if (e instanceof FabricError && e.code === FabricErrorCode.EDGES_INVALID) {
      err(`jdwp-fabric edges: error ${e.code}: ${e.message}`);
      return ExitCode.USAGE;
    }
    throw e;
  }
}

async function checkEdges(connect: string, json: boolean, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  let label = connect;
  if (!isWsTarget(connect)) {
    try {
      label = formatAddress(parseAddress(connect));
    } catch {
      throw new UsageError(`--connect "${connect}" is not HOST:PORT or a ws:// URL`);
    }
  }
  let vm: JdwpClient;
  try {
    vm = await connectVm(label, { handshakeTimeoutMs: 5000 });
  } catch (e) {
    err(`jdwp-fabric edges: cannot reach ${label}: ${(e as Error).message}`);
    return ExitCode.UNREACHABLE;
  }
  try {
    if (!(await isVirtualVm(vm, await vm.VirtualMachine.Version()))) {
      err(`jdwp-fabric edges: ${label} is a plain JVM, not the virtual VM: edges are the proxy's (start one with "jdwp-fabric proxy")`);
      return ExitCode.USAGE;
    }
    const { edges: bound } = await vm.Fabric.Edges();
    if (json) out(JSON.stringify({ edges: bound }));
    else for (const line of formatBindings(bound)) out(line);
    return ExitCode.OK;
  } finally {
    await vm.dispose().catch(() => undefined);
  }
}
