import { offsetOf } from '../codec/offsets';
import { readIdAt } from '../codec/reader';
import { tagOfSignature } from '../codec/tags';
import type { ReferenceTypeID } from '../protocol/wire-types';
import { isRefType, livesOnNode, type IdKind } from '../protocol/kinds';
import { JDWP, type CommandInfo } from '../registry';
import type { Cluster } from './cluster';
import { slotOf } from './ids';
import { ROOT_GROUP } from './proxy-objects';
import { foreignIdError, ProxyError, VIRTUAL_SIZES, type IdList } from './translate';
import type { VType } from './type-registry';

/**
 * The shield: every debugger command is checked before any byte of it reaches a node, because HotSpot's agent
 * trusts its client (a null object, a Thread where a Class is expected, or a field of another class crashes it).
 * The packet must decode exactly against the protocol table (the ID walk does that); then each ID must be
 * non-null where the command needs one, of the kind the field expects as far as the proxy learned it, and a
 * method or field must belong to the type it is used with. Most checks are table lookups; the object's type and
 * a type's supertypes are asked of a node once and cached.
 */

const E = JDWP.Error;
const ACC_STATIC = 0x8;
const CLASS_SIGNATURE = 'Ljava/lang/Class;';
const STRING_SIGNATURE = 'Ljava/lang/String;';
const MODULE_SIGNATURE = 'Ljava/lang/Module;';
/** Kinds a node does not check before using the object (a wrong one crashes it), with the only class they can have. */
const UNCHECKED_BY_NODE: Partial<Record<IdKind, string>> = { classObjectID: CLASS_SIGNATURE, moduleID: MODULE_SIGNATURE };

/** Commands whose field IDs must be static fields, and those whose fields must be instance fields of the object. */
const STATIC_FIELDS = new Set(['ReferenceType.GetValues', 'ClassType.SetValues']);
const INSTANCE_FIELDS = new Set(['ObjectReference.GetValues', 'ObjectReference.SetValues']);
/** Where a command's objectID field really takes a narrower kind (the table types StringReference.Value's as objectID). */
const NARROWER: Readonly<Record<string, IdKind>> = { 'StringReference.Value': 'stringID' };
/** Commands where a null ID is harmless and answered as a VM does: DisposeObjects drops it, EnableCollection ignores it. */
const NULL_OK = new Set(['VirtualMachine.DisposeObjects', 'ObjectReference.EnableCollection']);
/** EventRequest.Set takes a null type (ExceptionOnly: every exception); its handler checks the rest. */
const NULL_TYPE_OK = new Set(['EventRequest.Set']);
const TYPE_TAG_OF: Partial<Record<IdKind, number>> = { interfaceID: JDWP.TypeTag.INTERFACE, arrayTypeID: JDWP.TypeTag.ARRAY };

/**
 * Index and length pairs a node checks as `index + length > size`, which overflows a 32-bit int: a length near
 * 2^31 passes that check and the agent reads past the array or the stack, then hands out refs to garbage. The
 * shield answers what the node would for an index or length out of range. A repeat's count is its length.
 */
const RANGES: Readonly<Record<string, readonly [string, string]>> = {
  'ArrayReference.GetValues': ['firstIndex', 'length'],
  'ArrayReference.SetValues': ['firstIndex', 'values'],
  'ThreadReference.Frames': ['startFrame', 'length'],
};
const INT_MAX = 0x7fffffff;
const rangeOffsets = new Map<string, readonly [number, number]>();

/** The byte offsets of a command's index and length fields on the debugger's side. */
function offsetsOf(info: CommandInfo, names: readonly [string, string]): readonly [number, number] {
  let known = rangeOffsets.get(info.fullName);
  if (known) return known;
  known = [offsetOf(info.out.fields, [names[0]], VIRTUAL_SIZES), offsetOf(info.out.fields, [names[1]], VIRTUAL_SIZES)];
  rangeOffsets.set(info.fullName, known);
  return known;
}

/** Throws INVALID_INDEX or INVALID_LENGTH for an index or length no node could serve. */
function checkRanges(info: CommandInfo, data: Buffer): void {
  const names = RANGES[info.fullName];
  if (!names) return;
  const [indexAt, lengthAt] = offsetsOf(info, names);
  if (data.length < lengthAt + 4) return;
  const index = data.readInt32BE(indexAt);
  const length = data.readInt32BE(lengthAt);
  if (index < 0) throw new ProxyError(E.INVALID_INDEX, `${info.fullName}: negative index ${index}`);
  if (length < -1 || index + length > INT_MAX) throw new ProxyError(E.INVALID_LENGTH, `${info.fullName}: length ${length} from ${index}`);
}

