import { CONSTANTS } from '../protocol/spec-table';
import { ID_KINDS, isRefType, livesOnNode, type IdKind } from '../protocol/kinds';
import { idWidth, type IdVisitor, type Layout } from '../codec/layout';
import { readIdAt } from '../codec/reader';
import { writeIdAt } from '../codec/writer';
import { tagOfSignature } from '../codec/tags';
import { DEFAULT_ID_SIZES, type IdSizes } from '../protocol/wire-types';
import { IdFacts } from './id-facts';
import { slotOf } from './ids';
import type { NodeLink } from './node-link';
import type { ProxyObjects } from './proxy-objects';
import type { TypeRegistry, VType } from './type-registry';

const E = CONSTANTS.Error;

/** A JDWP error the proxy answers with, instead of forwarding a command. */
export class ProxyError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ProxyError';
  }
}

/** The error a debugger gets for an ID of the wrong node or of a node that left. */
export function invalidIdError(kind: IdKind): number {
  return INVALID_ID_ERRORS[kind];
}

const INVALID_ID_ERRORS = Object.fromEntries(
  Object.entries(ID_KINDS).map(([kind, { invalid }]) => {
    const code = (E as Record<string, number>)[invalid];
    if (code === undefined) throw new Error(`${kind}: ${invalid} is not a JDWP error`);
    return [kind, code];
  }),
) as Record<IdKind, number>;

/** The widths the virtual VM serves: HotSpot's, every ID 8 bytes. */
export const VIRTUAL_SIZES: Readonly<IdSizes> = DEFAULT_ID_SIZES;

const SIZE_NAMES = Object.keys(VIRTUAL_SIZES) as (keyof IdSizes)[];

function sameAsVirtual(s: IdSizes): boolean {
  for (const n of SIZE_NAMES) if (s[n] !== VIRTUAL_SIZES[n]) return false;
  return true;
}

/** The IDs of a packet in wire order, with their kinds, offsets, widths and values. */
export class IdList implements IdVisitor {
  readonly kinds: IdKind[] = [];
  readonly offsets: number[] = [];
  readonly widths: number[] = [];
  readonly values: bigint[] = [];
  /** True for an object in a tagged or untagged value (which may be null and carries its own tag). */
  readonly tagged: boolean[] = [];

  constructor(
    private readonly buf: Buffer,
    private readonly tagOf: (list: IdList) => number,
  ) {}

  id(kind: IdKind, offset: number, width: number, tagged = false): void {
    this.kinds.push(kind);
    this.tagged.push(tagged);
    this.offsets.push(offset);
    this.widths.push(width);
    this.values.push(readIdAt(this.buf, offset, width));
  }

  untaggedTag(): number {
    return this.tagOf(this);
  }
}

/** Writes the mapped IDs: in place when the widths agree, else into a new buffer with the bytes between them copied. */
function rewrite(buf: Buffer, pos: number, end: number, list: IdList, mapped: bigint[], outWidth: (kind: IdKind) => number, inPlace: boolean): Buffer {
  if (inPlace) {
    for (let i = 0; i < mapped.length; i++) writeIdAt(buf, list.offsets[i], list.widths[i], mapped[i]);
    return buf.subarray(pos, end);
  }
  let size = end - pos;
  for (let i = 0; i < mapped.length; i++) size += outWidth(list.kinds[i]) - list.widths[i];
  const out = Buffer.allocUnsafe(size);
  let from = pos;
  let to = 0;
  for (let i = 0; i < mapped.length; i++) {
    to += buf.copy(out, to, from, list.offsets[i]);
    const w = outWidth(list.kinds[i]);
    writeIdAt(out, to, w, mapped[i]);
    to += w;
    from = list.offsets[i] + list.widths[i];
  }
  buf.copy(out, to, from, end);
  return out;
}

function widthFor(s: IdSizes): (kind: IdKind) => number {
  return (kind) => idWidth(kind, s);
}

const noUntagged = (): number => {
  throw new ProxyError(E.INTERNAL, 'untagged value without a known type');
};

/** Options of a translation toward the virtual side. */
export interface ToVirtualOptions {
  /** The raw type that gives field IDs their meaning when no type ID precedes them (ReferenceType.Fields). */
  contextType?: bigint;
  /** Mark the types in the packet as seen by the debugger. */
  announce?: boolean;
}

