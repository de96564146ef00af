import { connectVm } from '../jdwp/client/connect';
import { FabricError } from '../jdwp/errors';
import { ExitCode } from './exit-codes';
import type { ThreadGroupID } from '../jdwp/protocol/wire-types';

/** `jdwp-fabric inspect HOST:PORT` (or a ws:// URL): prints a VM's version, thread groups with their threads, and loaded class count. */
export async function inspect(args: string[], out: (line: string) => void = console.log): Promise<number> {
  const tlsCa = args.length === 3 && args[1] === '--tls-ca' ? args[2] : undefined;
  if ((args.length !== 1 && tlsCa === undefined) || args[0].startsWith('-')) {
    out('usage: jdwp-fabric inspect HOST:PORT | ws[s]://HOST:PORT/ [--tls-ca FILE]   (token for WebSocket: $JDWP_FABRIC_TOKEN)');
    return 2;
  }
  let vm;
  try {
    vm = await connectVm(args[0], { tlsCa });
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
