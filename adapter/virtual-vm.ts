import type { Address } from '../jdwp/transport/tcp';
import type { AdapterContext } from './context';
import { AdapterError, AdapterErrorCode } from './errors';

/** Starts an in-process virtual VM over `nodes` for the session and answers the address to attach to. */
export async function startNodesVm(ctx: AdapterContext, nodes: string[]): Promise<Address> {
  void ctx;
  throw new AdapterError(AdapterErrorCode.VIRTUAL_VM_FAILED, `attach with "nodes" (${nodes.join(', ')}) needs the virtual VM, which this build lacks`);
}
