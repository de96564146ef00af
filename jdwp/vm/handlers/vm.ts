import type { WireRecord } from '../../codec/layout';
import type { ReferenceTypeID } from '../../protocol/wire-types';
import { JDWP, type CommandInfo } from '../../registry';
import { slotOf } from '../ids';
import { ROOT_GROUP } from '../proxy-objects';
import type { NodeLink } from '../node-link';
import { COMMAND_RULES } from '../rules';
import { ProxyError, VIRTUAL_SIZES } from '../translate';
import type { VType } from '../type-registry';
import type { Ctx, Handler } from './context';
import { forward, vtypeOf } from './route';

const E = JDWP.Error;

/** Decodes a virtual out packet. */
export function decodeOut<T = WireRecord>(info: CommandInfo, data: Buffer): T {
  return info.out.decode(data, 0, data.length, VIRTUAL_SIZES) as T;
}

/** Encodes a virtual reply. */
export function encodeReply(info: CommandInfo, rec: object): Buffer {
  return info.reply!.encode(VIRTUAL_SIZES, rec as WireRecord);
}

function decodeReply<T = WireRecord>(info: CommandInfo, data: Buffer): T {
  return info.reply!.decode(data, 0, data.length, VIRTUAL_SIZES) as T;
}

/** Sends the same command to the given nodes; resolves with those that answered. */
async function fanoutTo(ctx: Ctx, info: CommandInfo, data: Buffer, links: NodeLink[]): Promise<Array<{ link: NodeLink }>> {
  return ctx.cluster.fanout(
    info.fullName,
    async (link) => {
      const reply = await link.send(info.set.id, info.spec.id, Buffer.from(data));
      if (reply.errorCode !== 0) throw new ProxyError(reply.errorCode, `${info.fullName} answered ${reply.errorCode}`);
    },
    links,
  );
}

/** Sends the same command to every node and answers with an empty reply. */
const fanoutEmpty: Handler = async (ctx, info, data) => {
  await fanoutTo(ctx, info, data, ctx.cluster.live());
  return Buffer.alloc(0);
};

/** Forwards to every node and concatenates one repeated field of their replies. */
function concatFrom(field: string): Handler {
  return async (ctx, info, data) => {
    const parts = await ctx.cluster.fanout(info.fullName, (link) => forward(ctx, link, info, Buffer.from(data)));
    if (parts.length === 1) return parts[0].value;
    return encodeReply(info, { [field]: parts.flatMap((p) => decodeReply(info, p.value)[field] as unknown[]) });
  };
}

const version: Handler = async (ctx, info) => {
  const links = ctx.cluster.live();
  const vs = links.map((l) => l.version);
  const major = vs.length ? Math.min(...vs.map((v) => v.jdwpMajor)) : 17;
  const minor = vs.length ? Math.min(...vs.filter((v) => v.jdwpMajor === major).map((v) => v.jdwpMinor)) : 0;
  const first = vs[0];
  return encodeReply(info, {
    description: [`jdwp-fabric virtual VM over ${links.length} node(s)`, ...links.map((l) => `${l.name}: ${l.version.vmName} ${l.version.vmVersion}`)].join('\n'),
    jdwpMajor: major,
    jdwpMinor: minor,
    vmVersion: first?.vmVersion ?? 'unknown',
    vmName: `${first?.vmName ?? 'JVM'} [jdwp-fabric: ${links.length} node(s)]`,
  });
};

const idSizes: Handler = async (_ctx, info) => encodeReply(info, VIRTUAL_SIZES);

const topLevelThreadGroups: Handler = async (ctx, info) =>
  encodeReply(info, {
    groups: ctx.cluster.options.threadGroups === 'cluster' ? [ROOT_GROUP] : ctx.cluster.live().map((l) => ctx.cluster.objects.groupId(l.slot)),
  });

type ClassRow = { refTypeTag: number; typeID: bigint; signature?: string; genericSignature?: string; status: number };

/** Resolves a node's class rows to virtual types and merges them: one row per virtual type. */
async function mergeClasses(ctx: Ctx, what: string, fetch: (link: NodeLink) => Promise<ClassRow[]>, signature?: string): Promise<Array<{ vtype: VType; row: ClassRow }>> {
  const { cluster } = ctx;
  const perNode = await cluster.fanout(what, async (link) => {
    const rows = await fetch(link);
    const vtypes = await Promise.all(rows.map((r) => cluster.registry.resolve(link, r.typeID, { signature: r.signature ?? signature, tag: r.refTypeTag })));
    return rows.map((row, i) => ({ vtype: vtypes[i], row }));
  });
  const merged = new Map<VType, { vtype: VType; row: ClassRow }>();
  const focus = cluster.focus;
  for (const { link, value } of perNode) {
    for (const entry of value) {
      if (!merged.has(entry.vtype) || link === focus) merged.set(entry.vtype, entry);
    }
  }
  for (const vtype of merged.keys()) vtype.knownToDebugger = true;
  return [...merged.values()];
}