const SUSPEND_POLICIES: ReadonlySet<number> = new Set(Object.values(JDWP.SuspendPolicy));
const hasPolicy = new Map<string, boolean>();

/**
 * Throws ILLEGAL_ARGUMENT for a suspend policy that is none of NONE, EVENT_THREAD and ALL. A node takes any
 * byte and suspends the event thread at each hit; the proxy resumes an event nobody sees by its policy, and
 * knows only those three, so that thread would stay suspended.
 */
function checkSuspendPolicy(info: CommandInfo, data: Buffer): void {
  let has = hasPolicy.get(info.fullName);
  if (has === undefined) hasPolicy.set(info.fullName, (has = (info.spec.out ?? []).some((f) => f.name === 'suspendPolicy')));
  if (!has) return;
  const { suspendPolicy } = info.out.decode(data, 0, data.length, VIRTUAL_SIZES) as unknown as { suspendPolicy: number };
  if (!SUSPEND_POLICIES.has(suspendPolicy)) throw new ProxyError(E.ILLEGAL_ARGUMENT, `${info.fullName}: suspend policy ${suspendPolicy} is none of NONE, EVENT_THREAD and ALL`);
}

/** Per cluster: each object's type as a node told it, and each type's supertypes (itself included). */
interface Learned {
  objectTypes: Map<bigint, VType>;
  supers: WeakMap<VType, Set<VType>>;
}
const LEARNED = new WeakMap<Cluster, Learned>();
/** Object types remembered before the oldest are forgotten. */
const OBJECT_TYPE_LIMIT = 100_000;

function learned(cluster: Cluster): Learned {
  let l = LEARNED.get(cluster);
  if (!l) LEARNED.set(cluster, (l = { objectTypes: new Map(), supers: new WeakMap() }));
  return l;
}

function errorFor(kind: IdKind, info: CommandInfo): number {
  if (kind === 'arrayTypeID' && info.spec.errors.includes('INVALID_ARRAY')) return E.INVALID_ARRAY;
  return foreignIdError(kind, { errors: info.spec.errors });
}

function refuse(kind: IdKind, info: CommandInfo, why: string): ProxyError {
  return new ProxyError(errorFor(kind, info), `${info.fullName}: ${why}`);
}

/** The kind the proxy knows an object ID to be, or undefined. */
function knownKind(cluster: Cluster, id: bigint): IdKind | undefined {
  if (slotOf(id) === 0) {
    if (id === ROOT_GROUP || cluster.objects.groupSlot(id) !== undefined) return 'threadGroupID';
    if (cluster.objects.isString(id)) return 'stringID';
  }
  return cluster.translator.facts.kindOf(id);
}

/** True if `sub` is `sup` or has it among its supertypes; undefined when the supertypes are not known yet. */
function isSubtype(l: Learned, sub: VType, sup: VType): boolean | undefined {
  if (sub === sup) return true;
  return l.supers.get(sub)?.has(sup);
}

/** The type the field IDs of a command belong to: the nearest type ID before them, or the object's type. */
function contextAt(l: Learned, info: CommandInfo, ids: IdList, i: number, cluster: Cluster): VType | undefined | null {
  if (INSTANCE_FIELDS.has(info.fullName)) return l.objectTypes.get(ids.values[0]) ?? null;
  for (let j = i - 1; j >= 0; j--) if (isRefType(ids.kinds[j])) return cluster.registry.byId.get(ids.values[j]);
  return undefined;
}

/**
 * Checks the IDs of a command from index `from` on. Throws the JDWP error of the first bad one; returns -1 when
 * all pass, or the index of an ID whose check needs a fact from a node first (see learnFor).
 */
