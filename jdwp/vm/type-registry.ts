import type { ReferenceTypeID } from '../protocol/wire-types';
import { JDWP, type CommandInfo } from '../registry';
import type { NodeLink } from './node-link';
import { computeSymbol, type MethodRow, type SymbolFacts } from './symbols';
import { TypeAhead, type FieldRow, type ReplySink } from './type-ahead';

const ACC_INTERFACE = 0x200;

/** The replies that list a type's members, and which. */
const MEMBER_REPLIES: Readonly<Record<string, 'fields' | 'methods'>> = {
  'ReferenceType.Fields': 'fields',
  'ReferenceType.FieldsWithGeneric': 'fields',
  'ReferenceType.Methods': 'methods',
  'ReferenceType.MethodsWithGeneric': 'methods',
};

/** A method of a virtual type; its ID maps to one raw method ID per node, by name and signature. */
export class VMethod {
  readonly raw = new Map<NodeLink, bigint>();
  constructor(
    readonly vid: bigint,
    readonly vtype: VType,
    readonly name: string,
    readonly signature: string,
    readonly modBits: number,
  ) {}
}

/** A field of a virtual type; its ID maps to one raw field ID per node, by name and signature. */
export class VField {
  readonly raw = new Map<NodeLink, bigint>();
  constructor(
    readonly vid: bigint,
    readonly vtype: VType,
    readonly name: string,
    readonly signature: string,
    readonly modBits: number,
  ) {}
}

/** One virtual reference type: a (signature, symbol hash) pair, with its raw type ID on each node that loaded it. */
export class VType {
  /** Raw type ID per node. */
  readonly members = new Map<NodeLink, bigint>();
  methods: VMethod[] | undefined;
  readonly methodsByKey = new Map<string, VMethod>();
  fields: VField[] | undefined;
  readonly fieldsByKey = new Map<string, VField>();
  /** Set once the debugger has been sent this type's ID. */
  knownToDebugger = false;
  readonly methodLoads = new Map<NodeLink, Promise<void>>();
  readonly fieldLoads = new Map<NodeLink, Promise<void>>();
  /** Nodes asked for this type's immutable data ahead (TypeAhead). */
  readonly aheadOn = new Set<NodeLink>();

  constructor(
    readonly vid: bigint,
    readonly signature: string,
    readonly tag: number,
    public symbolHash: string,
    readonly basis: SymbolFacts['basis'],
  ) {}

  /** A live node that has this type, preferring `preferred`. */
  memberNode(preferred?: NodeLink): NodeLink | undefined {
    if (preferred && !preferred.down && this.members.has(preferred)) return preferred;
    for (const n of this.members.keys()) if (!n.down) return n;
    return undefined;
  }
}

/** Errors that a class's bytes decide: no such attribute (source file, debug extension, tables), a native method. */
const SYMBOL_ERRORS = new Set<number>([JDWP.Error.ABSENT_INFORMATION, JDWP.Error.NATIVE_METHOD]);

/** The reply cache's key of a command about a virtual type, by its virtual out data. */
export function replyKey(vtypeId: bigint, info: CommandInfo, data: Buffer): string {
  return `${vtypeId}:${info.key}:${data.toString('latin1')}`;
}

/** Logs a line. */
export type Logger = (line: string) => void;

/**
 * Every virtual type, method and field of the proxy. Types are merged across nodes by symbol: identical code
 * on many nodes is one type, and two versions of a class are two types. Symbols are computed lazily, per
 * (node, type), with their requests pipelined, and cached.
 */
export class TypeRegistry {
  readonly byId = new Map<bigint, VType>();
  private readonly byKey = new Map<string, VType>();
  private readonly bySignature = new Map<string, Set<VType>>();
  readonly methods = new Map<bigint, VMethod>();
  readonly fields = new Map<bigint, VField>();
  /** Replies of commands whose answer is fixed per symbol, keyed by command and virtual out data. */
  readonly replyCache = new Map<string, Buffer>();
  /** Errors of those commands that are fixed per symbol (ABSENT_INFORMATION, NATIVE_METHOD), keyed alike. */
  readonly errorCache = new Map<string, number>();
  /** Counts redefinitions: replies fetched ahead across one are not kept. */
  private epoch = 0;
  private nextTypeId = 1n;
  private nextMethodId = 1n;
  private nextFieldId = 1n;

  /** Every virtual type with this signature. */
  withSignature(signature: string): VType[] {
    return [...(this.bySignature.get(signature) ?? [])];
  }

  /** The virtual type of a raw type on a node, computing its symbol on first sight. */
  resolve(node: NodeLink, raw: bigint, hint?: { signature?: string; tag?: number }): Promise<VType> {
    const known = node.typePromises.get(raw);
    if (known) return known;
    const p = this.resolveNew(node, raw, hint);
    node.typePromises.set(raw, p);
    p.catch(() => node.typePromises.delete(raw));
    return p;
  }

