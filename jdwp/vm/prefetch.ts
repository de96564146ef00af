import type { ReplyPacket } from '../codec/packet';
import { Tag } from '../codec/tags';
import type { Method_VariableTable_Reply, ThreadReference_Frames_Reply } from '../protocol/spec-types';
import type { Value } from '../protocol/wire-types';
import { commandByName, JDWP, type CommandInfo } from '../registry';
import type { Cluster } from './cluster';
import { replyKey } from './type-registry';
import type { NodeLink } from './node-link';
import type { VMethod, VType } from './type-registry';
import { VIRTUAL_SIZES } from './translate';

const P = JDWP.SuspendPolicy;
const ACC_STATIC = 0x8;
const ACC_NATIVE = 0x100;

const FRAMES = commandByName('ThreadReference.Frames');
const FRAME_COUNT = commandByName('ThreadReference.FrameCount');
const VARIABLE_TABLE = commandByName('Method.VariableTable');
const FRAME_VALUES = commandByName('StackFrame.GetValues');
const THIS_OBJECT = commandByName('StackFrame.ThisObject');
const REFERENCE_TYPE = commandByName('ObjectReference.ReferenceType');
const OBJECT_VALUES = commandByName('ObjectReference.GetValues');
const STRING_VALUE = commandByName('StringReference.Value');
const ARRAY_LENGTH = commandByName('ArrayReference.Length');

/**
 * After this many stops in a row at which the debugger read nothing the store kept (a debugger that only resumes,
 * as a hit counter does), the fetch ahead waits for the debugger's first read at a stop, so a busy node's
 * breakpoint cycle pays nothing for it; one stop whose reads the store answers makes it eager again.
 */
const EAGER_UNTIL_UNREAD = 2;
/** The default of --prefetch: how many top frames of a stop are read ahead. */
export const DEFAULT_PREFETCH_FRAMES = 3;
/** Per frame read ahead, at most this many objects (`this` first) have their type (and fields, at a stop of the whole node) read... */
const OBJECTS_PER_FRAME = 4;
/** ... and at most this many strings their value. */
const STRINGS_PER_FRAME = 8;

type Frame = ThreadReference_Frames_Reply['frames'][number];

/** A value seen at a stop, with the type its slot declares when known. */
type Seen = Value & { declared?: VType };

/** What one stop may still fetch. */
interface Budget {
  objects: number;
  strings: number;
  /** Objects and strings already asked for at this stop. */
  seen: Set<bigint>;
}

/**
 * Fetch ahead: when an event set that suspends a thread reaches the debugger, asks that thread's node, pipelined,
 * for what a debugger reads next (the thread's frames; for the top frames their visible locals and `this`; the
 * type of `this` and of the objects in those locals, and their fields when the whole node is suspended; the values
 * of the strings), and keeps the replies in the node's ReplyStore, which answers the debugger's commands from
 * them. Never invokes. How long each reply is kept is its command's reply life in the rules table.
 */
export class FetchAhead {
  /** Per node: the store's served count at its last stop, and how many stops in a row the debugger read nothing kept. */
  private readonly use = new WeakMap<NodeLink, { served: number; unread: number }>();
  /** Methods without a variable table (compiled without -g, or abstract): not asked again at every stop. */
  private readonly noTable = new WeakSet<VMethod>();

  constructor(private readonly cluster: Cluster) {}

  /** A thread (virtual ID) of a node stopped and the debugger is told so, with the event set's suspend policy. */
  stopped(link: NodeLink, vthread: bigint, policy: number): void {
    const depth = this.cluster.options.prefetch;
    if (!depth || policy === P.NONE || link.down) return;
    const thread = link.ids.toRaw(vthread);
    if (thread === undefined) return;
    const { store } = link;
    let use = this.use.get(link);
    if (!use) this.use.set(link, (use = { served: -1, unread: 0 }));
    use.unread = store.stats.served === use.served ? use.unread + 1 : 0;
    use.served = store.stats.served;
    if (policy === P.ALL) store.frozen = true;
    const start = () => void this.stack(link, thread, depth).catch(() => undefined);
    if (use.unread < EAGER_UNTIL_UNREAD) start();
    else store.defer(thread, start);
  }

