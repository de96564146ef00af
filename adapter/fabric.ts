import { Event } from '@vscode/debugadapter';
import type { ReferenceTypeID } from '../jdwp/protocol/wire-types';
import { signatureToName } from '../jdwp/mirror/names';
import { requestScopeOf } from './config';
import type { AdapterContext } from './context';
import { applyRequestScope } from './launch';
import { AdapterError, AdapterErrorCode } from './errors';

/** One node of the cluster as the Fabric view shows it. */
export interface FabricNode {
  slot: number;
  name: string;
  address: string;
  vmVersion: string;
  state: string;
  threadCount: number;
}

/** One class of a heap pool. */
export interface HeapClass {
  signature: string;
  name: string;
  symbolHash: string;
  count: number;
}

/** One version of a class: its symbol hash and the nodes that run it. */
export interface ClassVersion {
  symbolHash: string;
  nodes: string[];
}

/** A class loaded in more than one version across the cluster. */
export interface DivergentClass {
  signature: string;
  name: string;
  versions: ClassVersion[];
}

/** The name of the synthetic node that stands for a plain JVM. */
export const SINGLE_NODE_NAME = 'jvm';

/** `fabric.nodes`: the virtual VM's nodes, or one synthetic node for a plain JVM. */
export async function fabricNodes(ctx: AdapterContext): Promise<{ nodes: FabricNode[] }> {
  const vm = ctx.requireVm();
  if (ctx.fabric) {
    const { nodes } = await vm.Fabric.Nodes();
    return { nodes: nodes.map(({ slot, name, address, vmVersion, state, threadCount }) => ({ slot, name, address, vmVersion, state, threadCount })) };
  }
  const [version, all] = await Promise.all([vm.VirtualMachine.Version(), vm.VirtualMachine.AllThreads()]);
  const address = ctx.target?.kind === 'attach-host' ? `${ctx.target.host}:${ctx.target.port}` : vm.connection.label;
  return {
    nodes: [{ slot: 0, name: SINGLE_NODE_NAME, address, vmVersion: `${version.vmName} ${version.vmVersion}`, state: 'up', threadCount: all.threads.length }],
  };
}

/** `fabric.heapPool`: the top classes by instance count on one node. */
export async function fabricHeapPool(ctx: AdapterContext, args: { node?: unknown; topN?: unknown }): Promise<{ classes: HeapClass[] }> {
  const vm = ctx.requireVm();
  if (typeof args?.node !== 'string') throw new AdapterError(AdapterErrorCode.BAD_ARGUMENTS, 'fabric.heapPool needs "node" (a node name)');
  const topN = args.topN === undefined ? 20 : Number(args.topN);
  if (!Number.isInteger(topN) || topN < 1) throw new AdapterError(AdapterErrorCode.BAD_ARGUMENTS, '"topN" must be a positive integer');
  if (ctx.fabric) {
    const { pools } = await vm.Fabric.HeapPools(topN);
    const pool = pools.find((p) => p.node === args.node);
    if (!pool) throw new AdapterError(AdapterErrorCode.BAD_ARGUMENTS, `no node named "${args.node}" (nodes: ${pools.map((p) => p.node).join(', ')})`);
    return {
      classes: pool.classes.slice(0, topN).map((c) => ({ signature: c.signature, name: signatureToName(c.signature), symbolHash: c.symbolHash, count: Number(c.count) })),
    };
  }
  if (args.node !== SINGLE_NODE_NAME) throw new AdapterError(AdapterErrorCode.BAD_ARGUMENTS, `no node named "${args.node}" (a plain JVM has one node, "${SINGLE_NODE_NAME}")`);
  const { classes } = await vm.VirtualMachine.AllClasses();
  const ids = classes.map((c) => c.typeID as ReferenceTypeID);
  const { counts } = await vm.VirtualMachine.InstanceCounts(ids);
  const ranked = classes
    .map((c, i) => ({ signature: c.signature as string, count: Number(counts[i]) }))
    .filter((c) => c.count > 0)
    .sort((a, b) => b.count - a.count || a.signature.localeCompare(b.signature))
    .slice(0, topN);
  return { classes: ranked.map((c) => ({ ...c, name: signatureToName(c.signature), symbolHash: '' })) };
}

/** `fabric.divergentClasses`: classes whose bytes differ across nodes; empty for a plain JVM. */
export async function fabricDivergentClasses(ctx: AdapterContext): Promise<{ classes: DivergentClass[] }> {
  const vm = ctx.requireVm();
  if (!ctx.fabric) return { classes: [] };
  const { classes } = await vm.Fabric.DivergentClasses();
  return {
    classes: classes.map((c) => ({
      signature: c.signature,
      name: signatureToName(c.signature),
      versions: c.versions.map((v) => ({ symbolHash: v.symbolHash, nodes: v.nodes })),
    })),
  };
}

/**
 * Watches for node changes: after a burst of thread starts and deaths settles, compares the
 * node list with the last one and sends `fabric.nodesChanged` when it differs.
 */
export class NodeWatcher {
  private timer: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private last = '';

  constructor(
    private readonly ctx: AdapterContext,
    /** Called after the node list changed. */
    private readonly onChange: () => Promise<void> = async () => undefined,
    private readonly quietMs = 500,
  ) {}

  /** Records the current node list as the baseline; through the virtual VM also looks again every few seconds (a node may leave quietly). */
  async start(pollMs = 3_000): Promise<void> {
    this.last = JSON.stringify((await fabricNodes(this.ctx)).nodes);
    if (this.ctx.fabric) {
      // Checked directly, not through poke: threads that come and go more often than quietMs would put it off for ever.
      this.poll = setInterval(() => void this.check(), pollMs);
      this.poll.unref();
    }
  }

  /** Notes that threads came or went. */
  poke(): void {
    if (this.ctx.ended) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.check(), this.quietMs);
    this.timer.unref();
  }

  /** Stops watching. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.poll) clearInterval(this.poll);
  }

  private async check(): Promise<void> {
    this.timer = undefined;
    if (this.ctx.ended) return;
    try {
      const { nodes } = await fabricNodes(this.ctx);
      const now = JSON.stringify(nodes);
      if (now !== this.last) {
        this.last = now;
        this.ctx.send(new Event('fabric.nodesChanged', { nodes }));
        await this.onChange();
      }
    } catch {
      // The VM went away or is busy; the next burst will try again.
    }
  }
}

/** fabric.setRequestScope: changes the session's request scope ({"scope": "header:X-Debug-Session=alice"}; "" ends it). */
export async function fabricSetRequestScope(ctx: AdapterContext, args: { scope?: unknown }): Promise<{ scope: string }> {
  if (args.scope !== '' && typeof args.scope !== 'string') throw new AdapterError(AdapterErrorCode.BAD_ARGUMENTS, 'fabric.setRequestScope needs "scope": a scope such as "header:X-Debug-Session=alice", or "" for none');
  const scope = requestScopeOf(args.scope) ?? '';
  await applyRequestScope(ctx, scope);
  return { scope };
}
