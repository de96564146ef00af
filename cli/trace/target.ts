import { isVirtualVm } from '../../jdwp/client/virtual-vm';
import { connectVm, isWsTarget } from '../../jdwp/client/connect';
import type { JdwpClient } from '../../jdwp/client/client';
import { StopSnapshots } from '../../jdwp/client/stop-snapshots';
import type { ThreadID } from '../../jdwp/protocol/wire-types';
import { FabricError, FabricErrorCode } from '../../jdwp/errors';
import { VmMirror } from '../../jdwp/mirror';
import { formatAddress, parseAddress } from '../../jdwp/transport/tcp';
import { slotOf } from '../../jdwp/vm/ids';
import type { CallerChain } from './capture';
import { UsageError } from '../args';
import { ExitCode } from '../exit-codes';
import { TraceError } from './errors';

/** Timeout of one invocation of target code during a hit, in ms. */
const INVOKE_TIMEOUT_MS = 2000;

/** Thread names kept before the cache is emptied. */
const NAME_CACHE_LIMIT = 10_000;

/** A node of the target as Fabric.Nodes reports it. */
export interface NodeState {
  slot: number;
  name: string;
  state: string;
}

/** The connected target: a plain JVM (one node, named by its address) or the virtual VM of a cluster. */
export class Target {
  /** Slot to node, through the virtual VM. */
  private readonly slots = new Map<number, NodeState>();
  private readonly threadNames = new Map<ThreadID, Promise<string>>();
  private refreshing: Promise<NodeState[]> | undefined;
  /** Through the virtual VM: each hit's stop, read in one command (Fabric.StopSnapshot) and dropped when the thread resumes. */
  readonly snapshots: StopSnapshots | undefined;

  private constructor(
    readonly vm: JdwpClient,
    readonly mirror: VmMirror,
    /** True for the virtual VM (the Fabric command set answers). */
    readonly fabric: boolean,
    /** The address connected to, as HOST:PORT. */
    readonly address: string,
    /** "vmName vmVersion". */
    readonly description: string,
  ) {
    this.snapshots = fabric ? new StopSnapshots(vm) : undefined;
  }

  /** Through the virtual VM, the hops of a thread's stitched stack (Fabric.CallerChain); undefined for a plain JVM. */
  get callerChain(): CallerChain | undefined {
    return this.fabric ? async (thread) => (await this.vm.Fabric.CallerChain(thread)).hops : undefined;
  }

  /** Attaches to HOST:PORT and finds out whether it is the virtual VM; unreachable addresses are TraceError 3. */
  static async connect(text: string, tlsCa?: string): Promise<Target> {
    let label = text;
    if (!isWsTarget(text)) {
      try {
        label = formatAddress(parseAddress(text));
      } catch {
        throw new UsageError(`--connect "${text}" is not HOST:PORT or a ws:// URL`);
      }
    }
    let vm: JdwpClient;
    try {
      vm = await connectVm(label, { handshakeTimeoutMs: 5000, tlsCa });
    } catch (err) {
      const refused = err instanceof FabricError && (err.code === FabricErrorCode.CERTIFICATE_REJECTED || err.code === FabricErrorCode.TOKEN_REJECTED || err.code === FabricErrorCode.BAD_TLS_FILES);
      const hint = err instanceof FabricError && err.code !== FabricErrorCode.CONNECT_FAILED && !refused ? ' (is it a JDWP port, and is no other debugger attached?)' : '';
      const code = refused ? ` (error ${(err as FabricError).code})` : '';
      throw new TraceError(ExitCode.UNREACHABLE, `cannot reach ${label}: ${(err as Error).message}${code}${hint}`);
    }
    try {
      const version = await vm.VirtualMachine.Version();
      const fabric = await isVirtualVm(vm, version);
      const target = new Target(vm, new VmMirror(vm, { invokeTimeoutMs: INVOKE_TIMEOUT_MS }), fabric, label, `${version.vmName} ${version.vmVersion}`);
      if (fabric) await target.refreshNodes();
      return target;
    } catch (err) {
      vm.close();
      throw new TraceError(ExitCode.UNREACHABLE, `cannot reach ${label}: ${(err as Error).message}`);
    }
  }

  /** Fabric.Nodes, remembered by slot; a plain JVM is one node named by its address. */
  refreshNodes(): Promise<NodeState[]> {
    if (!this.fabric) return Promise.resolve([{ slot: 0, name: this.address, state: 'up' }]);
    return (this.refreshing ??= this.vm.Fabric.Nodes().then(
      ({ nodes }) => {
        this.refreshing = undefined;
        for (const n of nodes) if (n.slot > 0) this.slots.set(n.slot, { slot: n.slot, name: n.name, state: n.state });
        return nodes.map((n) => ({ slot: n.slot, name: n.name, state: n.state }));
      },
      (err) => {
        this.refreshing = undefined;
        throw err;
      },
    ));
  }

  /** The node a thread runs on. */
  async nodeOf(thread: ThreadID): Promise<string> {
    if (!this.fabric) return this.address;
    const slot = slotOf(thread);
    let node = this.slots.get(slot);
    if (!node) {
      await this.refreshNodes();
      node = this.slots.get(slot);
    }
    return node?.name ?? `slot-${slot}`;
  }

  /** A thread's name as its node knows it (without the virtual VM's "[node] " prefix), cached. */
  threadName(thread: ThreadID, node: string): Promise<string> {
    let p = this.threadNames.get(thread);
    if (!p) {
      if (this.threadNames.size >= NAME_CACHE_LIMIT) this.threadNames.clear();
      p = this.vm.ThreadReference.Name(thread).then(({ threadName }) => (threadName.startsWith(`[${node}] `) ? threadName.slice(node.length + 3) : threadName));
      this.threadNames.set(thread, p);
      p.catch(() => this.threadNames.delete(thread));
    }
    return p;
  }
}