  private async stack(link: NodeLink, thread: bigint, depth: number): Promise<void> {
    const frames = this.fetch(link, FRAMES, { thread, startFrame: 0, length: -1 });
    // With stitching on, the proxy counts frames from the stack it reads whole.
    if (!this.cluster.options.stitch) void this.fetch(link, FRAME_COUNT, { thread }).catch(() => undefined);
    const reply = decoded<{ frames: Frame[] }>(link, FRAMES, await frames);
    if (!reply) return;
    const budget: Budget = { objects: OBJECTS_PER_FRAME * depth, strings: STRINGS_PER_FRAME * depth, seen: new Set() };
    await Promise.all(reply.frames.slice(0, depth).map((f) => this.frame(link, thread, f, budget).catch(() => undefined)));
  }

  private async frame(link: NodeLink, thread: bigint, frame: Frame, budget: Budget): Promise<void> {
    const method = await this.method(link, frame.location.classID, frame.location.methodID);
    if (!method || method.modBits & ACC_NATIVE) return;
    const self = method.modBits & ACC_STATIC ? undefined : this.fetch(link, THIS_OBJECT, { thread, frame: frame.frameID });
    const table = await this.variables(link, method);
    const at = frame.location.index;
    const visible = (table?.slots ?? []).filter((v) => v.name !== 'this' && v.codeIndex <= at && at < v.codeIndex + BigInt(v.length)).sort((a, b) => a.slot - b.slot);
    const slots = visible.map((v) => ({ slot: v.slot, sigbyte: v.signature.charCodeAt(0) }));
    const values = slots.length ? this.fetch(link, FRAME_VALUES, { thread, frame: frame.frameID, slots }) : undefined;
    const seen: Seen[] = [];
    const thisObject = self && decoded<{ objectThis: Value }>(link, THIS_OBJECT, await self)?.objectThis;
    if (thisObject?.value) seen.push({ ...thisObject, declared: method.vtype });
    const locals = (values && decoded<{ values: Value[] }>(link, FRAME_VALUES, await values)?.values) ?? [];
    locals.forEach((v, i) => seen.push({ ...v, declared: this.declared(link, visible[i].signature) }));
    await this.values(link, seen, budget, true);
  }

  /** The one type of this signature that the node runs, if only one does (a local's declared type). */
  private declared(link: NodeLink, signature: string): VType | undefined {
    const types = this.cluster.registry.withSignature(signature).filter((t) => t.members.has(link));
    return types.length === 1 ? types[0] : undefined;
  }

  /** The objects among values: their type, their fields one level down (while the node is frozen); the strings' values, the arrays' lengths. */
  private async values(link: NodeLink, values: Seen[], budget: Budget, descend: boolean): Promise<void> {
    const work: Promise<unknown>[] = [];
    for (const { tag, value, declared } of values) {
      if (typeof value !== 'bigint' || value === 0n || budget.seen.has(value)) continue;
      if (tag === Tag.STRING) {
        if (budget.strings-- <= 0) continue;
        budget.seen.add(value);
        work.push(this.fetch(link, STRING_VALUE, { stringObject: value }));
      } else if (tag === Tag.ARRAY || tag === Tag.OBJECT) {
        if (budget.objects-- <= 0) continue;
        budget.seen.add(value);
        work.push(tag === Tag.ARRAY ? this.fetch(link, ARRAY_LENGTH, { arrayObject: value }) : this.object(link, value, budget, descend ? declared : undefined, descend));
      }
    }
    await Promise.all(work.map((p) => p.catch(() => undefined)));
  }