const classesBySignature: Handler = async (ctx, info, data) => {
  const { signature } = decodeOut<{ signature: string }>(info, data);
  const rows = await mergeClasses(ctx, info.fullName, (link) => link.classesBySignature(signature), signature);
  return encodeReply(info, { classes: rows.map(({ vtype, row }) => ({ refTypeTag: vtype.tag, typeID: vtype.vid, status: row.status })) });
};

const allClasses: Handler = async (ctx, info) => {
  const rows = await mergeClasses(ctx, info.fullName, async (link) => (await link.client.VirtualMachine.AllClasses()).classes);
  return encodeReply(info, { classes: rows.map(({ vtype, row }) => ({ refTypeTag: vtype.tag, typeID: vtype.vid, signature: vtype.signature, status: row.status })) });
};

const allClassesWithGeneric: Handler = async (ctx, info) => {
  const rows = await mergeClasses(ctx, info.fullName, async (link) => (await link.client.VirtualMachine.AllClassesWithGeneric()).classes);
  return encodeReply(info, {
    classes: rows.map(({ vtype, row }) => ({ refTypeTag: vtype.tag, typeID: vtype.vid, signature: vtype.signature, genericSignature: row.genericSignature ?? '', status: row.status })),
  });
};

const exit: Handler = async (ctx, info, data) => {
  const { options } = ctx.cluster;
  if (!options.allowExit || ctx.session.readOnly) throw new ProxyError(E.NOT_IMPLEMENTED, 'VirtualMachine.Exit is refused (start the proxy with --allow-exit)');
  return fanoutEmpty(ctx, info, data);
};

const createString: Handler = async (ctx, info, data) => {
  const { utf } = decodeOut<{ utf: string }>(info, data);
  return encodeReply(info, { stringObject: ctx.cluster.objects.createString(utf) });
};

/** The command each capability announces; under --read-only a capability is off when its command is readOnly in the rules. */
const CAPABILITY_COMMAND: Readonly<Record<string, string>> = {
  canRedefineClasses: 'VirtualMachine.RedefineClasses',
  canAddMethod: 'VirtualMachine.RedefineClasses',
  canUnrestrictedlyRedefineClasses: 'VirtualMachine.RedefineClasses',
  canPopFrames: 'StackFrame.PopFrames',
  canForceEarlyReturn: 'ThreadReference.ForceEarlyReturn',
  canSetDefaultStratum: 'VirtualMachine.SetDefaultStratum',
};

const READ_ONLY_OFF = new Set(Object.keys(CAPABILITY_COMMAND).filter((cap) => COMMAND_RULES[CAPABILITY_COMMAND[cap]]?.readOnly));

/** What every node can do, from the CapabilitiesNew each node answered as it joined (Capabilities names the first seven of its fields). */
const capabilities: Handler = async (ctx, info) => {
  const links = ctx.cluster.live();
  const out: WireRecord = {};
  for (const f of info.spec.reply!) {
    out[f.name] = links.length > 0 && links.every((l) => (l.capabilities as unknown as WireRecord)[f.name] === true) && !(ctx.session.readOnly && READ_ONLY_OFF.has(f.name));
  }
  return encodeReply(info, out);
};

/**
 * The union of the nodes' threads, from each node's thread mirror (kept by the proxy's own ThreadStart and
 * ThreadDeath requests, which the node sends before the thread runs and as it ends). A node that has not
 * finished joining, or lists virtual threads, is asked.
 */
const allThreads: Handler = async (ctx, info, data) => {
  const links = ctx.cluster.live();
  const asked = links.filter((l) => !l.joined || l.listsVirtualThreads);
  const versions = links.map((l) => l.threadsVersion);
  const last = lastAllThreads.get(ctx.cluster);
  if (!asked.length && last && sameLinks(last, links, versions)) return last.reply;
  const replies = new Map<NodeLink, bigint[]>();
  if (asked.length) {
    const parts = await ctx.cluster.fanout(info.fullName, (link) => forward(ctx, link, info, Buffer.from(data)), asked);
    for (const p of parts) replies.set(p.link, decodeReply<{ threads: bigint[] }>(info, p.value).threads);
  }
  const { facts } = ctx.cluster.translator;
  const threads: bigint[] = [];
  for (const link of links) {
    const answered = replies.get(link);
    if (answered) threads.push(...answered);
    else if (!asked.includes(link)) {
      for (const raw of link.threads) {
        const id = link.ids.toVirtual(raw);
        // Its kind, not a hand-out: the node never counted these for the debugger, so DisposeObjects must not release them.
        facts.learn(id, 'threadID');
        threads.push(id);
      }
    }
  }
  const reply = encodeReply(info, { threads });
  if (!asked.length) lastAllThreads.set(ctx.cluster, { links, versions, reply });
  return reply;
};

/** The last AllThreads answer built from the mirror alone, with the links and thread-set versions it was built from. */
const lastAllThreads = new WeakMap<Ctx['cluster'], { links: NodeLink[]; versions: number[]; reply: Buffer }>();

function sameLinks(last: { links: NodeLink[]; versions: number[] }, links: NodeLink[], versions: number[]): boolean {
  return last.links.length === links.length && links.every((l, i) => last.links[i] === l && last.versions[i] === versions[i]);
}

