import { VirtualVm, type VirtualVmOptions } from './server';
import type { Address } from '../transport/tcp';

export { VirtualVm, type VirtualVmOptions, parseNodeSpec } from './server';
export { COMMAND_RULES, type CommandRule, type RuleKind } from './rules';

/** A running virtual VM, as embedders (the debug adapter, tests) use it. */
export interface RunningVirtualVm {
  /** Where debuggers attach. */
  address: Address;
  /** The proxy itself. */
  vm: VirtualVm;
  /** Stops it, leaving every node running and unsuspended. */
  close(): Promise<void>;
}

/** Starts a virtual VM over the given nodes, on 127.0.0.1 and a free port unless `listen` says otherwise. */
export async function startVirtualVm(options: VirtualVmOptions & { waitForNodes?: number; waitTimeoutMs?: number }): Promise<RunningVirtualVm> {
  const vm = await VirtualVm.start(options);
  if (options.waitForNodes) {
    try {
      await vm.waitForNodes(options.waitForNodes, options.waitTimeoutMs);
    } catch (err) {
      await vm.close();
      throw err;
    }
  }
  return { address: vm.address, vm, close: () => vm.close() };
}