  /**
   * An object's type and, while the node is frozen and `descend`, its fields: those its declared type declares at
   * once (every object of that type has them), alongside the type, then those of its own type.
   */
  private async object(link: NodeLink, object: bigint, budget: Budget, declared: VType | undefined, descend: boolean): Promise<void> {
    const early = declared && descend && link.store.frozen ? this.fields(link, object, declared, budget) : undefined;
    early?.catch(() => undefined);
    const type = decoded<{ typeID: bigint }>(link, REFERENCE_TYPE, await this.fetch(link, REFERENCE_TYPE, { object }));
    if (type && descend && link.store.frozen) {
      const vtype = await this.cluster.registry.resolve(link, type.typeID);
      if (vtype !== declared) await this.fields(link, object, vtype, budget);
    }
    await early;
  }

  /** The instance fields a type declares, of an object, and the strings among them. */
  private async fields(link: NodeLink, object: bigint, vtype: VType, budget: Budget): Promise<void> {
    await this.cluster.registry.fieldsOn(vtype, link);
    const fields = (vtype.fields ?? []).filter((f) => !(f.modBits & ACC_STATIC)).flatMap((f) => (f.raw.has(link) ? [{ fieldID: f.raw.get(link)! }] : []));
    if (!fields.length || !link.store.frozen) return;
    const reply = decoded<{ values: Value[] }>(link, OBJECT_VALUES, await this.fetch(link, OBJECT_VALUES, { object, fields }));
    if (reply) await this.values(link, reply.values.filter((v) => v.tag === Tag.STRING), budget, false);
  }

  /** The virtual method of a frame's location, and its raw IDs. */
  private async method(link: NodeLink, classID: bigint, methodID: bigint): Promise<VMethod | undefined> {
    const { registry } = this.cluster;
    if (!link.methods.has(methodID)) await registry.methodsOn(await registry.resolve(link, classID), link);
    return link.methods.get(methodID);
  }

  /** A method's variable table, from the registry's per-symbol cache (read from the node and cached there the first time). */
  private async variables(link: NodeLink, method: VMethod): Promise<Method_VariableTable_Reply | undefined> {
    if (this.noTable.has(method)) return undefined;
    const { registry } = this.cluster;
    const { vtype } = method;
    const key = replyKey(vtype.vid, VARIABLE_TABLE, VARIABLE_TABLE.out.encode(VIRTUAL_SIZES, { refType: vtype.vid, methodID: method.vid }));
    let bytes = registry.replyCache.get(key);
    if (!bytes) {
      const out = { refType: vtype.members.get(link), methodID: method.raw.get(link) };
      const reply = await link.client.raw(VARIABLE_TABLE.set.id, VARIABLE_TABLE.spec.id, VARIABLE_TABLE.out.encode(link.client.sizes, out), { name: link.name });
      if (reply.errorCode !== 0) {
        this.noTable.add(method);
        return undefined;
      }
      // Its reply carries no IDs: the node's bytes are the virtual reply.
      bytes = Buffer.from(reply.data);
      registry.replyCache.set(key, bytes);
    }
    return VARIABLE_TABLE.reply!.decode(bytes, 0, bytes.length, VIRTUAL_SIZES) as unknown as Method_VariableTable_Reply;
  }

  private fetch(link: NodeLink, info: CommandInfo, out: Record<string, unknown>): Promise<ReplyPacket> {
    const reply = link.store.fetch(info, info.out.encode(link.client.sizes, out));
    // Some are awaited only after others (or not at all once one failed): a node that leaves fails them all, and
    // none of those failures may go unhandled.
    reply.catch(() => undefined);
    return reply;
  }
}

/** A reply's data decoded in the node's ID sizes, or undefined for an error reply. */
function decoded<T>(link: NodeLink, info: CommandInfo, reply: ReplyPacket): T | undefined {
  if (reply.errorCode !== 0) return undefined;
  return info.reply!.decode(reply.data, 0, reply.data.length, link.client.sizes) as unknown as T;
}