/** Options of a translation toward a node. */
export interface ToNodeOptions {
  /** The tag of untagged values not preceded by a field ID (ArrayReference.SetValues). */
  untaggedTag?: number;
  /**
   * The errors the command may answer, as the spec lists them: an ID of another node answers the error of its
   * kind when the list has it (INVALID_THREAD for a thread), else INVALID_OBJECT (a String passed as a value).
   */
  errors?: readonly string[];
}

/** The error of an object ID that does not fit: the error of its kind if the command lists it, else INVALID_OBJECT. */
export function foreignIdError(kind: IdKind, options: ToNodeOptions): number {
  const { invalid, onNode } = ID_KINDS[kind];
  if (!options.errors || !onNode) return invalidIdError(kind);
  return !options.errors.includes(invalid) && options.errors.includes(ID_KINDS.objectID.invalid) ? E.INVALID_OBJECT : invalidIdError(kind);
}

/**
 * Rewrites the IDs of packets between the virtual VM and one node, as the protocol table lays them out: in place
 * when the widths allow, resolving IDs the proxy has not seen before (types, methods, fields) first.
 */
export class Translator {
  /** The kind of each object ID the debugger was given, and how many times it was given it. */
  readonly facts = new IdFacts();

  constructor(
    private readonly registry: TypeRegistry,
    private readonly objects: ProxyObjects,
  ) {}

  /**
   * Node IDs to virtual IDs. Unknown reference types, methods and fields are resolved on the node first; when
   * there are none, the rewrite happens at once and a Buffer (not a promise) comes back.
   */
  packetToVirtual(node: NodeLink, layout: Layout, buf: Buffer, options: ToVirtualOptions = {}, pos = 0, end = buf.length): Buffer | Promise<Buffer> {
    const list = new IdList(buf, noUntagged);
    layout.walk(buf, pos, end, node.client.sizes, list);
    const pending = this.pendingToVirtual(node, list, options.contextType);
    if (pending.length) return Promise.all(pending).then(() => this.rewriteToVirtual(node, list, options, buf, pos, end));
    return this.rewriteToVirtual(node, list, options, buf, pos, end);
  }

  private rewriteToVirtual(node: NodeLink, list: IdList, options: ToVirtualOptions, buf: Buffer, pos: number, end: number): Buffer {
    const mapped = new Array<bigint>(list.values.length);
    let context = options.contextType ?? 0n;
    for (let i = 0; i < mapped.length; i++) {
      const kind = list.kinds[i];
      const raw = list.values[i];
      if (raw === 0n) {
        mapped[i] = 0n;
      } else if (isRefType(kind)) {
        context = raw;
        const vtype = node.types.get(raw);
        if (!vtype) throw new ProxyError(E.INVALID_CLASS, `${node.name}: type ${raw} could not be resolved`);
        if (options.announce) vtype.knownToDebugger = true;
        mapped[i] = vtype.vid;
      } else if (kind === 'methodID') {
        const vm = node.methods.get(raw);
        if (!vm) throw new ProxyError(E.INVALID_METHODID, `${node.name}: method ${raw} could not be resolved`);
        mapped[i] = vm.vid;
      } else if (kind === 'fieldID') {
        const vf = node.fields.get(`${context}:${raw}`);
        if (!vf) throw new ProxyError(E.INVALID_FIELDID, `${node.name}: field ${raw} could not be resolved`);
        mapped[i] = vf.vid;
      } else {
        mapped[i] = (kind !== 'frameID' && this.objects.virtualOf(node, raw)) || node.ids.toVirtual(raw);
        if (kind !== 'frameID') this.facts.handed(mapped[i], kind);
      }
    }
    return rewrite(buf, pos, end, list, mapped, widthFor(VIRTUAL_SIZES), sameAsVirtual(node.client.sizes));
  }

  private pendingToVirtual(node: NodeLink, list: IdList, contextType: bigint | undefined): Promise<unknown>[] {
    const pending: Promise<unknown>[] = [];
    let context = contextType ?? 0n;
    for (let i = 0; i < list.values.length; i++) {
      const kind = list.kinds[i];
      const raw = list.values[i];
      if (raw === 0n) continue;
      if (isRefType(kind)) {
        context = raw;
        if (!node.types.has(raw)) pending.push(this.registry.resolve(node, raw));
      } else if (kind === 'methodID') {
        if (!node.methods.has(raw)) {
          const owner = context;
          pending.push(this.registry.resolve(node, owner).then((vt) => (node.methods.has(raw) ? undefined : this.registry.methodsOn(vt, node, vt.methodLoads.has(node)))));
        }
      } else if (kind === 'fieldID') {
        if (!node.fields.has(`${context}:${raw}`)) {
          const owner = context;
          pending.push(this.registry.resolve(node, owner).then((vt) => this.registry.fieldsOn(vt, node)));
        }
      }
    }
    return pending;
  }

