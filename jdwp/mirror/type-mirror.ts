import type { JdwpClient } from '../client/client';
import type { ClassObjectID, FieldID, Location, MethodID, ObjectID, ReferenceTypeID } from '../protocol/wire-types';
import { JDWP } from '../registry';
import { firstIndexOfLine, lineAt, lineTableOf, visibleAt } from './lines';
import { Memo } from './memo';
import { nameToSignature } from './names';
import {
  isJdwpError, loadRefType, locationKey, type FieldInfo, type LineTable, type LocalVariable, type MethodInfo, type RefType,
  type VariableTable,
} from './type-info';

/** Entries kept in each per-object cache when the options do not say. */
export const DEFAULT_MAX_CACHED_OBJECTS = 100_000;

/** Options of a session mirror. */
export interface MirrorOptions {
  /** Timeout of one invocation of target code in ms; default 10000; 0 waits forever. */
  invokeTimeoutMs?: number;
  /** Entries kept in the per-object caches (object types, string values, array lengths) before they are emptied; default 100000. */
  maxCachedObjects?: number;
}

/**
 * The reference types of a session mirror: classes by name, supertypes, fields and methods, and the line and
 * variable tables of methods, each loaded once per session with pipelined requests.
 */
export class TypeMirror {
  private readonly types = new Memo<ReferenceTypeID, RefType>();
  private readonly objectTypes: Memo<ObjectID, ReferenceTypeID>;
  private readonly byName = new Map<string, Promise<RefType[]>>();
  private allClasses?: { at: number; list: Promise<Array<{ typeID: ReferenceTypeID; signature: string }>> };
  private readonly lineTables = new Memo<string, LineTable | undefined>();
  private readonly variableTables = new Memo<string, VariableTable | undefined>();
  private readonly visible = new Memo<string, LocalVariable[] | undefined>(10_000);
  private readonly allFieldsMemo = new Memo<ReferenceTypeID, FieldInfo[]>();
  private readonly methodsMemo = new Memo<ReferenceTypeID, MethodInfo[]>();
  private readonly supertypesMemo = new Memo<ReferenceTypeID, RefType[]>();

  constructor(
    /** The client the mirror talks through. */
    readonly vm: JdwpClient,
    options: MirrorOptions = {},
  ) {
    this.objectTypes = new Memo(options.maxCachedObjects ?? DEFAULT_MAX_CACHED_OBJECTS);
  }

  /** The facts of a reference type, loaded once per session. */
  type(id: ReferenceTypeID): Promise<RefType> {
    return this.types.get(id, () => loadRefType(this.vm, id));
  }

  /** The runtime type of an object. */
  async typeOfObject(object: ObjectID): Promise<RefType> {
    return this.type(await this.objectTypes.get(object, async () => (await this.vm.ObjectReference.ReferenceType(object)).typeID));
  }

  /** Loaded types with a JNI signature (several when several class loaders loaded it). Found types are remembered. */
  classesBySignature(signature: string): Promise<RefType[]> {
    const known = this.byName.get(signature);
    if (known) return known;
    const p = this.vm.VirtualMachine.ClassesBySignature(signature).then((r) =>
      Promise.all(r.classes.filter((c) => c.status & JDWP.ClassStatus.PREPARED || c.refTypeTag === JDWP.TypeTag.ARRAY).map((c) => this.type(c.typeID))),
    );
    this.byName.set(signature, p);
    void p.then(
      (found) => {
        if (found.length === 0 && this.byName.get(signature) === p) this.byName.delete(signature);
      },
      () => this.byName.delete(signature),
    );
    return p;
  }

  /** Loaded types with a Java name such as `java.util.Map$Entry` or `int[]`. */
  classesByName(name: string): Promise<RefType[]> {
    return this.classesBySignature(nameToSignature(name));
  }

  /** Forgets what classesByName and classesBySimpleName found, after a class was unloaded or redefined. */
  forgetClassNames(): void {
    this.byName.clear();
    this.allClasses = undefined;
  }

  /**
   * Loaded classes whose name without package is `simple` (nested classes match by their last part, `Entry`
   * for `java.util.Map$Entry`). Reads AllClasses once and again at most every 5 s when a name is not found.
   */
  async classesBySimpleName(simple: string): Promise<RefType[]> {
    const scan = async (list: Promise<Array<{ typeID: ReferenceTypeID; signature: string }>>) => {
      const suffixes = [`/${simple};`, `$${simple};`];
      const hits = (await list).filter((c) => c.signature === `L${simple};` || suffixes.some((x) => c.signature.endsWith(x)));
      return Promise.all(hits.map((c) => this.type(c.typeID)));
    };
    const now = Date.now();
    if (!this.allClasses) this.allClasses = { at: now, list: this.vm.VirtualMachine.AllClasses().then((r) => r.classes) };
    const found = await scan(this.allClasses.list);
    if (found.length || now - this.allClasses.at < 5000) return found;
    this.allClasses = { at: now, list: this.vm.VirtualMachine.AllClasses().then((r) => r.classes) };
    return scan(this.allClasses.list);
  }