  /**
   * A type's symbol in as few round trips as the protocol allows. A type met without its signature (a frame's
   * location, an object's type) is asked for its signature, modifiers, members and the rest of its immutable data in
   * one flight (TypeAhead): that is what the debugger asks next, and a user class needs its methods for the hash.
   * The constant pool and every method's bytecodes then go together. So a JDK type costs one round trip, a user
   * class two, and the debugger's own questions about the type are answered from the reply cache.
   */
  private async resolveNew(node: NodeLink, raw: bigint, hint?: { signature?: string; tag?: number }): Promise<VType> {
    const type = raw as ReferenceTypeID;
    let signature = hint?.signature;
    let tag = hint?.tag;
    const epoch = this.epoch;
    const ahead = signature === undefined ? new TypeAhead(node, raw) : undefined;
    if (signature === undefined || tag === undefined) {
      const [sig, mods] = await Promise.all([
        ahead ? ahead.signature : Promise.resolve(signature!),
        tag === undefined ? node.client.ReferenceType.Modifiers(type).then((r) => r.modBits) : Promise.resolve(0),
      ]);
      signature = sig;
      if (tag === undefined) {
        tag = sig.startsWith('[') ? JDWP.TypeTag.ARRAY : mods & ACC_INTERFACE ? JDWP.TypeTag.INTERFACE : JDWP.TypeTag.CLASS;
      }
    }
    const facts = await computeSymbol(
      node,
      raw,
      signature,
      async (elementSig) => {
        const classes = await node.classesBySignature(elementSig);
        if (classes.length !== 1) return undefined;
        return (await this.resolve(node, classes[0].typeID, { signature: elementSig, tag: classes[0].refTypeTag })).symbolHash;
      },
      ahead?.methods,
    );
    const vtype = this.intern(node, raw, signature, tag, facts);
    const rows = facts.methods ?? (await ahead?.methods);
    if (rows) this.mapMethods(vtype, node, rows);
    const fieldRows = await ahead?.fields;
    if (fieldRows) this.mapFields(vtype, node, raw, fieldRows);
    if (ahead) this.keepAhead(vtype, node, ahead, epoch);
    return vtype;
  }

  /**
   * Fetches ahead the immutable data of a type the debugger has started asking about (its first cached command
   * that missed), on the node that answers it: its next questions about the type are then answered at once.
   */
  fetchAhead(vtype: VType, node: NodeLink): void {
    const raw = vtype.members.get(node);
    if (raw === undefined || vtype.aheadOn.has(node)) return;
    vtype.aheadOn.add(node);
    const epoch = this.epoch;
    const ahead = new TypeAhead(node, raw);
    void Promise.all([ahead.methods, ahead.fields])
      .then(([methods, fields]) => {
        if (methods && !vtype.methodLoads.has(node)) this.mapMethods(vtype, node, methods);
        if (fields && !vtype.fieldLoads.has(node)) this.mapFields(vtype, node, raw, fields);
        this.keepAhead(vtype, node, ahead, epoch);
      })
      .catch(() => undefined);
  }

  /** Keeps the replies a TypeAhead fetched in the reply cache, unless the type is redefined meanwhile. */
  private keepAhead(vtype: VType, node: NodeLink, ahead: TypeAhead, epoch: number): void {
    vtype.aheadOn.add(node);
    const raw = vtype.members.get(node);
    const sink: ReplySink = {
      key: replyKey,
      keep: (key, reply) => {
        if (this.epoch === epoch && !this.replyCache.has(key)) this.replyCache.set(key, reply);
      },
      keepError: (key, errorCode) => {
        if (this.epoch === epoch) this.keepError(key, errorCode);
      },
    };
    const ids = { vid: vtype.vid, method: (m: bigint) => node.methods.get(m)?.vid, field: (f: bigint) => node.fields.get(`${raw}:${f}`)?.vid };
    void ahead.keepReplies(ids, sink).catch(() => undefined);
  }

  /** Remembers that a cached command about a symbol answers an error, when that error is a fact of the class. */
  keepError(key: string, errorCode: number): void {
    if (SYMBOL_ERRORS.has(errorCode)) this.errorCache.set(key, errorCode);
  }

  private intern(node: NodeLink, raw: bigint, signature: string, tag: number, facts: SymbolFacts): VType {
    let key = `${signature}#${facts.hash}`;
    let vtype = this.byKey.get(key);
    for (let n = 2; vtype && vtype.members.has(node) && vtype.members.get(node) !== raw; n++) {
      key = `${signature}#${facts.hash}#${n}`;
      vtype = this.byKey.get(key);
    }
    if (!vtype) {
      vtype = new VType(this.nextTypeId++, signature, tag, facts.hash, facts.basis);
      this.byId.set(vtype.vid, vtype);
      this.byKey.set(key, vtype);
      let set = this.bySignature.get(signature);
      if (!set) this.bySignature.set(signature, (set = new Set()));
      set.add(vtype);
    }
    vtype.members.set(node, raw);
    node.types.set(raw, vtype);
    return vtype;
  }