  /** The IDs of a virtual packet (the debugger's side), walked once. */
  collect(layout: Layout, buf: Buffer, options: ToNodeOptions = {}): IdList {
    const list = new IdList(buf, (l) => this.untaggedTag(l, options));
    layout.walk(buf, 0, buf.length, VIRTUAL_SIZES, list);
    return list;
  }

  /**
   * Virtual IDs to a node's IDs. An ID of another node answers the INVALID_* error of its kind. When nothing needs
   * resolving on the node first, the rewrite happens at once and a Buffer (not a promise) comes back.
   */
  packetToNode(node: NodeLink, layout: Layout, buf: Buffer, options: ToNodeOptions = {}, list: IdList = this.collect(layout, buf, options)): Buffer | Promise<Buffer> {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < list.values.length; i++) {
      const kind = list.kinds[i];
      const v = list.values[i];
      if (v === 0n) continue;
      if (livesOnNode(kind)) {
        const slot = slotOf(v);
        if (slot === 0 && this.objects.isString(v)) pending.push(this.objects.materialize(v, node));
        else if (slot !== node.slot) throw new ProxyError(foreignIdError(kind, options), `${kind} ${v} does not belong to ${node.name}`);
      } else if (isRefType(kind)) {
        const vtype = this.type(v);
        if (!vtype.members.has(node)) pending.push(this.registry.ensureOn(vtype, node));
      } else if (kind === 'methodID') {
        const vm = this.registry.methods.get(v);
        if (!vm) throw new ProxyError(E.INVALID_METHODID, `unknown method ${v}`);
        if (!vm.raw.has(node)) pending.push(this.registry.ensureOn(vm.vtype, node).then(() => this.registry.methodsOn(vm.vtype, node)));
      } else if (kind === 'fieldID') {
        const vf = this.registry.fields.get(v);
        if (!vf) throw new ProxyError(E.INVALID_FIELDID, `unknown field ${v}`);
        if (!vf.raw.has(node)) pending.push(this.registry.ensureOn(vf.vtype, node).then(() => this.registry.fieldsOn(vf.vtype, node)));
      }
    }
    if (pending.length) return Promise.all(pending).then(() => this.rewriteToNode(node, list, buf, options));
    return this.rewriteToNode(node, list, buf, options);
  }

  private rewriteToNode(node: NodeLink, list: IdList, buf: Buffer, options: ToNodeOptions): Buffer {
    const mapped = new Array<bigint>(list.values.length);
    for (let i = 0; i < mapped.length; i++) {
      const kind = list.kinds[i];
      const v = list.values[i];
      let raw: bigint | undefined;
      if (v === 0n) raw = 0n;
      else if (livesOnNode(kind)) raw = slotOf(v) === 0 ? this.objects.rawOn(v, node) : node.ids.toRaw(v);
      else if (isRefType(kind)) raw = this.type(v).members.get(node);
      else if (kind === 'methodID') raw = this.registry.methods.get(v)!.raw.get(node);
      else raw = this.registry.fields.get(v)!.raw.get(node);
      if (raw === undefined) throw new ProxyError(foreignIdError(kind, options), `${kind} ${v} is not known on ${node.name}`);
      mapped[i] = raw;
    }
    const sizes = node.client.sizes;
    return rewrite(buf, 0, buf.length, list, mapped, widthFor(sizes), sameAsVirtual(sizes));
  }

  private type(v: bigint): VType {
    const vtype = this.registry.byId.get(v);
    if (!vtype) throw new ProxyError(E.INVALID_CLASS, `unknown reference type ${v}`);
    return vtype;
  }

  private untaggedTag(list: IdList, options: ToNodeOptions): number {
    for (let i = list.kinds.length - 1; i >= 0; i--) {
      if (list.kinds[i] === 'fieldID') {
        const vf = this.registry.fields.get(list.values[i]);
        if (!vf) throw new ProxyError(E.INVALID_FIELDID, `unknown field ${list.values[i]}`);
        return tagOfSignature(vf.signature);
      }
    }
    if (options.untaggedTag !== undefined) return options.untaggedTag;
    return noUntagged();
  }
}
