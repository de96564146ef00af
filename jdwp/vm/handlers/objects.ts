import { readIdAt } from '../../codec/reader';
import { tagOfSignature } from '../../codec/tags';
import type { ThreadGroupID } from '../../protocol/wire-types';
import { JDWP } from '../../registry';
import { ROOT_GROUP } from '../proxy-objects';
import { ProxyError, VIRTUAL_SIZES } from '../translate';
import type { Handler } from './context';
import { forward, pickNode, routeCommand, vtypeOf } from './route';
import { slotOf } from '../ids';
import { learnObjectType } from '../shield';
import { decodeOut, encodeReply } from './vm';

const E = JDWP.Error;

const signature: Handler = async (ctx, info, data) => {
  const { refType } = decodeOut<{ refType: bigint }>(info, data);
  return encodeReply(info, { signature: vtypeOf(ctx, refType).signature });
};

const instances: Handler = async (ctx, info, data) => {
  const { refType, maxInstances } = decodeOut<{ refType: bigint; maxInstances: number }>(info, data);
  const vtype = vtypeOf(ctx, refType);
  const { cluster } = ctx;
  await Promise.all(cluster.live().map((l) => cluster.registry.ensureOn(vtype, l).catch(() => undefined)));
  const perNode = await cluster.fanout(
    info.fullName,
    async (link) => info.reply!.decode(...bufArgs(await forward(ctx, link, info, info.out.encode(VIRTUAL_SIZES, { refType, maxInstances }), vtype))),
    cluster.live().filter((l) => vtype.members.has(l)),
  );
  let all = perNode.flatMap((p) => p.value.instances as unknown[]);
  if (maxInstances > 0) all = all.slice(0, maxInstances);
  return encodeReply(info, { instances: all });
};

function bufArgs(b: Buffer): [Buffer, number, number, typeof VIRTUAL_SIZES] {
  return [b, 0, b.length, VIRTUAL_SIZES];
}

/** The object a command addresses: the first field of its data (each command here starts with an object ID). */
function subjectOf(data: Buffer): bigint {
  return readIdAt(data, 0, VIRTUAL_SIZES.objectIDSize);
}

const threadName: Handler = async (ctx, info, data) => {
  const departed = data.length >= VIRTUAL_SIZES.objectIDSize ? ctx.cluster.objects.departedThreadName(subjectOf(data)) : undefined;
  if (departed !== undefined) return encodeReply(info, { threadName: departed });
  const { link, ids } = await pickNode(ctx, info, data);
  const out = await forward(ctx, link, info, data, undefined, undefined, ids);
  if (!ctx.cluster.options.threadNamePrefix) return out;
  const { threadName: name } = info.reply!.decode(...bufArgs(out)) as { threadName: string };
  return encodeReply(info, { threadName: `[${link.name}] ${name}` });
};

function nodeGroupLink(ctx: Parameters<Handler>[0], data: Buffer) {
  const group = subjectOf(data);
  const slot = ctx.cluster.objects.groupSlot(group);
  if (slot === undefined) return undefined;
  const link = ctx.cluster.link(slot);
  if (!link) throw new ProxyError(E.INVALID_THREAD_GROUP, `the node of group ${group} is gone`);
  return link;
}

const ROOT_NAME = 'cluster';

function isRoot(data: Buffer): boolean {
  return subjectOf(data) === ROOT_GROUP;
}

const groupName: Handler = async (ctx, info, data) => {
  if (isRoot(data)) return encodeReply(info, { groupName: ROOT_NAME });
  const link = nodeGroupLink(ctx, data);
  if (link) return encodeReply(info, { groupName: link.name });
  return routeCommand(ctx, info, data);
};

const groupParent: Handler = async (ctx, info, data) => {
  const rootParent = ctx.cluster.options.threadGroups === 'cluster' ? ROOT_GROUP : 0n;
  if (isRoot(data)) return encodeReply(info, { parentGroup: 0n });
  if (nodeGroupLink(ctx, data)) return encodeReply(info, { parentGroup: rootParent });
  const { link, ids } = await pickNode(ctx, info, data);
  const out = await forward(ctx, link, info, data, undefined, undefined, ids);
  const { parentGroup } = info.reply!.decode(...bufArgs(out)) as { parentGroup: bigint };
  return parentGroup === 0n ? encodeReply(info, { parentGroup: ctx.cluster.objects.groupId(link.slot) }) : out;
};

