import { startVirtualVm } from '../jdwp/vm';
import type { Address } from '../jdwp/transport/tcp';
import type { TargetConfig } from './config';
import type { AdapterContext } from './context';
import { AdapterError, AdapterErrorCode } from './errors';

/** How long to wait for every node before going on with the nodes that have joined. */
const ALL_NODES_WAIT_MS = 10_000;

/**
 * Starts an in-process virtual VM over `nodes` and the nodes `discover` finds, with its RPC edges and stitching,
 * for the session, and answers the address to attach to. It waits for every listed node (up to the timeout or
 * 10 s), then goes on if at least one joined; the others keep being redialled. The virtual VM closes when the
 * session ends, leaving the nodes running.
 */
export async function startNodesVm(ctx: AdapterContext, target: Extract<TargetConfig, { kind: 'attach-nodes' }>): Promise<Address> {
  const { nodes, edges, stitch, discover = [] } = target;
  let running;
  try {
    running = await startVirtualVm({
      nodes,
      discover,
      suspendScope: ctx.settings.suspendScope === 'cluster' ? 'cluster' : 'node',
      edges,
      stitch,
      log: (line) => ctx.output(line, 'console'),
    });
  } catch (err) {
    throw new AdapterError(AdapterErrorCode.VIRTUAL_VM_FAILED, `could not start the virtual VM: ${(err as Error).message}`);
  }
  ctx.resources.push({ dispose: () => running.close() });
  try {
    await running.vm.waitForNodes(Math.max(nodes.length, 1), Math.min(ctx.settings.timeout, ALL_NODES_WAIT_MS));
  } catch {
    try {
      await running.vm.waitForNodes(1, ctx.settings.timeout);
    } catch (err) {
      await running.close().catch(() => undefined);
      ctx.resources.pop();
      throw new AdapterError(AdapterErrorCode.VIRTUAL_VM_FAILED, `no node of ${[...nodes, ...discover].join(', ')} could be reached: ${(err as Error).message}`);
    }
    ctx.output(`jdwp-fabric: going on with the nodes that joined; the others are redialled in the background`, 'console');
  }
  return running.address;
}