const disposeObjects: Handler = async (ctx, info, data) => {
  const { requests } = decodeOut<{ requests: Array<{ object: bigint; refCnt: number }> }>(info, data);
  const bySlot = new Map<NodeLink, typeof requests>();
  for (const r of requests) {
    const link = ctx.cluster.link(slotOf(r.object));
    if (!link) {
      ctx.cluster.objects.dispose(r.object, r.refCnt);
      continue;
    }
    // Never more than the debugger was handed: a node aborts when its reference count goes below 0.
    const refCnt = ctx.cluster.translator.facts.release(r.object, r.refCnt);
    if (refCnt === 0) continue;
    if (!bySlot.has(link)) bySlot.set(link, []);
    bySlot.get(link)!.push({ object: r.object, refCnt });
  }
  await ctx.cluster.fanout(info.fullName, (link) => forward(ctx, link, info, info.out.encode(VIRTUAL_SIZES, { requests: bySlot.get(link)! })), [...bySlot.keys()]);
  return Buffer.alloc(0);
};

const suspend: Handler = async (ctx, info, data) => {
  const done = await fanoutTo(ctx, info, data, ctx.cluster.live());
  ctx.session.suspensions.push(done.map((d) => d.link));
  return Buffer.alloc(0);
};

/** Resumes the nodes of the oldest suspension the debugger holds, or every node when it holds none; then the next waiting event set may go (see SuspensionLedger). */
const resume: Handler = async (ctx, info, data) => {
  const { suspensions } = ctx.session;
  await fanoutTo(ctx, info, data, suspensions.shift() ?? ctx.cluster.live());
  // The debugger must read this reply before the next event set: JDI marks the VM running when it does.
  setImmediate(() => suspensions.next());
  return Buffer.alloc(0);
};

const holdEvents: Handler = async (ctx, info, data) => {
  ctx.session.eventsHeld = true;
  return fanoutEmpty(ctx, info, data);
};

const releaseEvents: Handler = async (ctx, info, data) => {
  ctx.session.eventsHeld = false;
  return fanoutEmpty(ctx, info, data);
};

/** Finds, on every live node, the raw IDs of the given virtual types. */
async function membersEverywhere(ctx: Ctx, vtypes: VType[]): Promise<void> {
  await Promise.all(ctx.cluster.live().flatMap((link) => vtypes.map((vt) => ctx.cluster.registry.ensureOn(vt, link).catch(() => undefined))));
}

const redefineClasses: Handler = async (ctx, info, data) => {
  const { classes } = decodeOut<{ classes: Array<{ refType: bigint; classfile: number[] }> }>(info, data);
  const vtypes = classes.map((c) => vtypeOf(ctx, c.refType));
  await membersEverywhere(ctx, vtypes);
  const errors: ProxyError[] = [];
  await ctx.cluster.fanout(info.fullName, async (link) => {
    const mine = classes.filter((_c, i) => vtypes[i].members.has(link));
    if (!mine.length) return;
    try {
      await forward(ctx, link, info, info.out.encode(VIRTUAL_SIZES, { classes: mine }));
    } catch (err) {
      if (err instanceof ProxyError) errors.push(err);
      throw err;
    }
  });
  for (const vt of vtypes) ctx.cluster.registry.redefined(vt);
  if (errors.length) throw errors[0];
  return Buffer.alloc(0);
};

const instanceCounts: Handler = async (ctx, info, data) => {
  const { refTypesCount } = decodeOut<{ refTypesCount: bigint[] }>(info, data);
  const vtypes = refTypesCount.map((id) => vtypeOf(ctx, id));
  await membersEverywhere(ctx, vtypes);
  const counts = vtypes.map(() => 0n);
  const perNode = await ctx.cluster.fanout(info.fullName, async (link) => {
    const idx = vtypes.map((vt, i) => (vt.members.has(link) ? i : -1)).filter((i) => i >= 0);
    if (!idx.length) return { idx, counts: [] as bigint[] };
    const r = await link.client.VirtualMachine.InstanceCounts(idx.map((i) => vtypes[i].members.get(link)! as ReferenceTypeID));
    return { idx, counts: r.counts };
  });
  for (const { value } of perNode) value.idx.forEach((i, k) => (counts[i] += value.counts[k]));
  return encodeReply(info, { counts });
};

const dispose: Handler = async (ctx) => {
  setImmediate(() => ctx.session.dispose());
  return Buffer.alloc(0);
};

/** Handlers of the VirtualMachine command set, by the names their rules give them. */
export const VM_HANDLERS: Record<string, Handler> = {
  version,
  classesBySignature,
  allClasses,
  allThreads,
  topLevelThreadGroups,
  dispose,
  idSizes,
  suspend,
  resume,
  exit,
  createString,
  capabilities,
  disposeObjects,
  holdEvents,
  releaseEvents,
  redefineClasses,
  fanoutEmpty,
  allClassesWithGeneric,
  instanceCounts,
  allModules: concatFrom('modules'),
};