  /** The raw ID of a virtual type on a node, looking it up there if the proxy has not seen it yet. */
  async ensureOn(vtype: VType, node: NodeLink): Promise<bigint | undefined> {
    const known = vtype.members.get(node);
    if (known !== undefined || node.down) return known;
    const classes = await node.classesBySignature(vtype.signature);
    await Promise.all(classes.map((c) => this.resolve(node, c.typeID, { signature: vtype.signature, tag: c.refTypeTag })));
    return vtype.members.get(node);
  }

  private mapMethods(vtype: VType, node: NodeLink, rows: MethodRow[]): void {
    if (!vtype.methods) {
      vtype.methods = rows.map((m) => {
        const vm = new VMethod(this.nextMethodId++, vtype, m.name, m.signature, m.modBits);
        this.methods.set(vm.vid, vm);
        vtype.methodsByKey.set(m.name + m.signature, vm);
        return vm;
      });
    }
    for (const m of rows) {
      const vm = vtype.methodsByKey.get(m.name + m.signature);
      if (!vm) continue;
      vm.raw.set(node, m.methodID);
      node.methods.set(m.methodID, vm);
    }
    vtype.methodLoads.set(node, Promise.resolve());
  }

  /** Runs a per-node load of a type's members once (again when `reload`), sharing it with concurrent callers. */
  private loadOnce(loads: Map<NodeLink, Promise<void>>, node: NodeLink, reload: boolean, load: () => Promise<void>): Promise<void> {
    let p = reload ? undefined : loads.get(node);
    if (!p) {
      p = load();
      loads.set(node, p);
      p.catch(() => loads.delete(node));
    }
    return p;
  }

  /**
   * Maps the members a node's reply to ReferenceType.Fields or Methods (or their WithGeneric forms) lists, before
   * the reply is translated, so that its IDs need no second request. Once per type and node.
   */
  learnMembers(node: NodeLink, info: CommandInfo, vtype: VType, data: Buffer): void {
    const kind = MEMBER_REPLIES[info.fullName];
    const raw = vtype.members.get(node);
    if (!kind || raw === undefined || (kind === 'fields' ? vtype.fieldLoads : vtype.methodLoads).has(node)) return;
    const { declared } = info.reply!.decode(data, 0, data.length, node.client.sizes) as unknown as { declared: Array<FieldRow & MethodRow> };
    if (kind === 'fields') this.mapFields(vtype, node, raw, declared);
    else this.mapMethods(vtype, node, declared);
  }

  /** Makes sure the methods of a virtual type are mapped on a node (after its symbol is known there). */
  methodsOn(vtype: VType, node: NodeLink, reload = false): Promise<void> {
    const raw = vtype.members.get(node);
    if (raw === undefined) return Promise.resolve();
    return this.loadOnce(vtype.methodLoads, node, reload, async () => {
      const { declared } = await node.client.ReferenceType.Methods(raw as ReferenceTypeID);
      this.mapMethods(vtype, node, declared.map((m) => ({ methodID: m.methodID, name: m.name, signature: m.signature, modBits: m.modBits })));
    });
  }

  /** Makes sure the fields of a virtual type are mapped on a node. */
  fieldsOn(vtype: VType, node: NodeLink): Promise<void> {
    const raw = vtype.members.get(node);
    if (raw === undefined) return Promise.resolve();
    return this.loadOnce(vtype.fieldLoads, node, false, async () => {
      const { declared } = await node.client.ReferenceType.Fields(raw as ReferenceTypeID);
      this.mapFields(vtype, node, raw, declared);
    });
  }

  private mapFields(vtype: VType, node: NodeLink, raw: bigint, rows: FieldRow[]): void {
    vtype.fields ??= rows.map((f) => {
      const vf = new VField(this.nextFieldId++, vtype, f.name, f.signature, f.modBits);
      this.fields.set(vf.vid, vf);
      vtype.fieldsByKey.set(f.name + f.signature, vf);
      return vf;
    });
    for (const f of rows) {
      const vf = vtype.fieldsByKey.get(f.name + f.signature);
      if (!vf) continue;
      vf.raw.set(node, f.fieldID);
      node.fields.set(`${raw}:${f.fieldID}`, vf);
    }
    if (!vtype.fieldLoads.has(node)) vtype.fieldLoads.set(node, Promise.resolve());
  }

  /** Drops cached facts of a type whose class was redefined. */
  redefined(vtype: VType): void {
    this.epoch++;
    vtype.aheadOn.clear();
    for (const cache of [this.replyCache, this.errorCache]) for (const key of [...cache.keys()]) if (key.startsWith(`${vtype.vid}:`)) cache.delete(key);
    vtype.methodLoads.clear();
  }

  /** Forgets a node that left: its types lose it as a member. */
  forgetNode(node: NodeLink): void {
    for (const vtype of node.types.values()) {
      vtype.members.delete(node);
      vtype.methodLoads.delete(node);
      vtype.fieldLoads.delete(node);
      vtype.aheadOn.delete(node);
    }
  }
}