function checkFrom(cluster: Cluster, info: CommandInfo, ids: IdList, from: number): number {
  const name = info.fullName;
  if (NULL_OK.has(name)) return -1;
  const l = learned(cluster);
  const registry = cluster.registry;
  for (let i = from; i < ids.kinds.length; i++) {
    const kind = ids.kinds[i];
    // A value may be null and carries its own tag; a frame ID is a counter of its thread's frames, and 0 is one.
    if (ids.tagged[i] || kind === 'frameID') continue;
    const v = ids.values[i];
    if (v === 0n) {
      if (isRefType(kind) && NULL_TYPE_OK.has(name)) continue;
      throw refuse(kind, info, `null ${kind}`);
    }
    if (livesOnNode(kind)) {
      const expected = NARROWER[name] ?? kind;
      if (expected === 'objectID') continue;
      const known = knownKind(cluster, v);
      if (known !== undefined) {
        if (known !== expected) throw refuse(expected, info, `${v} is a ${known}, not a ${expected}`);
      } else {
        // HotSpot checks threads, groups, loaders, strings and arrays itself, but not class objects or modules.
        const signature = UNCHECKED_BY_NODE[expected];
        if (signature === undefined) continue;
        const type = l.objectTypes.get(v);
        if (!type) return i;
        if (type.signature !== signature) throw refuse(expected, info, `${v} is a ${type.signature}, not a ${signature}`);
      }
    } else if (isRefType(kind)) {
      const vtype = registry.byId.get(v);
      if (!vtype) throw refuse(kind, info, `unknown reference type ${v}`);
      const tag = TYPE_TAG_OF[kind];
      if (tag !== undefined && vtype.tag !== tag) throw refuse(kind, info, `${vtype.signature} is not a ${kind}`);
    } else if (kind === 'methodID') {
      const method = registry.methods.get(v);
      if (!method) throw refuse(kind, info, `unknown method ${v}`);
      const owner = contextAt(l, info, ids, i, cluster);
      if (!owner) continue;
      const ok = isSubtype(l, owner, method.vtype);
      if (ok === undefined) return i;
      if (!ok) throw refuse(kind, info, `${method.vtype.signature}.${method.name} is not a method of ${owner.signature}`);
    } else if (kind === 'fieldID') {
      const field = registry.fields.get(v);
      if (!field) throw refuse(kind, info, `unknown field ${v}`);
      const isStatic = (field.modBits & ACC_STATIC) !== 0;
      if (STATIC_FIELDS.has(name) && !isStatic) throw refuse(kind, info, `${field.name} is not a static field`);
      if (INSTANCE_FIELDS.has(name) && isStatic) throw refuse(kind, info, `${field.name} is a static field`);
      const owner = contextAt(l, info, ids, i, cluster);
      if (owner === null) return i;
      if (!owner) continue;
      const ok = isSubtype(l, owner, field.vtype);
      if (ok === undefined) return i;
      if (!ok) throw refuse(kind, info, `${field.vtype.signature}.${field.name} is not a field of ${owner.signature}`);
    }
  }
  return -1;
}

/** Asks a node for an object's type, once. */
async function objectType(cluster: Cluster, id: bigint, kind: IdKind, info: CommandInfo): Promise<VType> {
  const l = learned(cluster);
  const known = l.objectTypes.get(id);
  if (known) return known;
  let type: VType | undefined;
  if (slotOf(id) === 0) {
    const link = cluster.focusOrFirst();
    if (!cluster.objects.isString(id) || !link) throw refuse(kind, info, `${id} is not an object of any node`);
    const classes = await link.classesBySignature(STRING_SIGNATURE);
    if (classes.length) type = await cluster.registry.resolve(link, classes[0].typeID, { signature: STRING_SIGNATURE, tag: classes[0].refTypeTag });
  } else {
    const link = cluster.link(slotOf(id));
    const raw = link?.ids.toRaw(id);
    if (!link || raw === undefined) throw refuse(kind, info, `${id} belongs to no live node`);
    const { refTypeTag, typeID } = await link.client.ObjectReference.ReferenceType(raw as never);
    type = await cluster.registry.resolve(link, typeID, { tag: refTypeTag });
  }
  if (!type) throw refuse(kind, info, `the type of ${id} is not known`);
  learnObjectType(cluster, id, type);
  return type;
}

/** Remembers an object's type, as a node gave it (to the shield, or to the debugger's ObjectReference.ReferenceType). */
export function learnObjectType(cluster: Cluster, id: bigint, type: VType): void {
  const l = learned(cluster);
  if (l.objectTypes.size >= OBJECT_TYPE_LIMIT) l.objectTypes.delete(l.objectTypes.keys().next().value as bigint);
  l.objectTypes.set(id, type);
  if (type.signature === CLASS_SIGNATURE) cluster.translator.facts.learn(id, 'classObjectID');
  else if (type.signature === STRING_SIGNATURE) cluster.translator.facts.learn(id, 'stringID');
  else if (type.signature === MODULE_SIGNATURE) cluster.translator.facts.learn(id, 'moduleID');
  else if (type.signature.startsWith('[')) cluster.translator.facts.learn(id, 'arrayID');
}

