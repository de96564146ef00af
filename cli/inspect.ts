import { connectVm } from '../jdwp/client/connect';
import { FabricError } from '../jdwp/errors';
import { ExitCode } from './exit-codes';
import type { ThreadGroupID } from '../jdwp/protocol/wire-types';
import { parseArgs, str, usageOf, UsageError, type CommandDecl } from './args';

/** `jdwp-fabric inspect`, declared once: its parsing, `--help` and docs derive from this. */
export const INSPECT: CommandDecl = {
  name: 'inspect',
  summary: 'attach to a JVM (or the virtual VM) and print its version, threads and class count',
  label: 'inspect HOST:PORT',
  synopsis: ['inspect HOST:PORT | ws[s]://HOST:PORT/ [--tls-ca FILE]   (token for WebSocket: $JDWP_FABRIC_TOKEN)'],
  description: 'Attaches to a JVM or the virtual VM and prints its version, thread groups with their threads, and loaded\nclass count.',
  helpColumn: 17,
  options: [
    { name: 'tls-ca', value: 'FILE', help: ["the CA a wss:// proxy's certificate must chain to"] },
    { name: 'help', help: ['this text'] },
  ],
};

/** `jdwp-fabric inspect HOST:PORT` (or a ws:// URL): prints a VM's version, thread groups with their threads, and loaded class count. */
export async function inspect(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let target: string;
  let tlsCa: string | undefined;
  try {
    const args = parseArgs(argv, INSPECT);
    if (args.options.help) {
      out(usageOf(INSPECT).trimEnd());
      return ExitCode.OK;
    }
    if (args.positionals.length !== 1) throw new UsageError('one HOST:PORT');
    [target] = args.positionals;
    tlsCa = str(args, 'tls-ca');
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    out(`usage: jdwp-fabric ${INSPECT.synopsis[0]}`);
    return ExitCode.USAGE;
  }
  let vm;
  try {
    vm = await connectVm(target, { tlsCa });
  } catch (err) {
    if (!(err instanceof FabricError)) throw err;
    console.error(`jdwp-fabric inspect: error ${err.code}: ${err.message}`);
    return ExitCode.UNREACHABLE;
  }
  try {
    const version = await vm.VirtualMachine.Version();
    out(`VM: ${version.vmName} ${version.vmVersion} (JDWP ${version.jdwpMajor}.${version.jdwpMinor})`);
    for (const line of version.description.split('\n')) out(`  ${line}`);
    const { groups } = await vm.VirtualMachine.TopLevelThreadGroups();
    const walk = async (group: ThreadGroupID, depth: number): Promise<void> => {
      const [{ groupName }, children] = await Promise.all([vm.ThreadGroupReference.Name(group), vm.ThreadGroupReference.Children(group)]);
      out(`${'  '.repeat(depth)}group ${groupName}`);
      const names = await Promise.all(children.childThreads.map((t) => vm.ThreadReference.Name(t)));
      for (const n of names) out(`${'  '.repeat(depth + 1)}thread ${n.threadName}`);
      for (const g of children.childGroups) await walk(g, depth + 1);
    };
    out('Thread groups:');
    for (const g of groups) await walk(g, 1);
    const { classes } = await vm.VirtualMachine.AllClasses();
    out(`Loaded classes: ${classes.length}`);
  } finally {
    await vm.dispose();
  }
  return 0;
}