const groupChildren: Handler = async (ctx, info, data) => {
  if (isRoot(data)) return encodeReply(info, { childThreads: [], childGroups: ctx.cluster.live().map((l) => ctx.cluster.objects.groupId(l.slot)) });
  const link = nodeGroupLink(ctx, data);
  if (!link) return routeCommand(ctx, info, data);
  const { groups } = await link.client.VirtualMachine.TopLevelThreadGroups();
  return encodeReply(info, { childThreads: [], childGroups: groups.map((g: ThreadGroupID) => link.ids.toVirtual(g)) });
};

const stringValue: Handler = async (ctx, info, data) => {
  const id = subjectOf(data);
  const value = ctx.cluster.objects.stringValue(id);
  if (value !== undefined) return encodeReply(info, { stringValue: value });
  return routeCommand(ctx, info, data);
};

const arraySetValues: Handler = async (ctx, info, data) => {
  const array = subjectOf(data);
  const link = ctx.cluster.link(slotOf(array));
  const raw = link?.ids.toRaw(array);
  if (!link || raw === undefined) throw new ProxyError(E.INVALID_ARRAY, `array ${array} belongs to no live node`);
  const { typeID } = await link.client.ObjectReference.ReferenceType(raw as never);
  const { signature: sig } = await link.client.ReferenceType.Signature(typeID);
  return forward(ctx, link, info, data, undefined, { untaggedTag: tagOfSignature(sig.slice(1)) });
};

/** True for the proxy's own thread groups (the root and the node groups). */
function isProxyGroup(ctx: Parameters<Handler>[0], data: Buffer): boolean {
  const id = subjectOf(data);
  return id === ROOT_GROUP || ctx.cluster.objects.groupSlot(id) !== undefined;
}

const objectReferenceType: Handler = async (ctx, info, data) => {
  if (!isProxyGroup(ctx, data)) {
    // The shield checks the object's fields next (ObjectReference.GetValues): it need not ask the node again.
    const object = subjectOf(data);
    const reply = await routeCommand(ctx, info, data);
    const vtype = ctx.cluster.registry.byId.get(readIdAt(reply, 1, VIRTUAL_SIZES.referenceTypeIDSize));
    if (vtype) learnObjectType(ctx.cluster, object, vtype);
    return reply;
  }
  const link = ctx.cluster.focusOrFirst();
  if (!link) throw new ProxyError(E.VM_DEAD, 'no live node');
  const classes = await link.classesBySignature('Ljava/lang/ThreadGroup;');
  if (!classes.length) throw new ProxyError(E.INTERNAL, 'java.lang.ThreadGroup is not loaded');
  const vtype = await ctx.cluster.registry.resolve(link, classes[0].typeID, { signature: 'Ljava/lang/ThreadGroup;', tag: classes[0].refTypeTag });
  vtype.knownToDebugger = true;
  return encodeReply(info, { refTypeTag: vtype.tag, typeID: vtype.vid });
};

const isCollected: Handler = async (ctx, info, data) => (isProxyGroup(ctx, data) ? encodeReply(info, { isCollected: false }) : routeCommand(ctx, info, data));

const disableCollection: Handler = async (ctx, info, data) => {
  if (isProxyGroup(ctx, data)) return Buffer.alloc(0);
  const out = await routeCommand(ctx, info, data);
  ctx.session.disabledObjects.add(subjectOf(data));
  return out;
};

const enableCollection: Handler = async (ctx, info, data) => {
  const id = subjectOf(data);
  if (isProxyGroup(ctx, data) || !ctx.cluster.link(slotOf(id))) {
    ctx.session.disabledObjects.delete(id);
    return Buffer.alloc(0);
  }
  const out = await routeCommand(ctx, info, data);
  ctx.session.disabledObjects.delete(id);
  return out;
};

/** Handlers of object, thread, group, string and array commands that need more than routing; by the names their rules give them. */
export const OBJECT_HANDLERS: Record<string, Handler> = {
  signature,
  instances,
  threadName,
  groupName,
  groupParent,
  groupChildren,
  stringValue,
  arraySetValues,
  objectReferenceType,
  isCollected,
  disableCollection,
  enableCollection,
};
