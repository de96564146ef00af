import { JDWP, type CommandInfo } from '../../registry';
import { slotOf } from '../ids';
import { COMMAND_RULES } from '../rules';
import type { NodeLink } from '../node-link';
import { isRefType, livesOnNode } from '../../protocol/kinds';
import { invalidIdError, ProxyError, type IdList, type ToNodeOptions } from '../translate';
import type { VType } from '../type-registry';
import type { Ctx } from './context';

const E = JDWP.Error;

/** Commands whose reply is fixed for a symbol (rule route-cached): answered from the cache after the first time. */
const CACHED = new Set<string>(Object.keys(COMMAND_RULES).filter((name) => COMMAND_RULES[name].rule === 'route-cached'));

/** A virtual type by ID, or INVALID_CLASS. */
export function vtypeOf(ctx: Ctx, id: bigint): VType {
  const vtype = ctx.cluster.registry.byId.get(id);
  if (!vtype) throw new ProxyError(E.INVALID_CLASS, `unknown reference type ${id}`);
  return vtype;
}

/** A live node that runs a type, preferring the focus node; nodes that have not shown the type yet are asked. */
export async function memberNode(ctx: Ctx, vtype: VType): Promise<NodeLink> {
  const { cluster } = ctx;
  const known = vtype.memberNode(cluster.focus);
  if (known) return known;
  const focus = cluster.focusOrFirst();
  const candidates = focus ? [focus, ...cluster.live().filter((l) => l !== focus)] : [];
  for (const link of candidates) {
    if ((await cluster.registry.ensureOn(vtype, link).catch(() => undefined)) !== undefined) return link;
  }
  throw new ProxyError(E.INVALID_CLASS, `${vtype.signature} is not loaded on any live node`);
}

/** Makes the node of the command's thread (or frame) the focus node, wherever that ID stands in the command. */
export function focusOnThread(cluster: Ctx['cluster'], ids: IdList): void {
  for (let i = 0; i < ids.kinds.length; i++) {
    const kind = ids.kinds[i];
    if ((kind === 'threadID' || kind === 'frameID') && ids.values[i] !== 0n) {
      const link = cluster.link(slotOf(ids.values[i]));
      if (link) cluster.focus = link;
      return;
    }
  }
}

/** Where a command goes, and the IDs of its out data, walked once. */
export interface Routing {
  link: NodeLink;
  vtype?: VType;
  ids: IdList;
}

/**
 * What addresses a command: the index of its first non-null ID that lives on a node (-1 when there is none, or
 * when its rule routes by type), and the first reference type ID before it (0n when there is none).
 */
export function addressOf(info: CommandInfo, ids: IdList): { at: number; typeId: bigint } {
  const byType = COMMAND_RULES[info.fullName]?.rule === 'focus';
  let typeId = 0n;
  for (let i = 0; i < ids.kinds.length; i++) {
    const kind = ids.kinds[i];
    const v = ids.values[i];
    if (v === 0n) continue;
    if (livesOnNode(kind) && !byType) return { at: i, typeId };
    if (typeId === 0n && isRefType(kind)) typeId = v;
  }
  return { at: -1, typeId };
}

/** The node a command goes to: its first object, thread or frame's node; else a node running its type; else the focus node. */
export async function pickNode(ctx: Ctx, info: CommandInfo, data: Buffer, options?: ToNodeOptions): Promise<Routing> {
  const { cluster } = ctx;
  const ids = cluster.translator.collect(info.out, data, options);
  focusOnThread(cluster, ids);
  const { at, typeId } = addressOf(info, ids);
  if (at >= 0) {
    const kind = ids.kinds[at];
    const v = ids.values[at];
    const slot = slotOf(v);
    if (slot === 0 && cluster.objects.isString(v)) {
      const link = cluster.focusOrFirst();
      if (!link) throw new ProxyError(E.VM_DEAD, 'no live node');
      return { link, ids };
    }
    const link = cluster.link(slot);
    if (!link) throw new ProxyError(invalidIdError(kind), `${kind} ${v} belongs to no live node`);
    return { link, vtype: typeId ? vtypeOf(ctx, typeId) : undefined, ids };
  }
  if (typeId) {
    const vtype = vtypeOf(ctx, typeId);
    return { link: await memberNode(ctx, vtype), vtype, ids };
  }
  const link = cluster.focusOrFirst();
  if (!link) throw new ProxyError(E.VM_DEAD, 'no live node');
  return { link, ids };
}

/** Sends a virtual command to one node and translates its reply back. */
export async function forward(ctx: Ctx, link: NodeLink, info: CommandInfo, data: Buffer, vtype?: VType, options?: ToNodeOptions, ids?: IdList): Promise<Buffer> {
  const { cluster } = ctx;
  const prepared = cluster.translator.packetToNode(link, info.out, data, { ...options, errors: info.spec.errors }, ids);
  const reply = await link.send(info.set.id, info.spec.id, prepared, cluster.options.requestTimeoutMs || undefined);
  if (reply.errorCode !== 0) throw new ProxyError(reply.errorCode, `${link.name}: ${info.fullName} answered error ${reply.errorCode}`);
  if (!info.reply) return Buffer.alloc(0);
  return cluster.translator.packetToVirtual(link, info.reply, reply.data, { contextType: vtype?.members.get(link), announce: true });
}

/** The route rule: the node of the command's IDs; replies fixed per symbol are cached. */
export async function routeCommand(ctx: Ctx, info: CommandInfo, data: Buffer): Promise<Buffer> {
  const { link, vtype, ids } = await pickNode(ctx, info, data);
  const key = vtype && CACHED.has(info.fullName) ? cachedReplyKey(vtype, info, data) : undefined;
  if (key) {
    const hit = ctx.cluster.registry.replyCache.get(key);
    if (hit) return hit;
  }
  const out = await forward(ctx, link, info, data, vtype, undefined, ids);
  if (key) ctx.cluster.registry.replyCache.set(key, Buffer.from(out));
  return out;
}

/** The key in the registry's reply cache of a route-cached command on a type, by its virtual out data. */
export function cachedReplyKey(vtype: VType, info: CommandInfo, data: Buffer): string {
  return `${vtype.vid}:${info.key}:${data.toString('latin1')}`;
}

/** True for commands whose replies are cached per symbol. */
export function isCached(fullName: string): boolean {
  return CACHED.has(fullName);
}