/** A type's supertypes (itself, its superclasses, every interface it implements), asked of a node that runs it. */
async function supertypes(cluster: Cluster, vtype: VType): Promise<Set<VType>> {
  const l = learned(cluster);
  const known = l.supers.get(vtype);
  if (known) return known;
  const link = vtype.memberNode(cluster.focus);
  const all = new Set<VType>([vtype]);
  if (link) {
    const queue = [vtype];
    while (queue.length) {
      const t = queue.pop()!;
      const raw = t.members.get(link) ?? (await cluster.registry.ensureOn(t, link));
      if (raw === undefined) continue;
      // The superclass and the interfaces together, and their types together: one round trip per level.
      const [superclass, interfaces] = await Promise.all([
        t.tag !== JDWP.TypeTag.INTERFACE ? link.client.ClassType.Superclass(raw as never).then((r) => r.superclass) : undefined,
        t.tag !== JDWP.TypeTag.ARRAY ? link.client.ReferenceType.Interfaces(raw as ReferenceTypeID).then((r) => r.interfaces) : [],
      ]);
      const next = superclass ? [superclass, ...interfaces] : interfaces;
      for (const s of await Promise.all(next.map((n) => cluster.registry.resolve(link, n)))) {
        if (!all.has(s)) {
          all.add(s);
          queue.push(s);
        }
      }
    }
  }
  l.supers.set(vtype, all);
  return all;
}

/** Learns from a node what the check of ID i needs: the type of the object, or the supertypes of the owner type. */
async function learnFor(cluster: Cluster, info: CommandInfo, ids: IdList, i: number): Promise<void> {
  const l = learned(cluster);
  const kind = ids.kinds[i];
  if (livesOnNode(kind)) {
    await objectType(cluster, ids.values[i], kind, info);
    return;
  }
  let owner = contextAt(l, info, ids, i, cluster);
  if (owner === null) owner = await objectType(cluster, ids.values[0], 'objectID', info);
  // Knowing the object's type may be enough (a field of its own class): walk its supertypes only if not.
  if (owner && checkFrom(cluster, info, ids, i) === i) await supertypes(cluster, owner);
}

/**
 * The checks of the hot path: true when every ID of the command passed without asking a node; false when the
 * general path must check (a check needs a node's answer, or an ID is bad and the general path answers its error).
 */
export function passesNow(cluster: Cluster, info: CommandInfo, data: Buffer, ids: IdList): boolean {
  try {
    checkRanges(info, data);
    return checkFrom(cluster, info, ids, 0) < 0;
  } catch {
    return false;
  }
}

/**
 * Checks a debugger command before anything of it reaches a node: the packet decodes exactly against the table,
 * and every ID passes (asking a node for an object's type or a type's supertypes where needed, once). Throws
 * the JDWP error the command gets.
 */
export async function checkCommand(cluster: Cluster, info: CommandInfo, data: Buffer): Promise<void> {
  checkRanges(info, data);
  checkSuspendPolicy(info, data);
  let untaggedTag: number | undefined;
  if (info.fullName === 'ArrayReference.SetValues') {
    const width = VIRTUAL_SIZES.objectIDSize;
    if (data.length < width) throw new ProxyError(E.ILLEGAL_ARGUMENT, `${info.fullName}: truncated`);
    const array = readIdAt(data, 0, width);
    if (array === 0n) throw refuse('arrayID', info, 'null arrayID');
    const type = await objectType(cluster, array, 'arrayID', info);
    if (!type.signature.startsWith('[')) throw refuse('arrayID', info, `${array} is a ${type.signature}, not an array`);
    untaggedTag = tagOfSignature(type.signature.slice(1));
  }
  const ids = cluster.translator.collect(info.out, data, { untaggedTag });
  let i = checkFrom(cluster, info, ids, 0);
  while (i >= 0) {
    await learnFor(cluster, info, ids, i);
    const next = checkFrom(cluster, info, ids, i);
    if (next === i) throw refuse(ids.kinds[i], info, `${ids.kinds[i]} ${ids.values[i]} could not be checked`);
    i = next;
  }
}
