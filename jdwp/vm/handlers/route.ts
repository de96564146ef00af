import type { IdVisitor } from '../../codec/layout';
import type { IdKind } from '../../protocol/kinds';
import { JDWP, type CommandInfo } from '../../protocol/registry';
import { slotOf } from '../ids';
import type { NodeLink } from '../node-link';
import { invalidIdError, isObjectLike, isRefType, ProxyError, VIRTUAL_SIZES, type ToNodeOptions } from '../translate';
import type { VType } from '../types';
import type { Ctx } from './context';

const E = JDWP.Error;
const STOP = Symbol('stop');

/** Commands whose reply is fixed for a symbol: answered from the cache after the first time. */
const CACHED = new Set<string>([
  'ReferenceType.Modifiers',
  'ReferenceType.Fields',
  'ReferenceType.Methods',
  'ReferenceType.SourceFile',
  'ReferenceType.SourceDebugExtension',
  'ReferenceType.SignatureWithGeneric',
  'ReferenceType.FieldsWithGeneric',
  'ReferenceType.MethodsWithGeneric',
  'ReferenceType.ClassFileVersion',
  'ReferenceType.ConstantPool',
  'Method.LineTable',
  'Method.VariableTable',
  'Method.Bytecodes',
  'Method.VariableTableWithGeneric',
]);

class FirstIds implements IdVisitor {
  objectKind: IdKind | undefined;
  objectId = 0n;
  typeId = 0n;
  constructor(private readonly buf: Buffer) {}
  id(kind: IdKind, offset: number, width: number): void {
    const v = width === 8 ? this.buf.readBigUInt64BE(offset) : 0n;
    if (v === 0n) return;
    if (isObjectLike(kind)) {
      this.objectKind = kind;
      this.objectId = v;
      throw STOP;
    }
    if (isRefType(kind) && this.typeId === 0n) this.typeId = v;
  }
  untaggedTag(): number {
    throw STOP;
  }
}

/** The first object-like ID and the first reference type ID of a virtual command. */
export function firstIds(info: CommandInfo, data: Buffer): FirstIds {
  const v = new FirstIds(data);
  try {
    info.out.walk(data, 0, data.length, VIRTUAL_SIZES, v);
  } catch (err) {
    if (err !== STOP) throw err;
  }
  return v;
}

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

/** The node a command goes to: its first object, thread or frame's node; else a node running its type; else the focus node. */
export async function pickNode(ctx: Ctx, info: CommandInfo, data: Buffer): Promise<{ link: NodeLink; vtype?: VType }> {
  const { cluster } = ctx;
  const ids = firstIds(info, data);
  if (ids.objectKind) {
    const slot = slotOf(ids.objectId);
    if (slot === 0 && cluster.objects.isString(ids.objectId)) {
      const link = cluster.focusOrFirst();
      if (!link) throw new ProxyError(E.VM_DEAD, 'no live node');
      return { link };
    }
    const link = cluster.link(slot);
    if (!link) throw new ProxyError(invalidIdError(ids.objectKind), `${ids.objectKind} ${ids.objectId} belongs to no live node`);
    if (ids.objectKind === 'threadID' || ids.objectKind === 'frameID') cluster.focus = link;
    return { link, vtype: ids.typeId ? vtypeOf(ctx, ids.typeId) : undefined };
  }
  if (ids.typeId) {
    const vtype = vtypeOf(ctx, ids.typeId);
    return { link: await memberNode(ctx, vtype), vtype };
  }
  const link = cluster.focusOrFirst();
  if (!link) throw new ProxyError(E.VM_DEAD, 'no live node');
  return { link };
}

/** Sends a virtual command to one node and translates its reply back. */
export async function forward(ctx: Ctx, link: NodeLink, info: CommandInfo, data: Buffer, vtype?: VType, options?: ToNodeOptions): Promise<Buffer> {
  const { cluster } = ctx;
  const prepared = cluster.translator.toNode(link, info.out, data, options);
  const reply = await link.send(info.set.id, info.spec.id, prepared, cluster.options.requestTimeoutMs || undefined);
  if (reply.errorCode !== 0) throw new ProxyError(reply.errorCode, `${link.name}: ${info.fullName} answered error ${reply.errorCode}`);
  if (!info.reply) return Buffer.alloc(0);
  return cluster.translator.toVirtual(link, info.reply, reply.data, { contextType: vtype?.members.get(link), announce: true });
}

/** The route rule: the node of the command's IDs; replies fixed per symbol are cached. */
export async function routeCommand(ctx: Ctx, info: CommandInfo, data: Buffer): Promise<Buffer> {
  const { link, vtype } = await pickNode(ctx, info, data);
  const key = vtype && CACHED.has(info.fullName) ? `${vtype.vid}:${info.key}:${data.toString('latin1')}` : undefined;
  if (key) {
    const hit = ctx.cluster.registry.replyCache.get(key);
    if (hit) return hit;
  }
  const out = await forward(ctx, link, info, data, vtype);
  if (key) ctx.cluster.registry.replyCache.set(key, Buffer.from(out));
  return out;
}

/** True for commands whose replies are cached per symbol. */
export function isCached(fullName: string): boolean {
  return CACHED.has(fullName);
}