  /** The type and its superclasses, nearest first, ending with java.lang.Object (arrays and interfaces: just the type). */
  async superclasses(type: RefType): Promise<RefType[]> {
    const chain = [type];
    for (let t = type; t.superclass; ) {
      t = await this.type(t.superclass);
      chain.push(t);
    }
    return chain;
  }

  /** Every supertype: the type, its superclasses, then all interfaces they implement (each once, breadth first). */
  supertypes(type: RefType): Promise<RefType[]> {
    return this.supertypesMemo.get(type.id, async () => {
      const chain = await this.superclasses(type);
      const seen = new Set<ReferenceTypeID>(chain.map((t) => t.id));
      const result = [...chain];
      let frontier = chain.flatMap((t) => t.interfaces);
      while (frontier.length) {
        const fresh = frontier.filter((id) => !seen.has(id));
        fresh.forEach((id) => seen.add(id));
        const loaded = await Promise.all([...new Set(fresh)].map((id) => this.type(id)));
        result.push(...loaded);
        frontier = loaded.flatMap((t) => t.interfaces);
      }
      return result;
    });
  }

  /** True when `type` is the type named by `signature` or a subtype of it (array covariance included). */
  async isSubtype(type: RefType, signature: string): Promise<boolean> {
    if (type.signature === signature || signature === 'Ljava/lang/Object;') return true;
    if (type.tag === JDWP.TypeTag.ARRAY) {
      if (signature === 'Ljava/lang/Cloneable;' || signature === 'Ljava/io/Serializable;') return true;
      if (!signature.startsWith('[')) return false;
      const mine = type.signature.slice(1);
      const theirs = signature.slice(1);
      if (!(mine.startsWith('L') || mine.startsWith('['))) return mine === theirs;
      if (!(theirs.startsWith('L') || theirs.startsWith('['))) return false;
      if (theirs === 'Ljava/lang/Object;') return true;
      const [component] = await this.classesBySignature(mine);
      return component ? this.isSubtype(component, theirs) : false;
    }
    return (await this.supertypes(type)).some((t) => t.signature === signature);
  }

  /** Declared and inherited fields (static and instance): the type's own first, then each superclass's, then interface constants. */
  allFields(type: RefType): Promise<FieldInfo[]> {
    return this.allFieldsMemo.get(type.id, async () => (await this.supertypes(type)).flatMap((t) => t.fields));
  }

  /** The field a simple name resolves to in a type (own fields hide inherited ones), or undefined. */
  async fieldByName(type: RefType, name: string): Promise<FieldInfo | undefined> {
    return (await this.allFields(type)).find((f) => f.name === name);
  }

  /** Methods callable on the type: declared and inherited, overridden ones left out; interface defaults after class methods. */
  visibleMethods(type: RefType): Promise<MethodInfo[]> {
    return this.methodsMemo.get(type.id, async () => {
      const seen = new Set<string>();
      const result: MethodInfo[] = [];
      for (const t of await this.supertypes(type)) {
        for (const m of t.methods) {
          if (m.name === '<clinit>' || (m.isConstructor && t !== type)) continue;
          const key = m.name + m.signature;
          if (seen.has(key)) continue;
          seen.add(key);
          result.push(m);
        }
      }
      return result;
    });
  }

  /** Visible methods with a name, optionally with an exact JNI signature. */
  async methodsByName(type: RefType, name: string, signature?: string): Promise<MethodInfo[]> {
    return (await this.visibleMethods(type)).filter((m) => m.name === name && (signature === undefined || m.signature === signature));
  }

  /** A method by its declaring type and ID. */
  async method(typeID: ReferenceTypeID, methodID: MethodID): Promise<MethodInfo> {
    const type = await this.type(typeID);
    const m = type.methods.find((x) => x.id === methodID);
    if (!m) throw new Error(`method ${methodID} is not declared by ${type.name}`);
    return m;
  }

  /** A field by its declaring type and ID. */
  async field(typeID: ReferenceTypeID, fieldID: FieldID): Promise<FieldInfo> {
    const type = await this.type(typeID);
    const f = type.fields.find((x) => x.id === fieldID);
    if (!f) throw new Error(`field ${fieldID} is not declared by ${type.name}`);
    return f;
  }

