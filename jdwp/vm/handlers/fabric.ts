import type { ReferenceTypeID, ThreadID } from '../../protocol/wire-types';
import { JDWP } from '../../registry';
import { sitesOn } from '../edge-sites';
import { slotOf } from '../ids';
import { ProxyError } from '../translate';
import { isJdkSignature } from '../symbols';
import type { VType } from '../type-registry';
import type { Ctx, Handler } from './context';
import { vtypeOf } from './route';
import { decodeOut, encodeReply } from './vm';

const nodes: Handler = async (ctx, info) =>
  encodeReply(info, {
    nodes: ctx.cluster.entries.map((e) => ({
      slot: e.link && !e.link.down ? e.link.slot : 0,
      name: e.name,
      address: e.address,
      vmVersion: e.link ? `${e.link.version.vmName} ${e.link.version.vmVersion}` : '',
      state: e.state,
      threadCount: e.link && !e.link.down ? e.link.threads.size : 0,
      group: e.link && !e.link.down ? ctx.cluster.objects.groupId(e.link.slot) : 0n,
    })),
  });

function versionsOf(ctx: Ctx, signature: string) {
  return ctx.cluster.registry
    .withSignature(signature)
    .map((vt) => ({ vt, nodes: ctx.cluster.live().filter((l) => vt.members.has(l)).map((l) => l.name) }))
    .filter((v) => v.nodes.length > 0)
    .map(({ vt, nodes: names }) => {
      vt.knownToDebugger = true;
      return { typeID: vt.vid, symbolHash: vt.symbolHash, nodes: names };
    });
}

/** Resolves every class of the given signature on every live node. */
async function resolveEverywhere(ctx: Ctx, signature: string): Promise<void> {
  await ctx.cluster.fanout('ClassesBySignature', async (link) => {
    const classes = await link.classesBySignature(signature);
    await Promise.all(classes.map((c) => ctx.cluster.registry.resolve(link, c.typeID, { signature, tag: c.refTypeTag })));
  });
}

const symbolInfo: Handler = async (ctx, info, data) => {
  const { refType } = decodeOut<{ refType: bigint }>(info, data);
  const vtype = vtypeOf(ctx, refType);
  await resolveEverywhere(ctx, vtype.signature);
  return encodeReply(info, { signature: vtype.signature, symbolHash: vtype.symbolHash, versions: versionsOf(ctx, vtype.signature) });
};

const heapPools: Handler = async (ctx, info, data) => {
  const { topN } = decodeOut<{ topN: number }>(info, data);
  const pools = await ctx.cluster.fanout(info.fullName, async (link) => {
    const { classes } = await link.client.VirtualMachine.AllClasses();
    const { counts } = await link.client.VirtualMachine.InstanceCounts(classes.map((c) => c.typeID as ReferenceTypeID));
    const top = classes
      .map((c, i) => ({ c, count: counts[i] }))
      .filter((e) => e.count > 0n)
      .sort((a, b) => (b.count > a.count ? 1 : b.count < a.count ? -1 : 0))
      .slice(0, Math.max(0, topN));
    const vtypes = await Promise.all(top.map((e) => ctx.cluster.registry.resolve(link, e.c.typeID, { signature: e.c.signature, tag: e.c.refTypeTag })));
    return {
      node: link.name,
      classes: top.map((e, i) => {
        vtypes[i].knownToDebugger = true;
        return { typeID: vtypes[i].vid, signature: e.c.signature, symbolHash: vtypes[i].symbolHash, count: e.count };
      }),
    };
  });
  return encodeReply(info, { pools: pools.map((p) => p.value) });
};

const divergentClasses: Handler = async (ctx, info) => {
  const signatures = new Set<string>();
  await ctx.cluster.fanout(info.fullName, async (link) => {
    const { classes } = await link.client.VirtualMachine.AllClasses();
    const app = classes.filter((c) => !isJdkSignature(c.signature));
    const vtypes: VType[] = await Promise.all(app.map((c) => ctx.cluster.registry.resolve(link, c.typeID, { signature: c.signature, tag: c.refTypeTag })));
    for (const vt of vtypes) signatures.add(vt.signature);
  });
  const classes = [...signatures]
    .sort()
    .map((signature) => ({ signature, versions: versionsOf(ctx, signature) }))
    .filter((c) => c.versions.length > 1);
  return encodeReply(info, { classes });
};

const callerChain: Handler = async (ctx, info, data) => {
  const { thread } = decodeOut<{ thread: bigint }>(info, data);
  const link = ctx.cluster.link(slotOf(thread));
  if (!link) throw new ProxyError(JDWP.Error.INVALID_THREAD, `thread ${thread} belongs to no live node`);
  const hops = await Promise.all(
    ctx.cluster.stitches.hopsOf(thread).map(async (h) => ({
      firstFrame: h.firstFrame,
      node: h.link.name,
      thread: h.vthread,
      threadName: (await h.link.client.ThreadReference.Name(h.thread as ThreadID).catch(() => ({ threadName: '' }))).threadName,
      edge: h.edge.name,
      label: h.label,
    })),
  );
  return encodeReply(info, { hops });
};

const edges: Handler = async (ctx, info) => {
  const all = ctx.cluster.options.edges;
  const bound = await ctx.cluster.fanout(info.fullName, async (link) => sitesOn(link, all));
  return encodeReply(info, {
    edges: all.map((e) => ({
      name: e.name,
      client: e.client.method,
      server: e.server.method,
      nodes: bound.map(({ link, value }) => {
        const sites = [...value.values()].flat().filter((s) => s.edge === e);
        return { node: link.name, client: sites.some((s) => s.side === 'client'), server: sites.some((s) => s.side === 'server') };
      }),
    })),
  });
};

/** Handlers of the Fabric vendor command set that are not about requests; by the names their rules give them. */
export const FABRIC_HANDLERS: Record<string, Handler> = {
  nodes,
  symbolInfo,
  heapPools,
  divergentClasses,
  callerChain,
  edges,
};