  /** Types directly nested in a type, and with `recursive` the types nested in those; only loaded ones. */
  async nestedTypes(type: RefType, recursive = true): Promise<RefType[]> {
    const { classes } = await this.vm.ReferenceType.NestedTypes(type.id);
    const direct = await Promise.all(classes.map((c) => this.type(c.typeID)));
    if (!recursive) return direct;
    const deeper = await Promise.all(direct.map((t) => this.nestedTypes(t, true)));
    return [...direct, ...deeper.flat()];
  }

  /** The java.lang.Class object of a type. */
  async classObject(type: RefType): Promise<ClassObjectID> {
    return (await this.vm.ReferenceType.ClassObject(type.id)).classObject;
  }

  /** A method's line table, or undefined for a method without one (native, abstract, no debug info). */
  lineTable(typeID: ReferenceTypeID, methodID: MethodID): Promise<LineTable | undefined> {
    return this.lineTables.get(`${typeID}:${methodID}`, async () => {
      try {
        const r = await this.vm.Method.LineTable(typeID, methodID);
        return lineTableOf(r);
      } catch (err) {
        if (isJdwpError(err, 'ABSENT_INFORMATION', 'NATIVE_METHOD')) return undefined;
        throw err;
      }
    });
  }

  /** A method's variable table (arguments and locals, with generic signatures), or undefined when compiled without -g. */
  variableTable(typeID: ReferenceTypeID, methodID: MethodID): Promise<VariableTable | undefined> {
    return this.variableTables.get(`${typeID}:${methodID}`, async () => {
      try {
        const r = await this.vm.Method.VariableTableWithGeneric(typeID, methodID);
        return {
          argCount: r.argCnt,
          variables: r.slots.map((s) => ({
            name: s.name,
            signature: s.signature,
            genericSignature: s.genericSignature === '' ? undefined : s.genericSignature,
            codeIndex: s.codeIndex,
            length: s.length,
            slot: s.slot,
            isArgument: s.slot < r.argCnt,
          })),
        };
      } catch (err) {
        if (isJdwpError(err, 'ABSENT_INFORMATION', 'NATIVE_METHOD')) return undefined;
        throw err;
      }
    });
  }

  /** The source line of a location, or undefined without line information. */
  async lineOf(location: Location): Promise<number | undefined> {
    const table = await this.lineTable(location.classID, location.methodID);
    return table ? lineAt(table, location.index) : undefined;
  }

  /** One location per method of `type` that has code on `line` (its lowest code index), for line breakpoints. */
  async locationsOfLine(type: RefType, line: number): Promise<Location[]> {
    const tables = await Promise.all(type.methods.map((m) => this.lineTable(type.id, m.id)));
    const result: Location[] = [];
    tables.forEach((table, i) => {
      const index = table && firstIndexOfLine(table, line);
      if (index !== undefined) result.push({ typeTag: type.tag, classID: type.id as Location['classID'], methodID: type.methods[i].id, index });
    });
    return result;
  }

  /** The methods of a type whose line tables span `line` (first line to last line), for telling "no code here" apart from "not in this type". */
  async methodsSpanningLine(type: RefType, line: number): Promise<MethodInfo[]> {
    const tables = await Promise.all(type.methods.map((m) => this.lineTable(type.id, m.id)));
    return type.methods.filter((_, i) => {
      const lines = tables[i]?.lines.map((l) => l.line) ?? [];
      return lines.length > 0 && Math.min(...lines) <= line && line <= Math.max(...lines);
    });
  }

  /** The variables live at a location, or undefined when its method has no variable table. */
  visibleVariables(location: Location): Promise<LocalVariable[] | undefined> {
    return this.visible.get(locationKey(location), async () => {
      const table = await this.variableTable(location.classID, location.methodID);
      return table && visibleAt(table, location.index);
    });
  }

  /**
   * The arguments of a method compiled without a variable table (most of the JDK), named by position as `arg0`,
   * `arg1`, ..., with the slots the JVM gives them. None for a native method, whose frame has no slots to read.
   */
  async argumentsByPosition(location: Location): Promise<LocalVariable[]> {
    const method = await this.method(location.classID, location.methodID);
    if (method.isNative) return [];
    let slot = method.isStatic ? 0 : 1;
    return method.argumentSignatures.map((signature, i) => {
      const v: LocalVariable = { name: `arg${i}`, signature, codeIndex: 0n, length: 0x7fffffff, slot, isArgument: true };
      slot += signature === 'J' || signature === 'D' ? 2 : 1;
      return v;
    });
  }
}
