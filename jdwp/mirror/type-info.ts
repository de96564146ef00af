import type { JdwpClient } from '../client/client';
import type { ClassID, FieldID, Location, MethodID, ReferenceTypeID } from '../protocol/wire-types';
import { JdwpReplyError } from '../errors';
import { JDWP } from '../registry';
import { parseMethodSignature, signatureToName } from './names';

/** Access flags of classes, fields and methods (JVM spec chapter 4), plus JDWP's synthetic bit. */
export const Modifier = {
  PUBLIC: 0x0001,
  PRIVATE: 0x0002,
  PROTECTED: 0x0004,
  STATIC: 0x0008,
  FINAL: 0x0010,
  SYNCHRONIZED: 0x0020,
  BRIDGE: 0x0040,
  VARARGS: 0x0080,
  NATIVE: 0x0100,
  INTERFACE: 0x0200,
  ABSTRACT: 0x0400,
  SYNTHETIC: 0x1000,
  ENUM: 0x4000,
  /** JDWP marks synthetic members with these bits when the VM can tell. */
  JDWP_SYNTHETIC: 0xf0000000,
} as const;

/** A field of a reference type. */
export interface FieldInfo {
  id: FieldID;
  declaringType: ReferenceTypeID;
  name: string;
  /** JNI signature of the field's type. */
  signature: string;
  genericSignature?: string;
  modifiers: number;
  isStatic: boolean;
  isSynthetic: boolean;
}

/** A method of a reference type. */
export interface MethodInfo {
  id: MethodID;
  declaringType: ReferenceTypeID;
  /** Tag of the declaring type (TypeTag.CLASS or TypeTag.INTERFACE); picks the invoke command. */
  declaringTypeTag: number;
  name: string;
  /** JNI method signature, e.g. `(ILjava/lang/String;)V`. */
  signature: string;
  genericSignature?: string;
  modifiers: number;
  argumentSignatures: string[];
  returnSignature: string;
  isStatic: boolean;
  isAbstract: boolean;
  isNative: boolean;
  isVarArgs: boolean;
  isSynthetic: boolean;
  isConstructor: boolean;
}

/** Immutable facts about a loaded class, interface or array type, cached for the session. */
export interface RefType {
  id: ReferenceTypeID;
  /** TypeTag.CLASS, TypeTag.INTERFACE or TypeTag.ARRAY. */
  tag: number;
  /** JNI signature, e.g. `Ljava/util/ArrayList;`. */
  signature: string;
  genericSignature?: string;
  /** Java name, e.g. `java.util.ArrayList` or `int[]`. */
  name: string;
  modifiers: number;
  /** The SourceFile attribute, absent for arrays and classes compiled without it. */
  sourceFile?: string;
  /** The direct superclass; undefined for java.lang.Object and interfaces. */
  superclass?: ClassID;
  /** Directly implemented (or, for interfaces, extended) interfaces. */
  interfaces: ReferenceTypeID[];
  /** Declared fields, in class file order. */
  fields: FieldInfo[];
  /** Declared methods (constructors and <clinit> included), in class file order. */
  methods: MethodInfo[];
}

/** A method's line table; `start` and `end` are -1 for native methods. */
export interface LineTable {
  start: bigint;
  end: bigint;
  lines: Array<{ index: bigint; line: number }>;
}

/** A local variable or argument from a method's variable table. */
export interface LocalVariable {
  name: string;
  signature: string;
  genericSignature?: string;
  /** First code index where the variable is live. */
  codeIndex: bigint;
  length: number;
  slot: number;
  /** True for a method argument (its slot is below the argument word count). */
  isArgument: boolean;
}

/** A method's variable table. */
export interface VariableTable {
  argCount: number;
  variables: LocalVariable[];
}

/** True when a JDWP call failed with the given error name (for example ABSENT_INFORMATION). */
export function isJdwpError(err: unknown, ...names: Array<keyof typeof JDWP.Error>): boolean {
  return err instanceof JdwpReplyError && names.some((n) => JDWP.Error[n] === err.errorCode);
}

function isSynthetic(modBits: number): boolean {
  return (modBits & Modifier.SYNTHETIC) !== 0 || (modBits & Modifier.JDWP_SYNTHETIC) >>> 0 === Modifier.JDWP_SYNTHETIC;
}

function orUndefined(s: string): string | undefined {
  return s === '' ? undefined : s;
}

/** Loads every immutable fact of one reference type with pipelined requests. */
export async function loadRefType(vm: JdwpClient, id: ReferenceTypeID): Promise<RefType> {
  const absent = <T>(p: Promise<T>, fallback: T): Promise<T> =>
    p.catch((err) => {
      if (isJdwpError(err, 'ABSENT_INFORMATION', 'INVALID_CLASS', 'NOT_IMPLEMENTED')) return fallback;
      throw err;
    });
  const [sig, mods, source, fields, methods, ifaces, superclass] = await Promise.all([
    vm.ReferenceType.SignatureWithGeneric(id),
    vm.ReferenceType.Modifiers(id),
    absent(vm.ReferenceType.SourceFile(id).then((r) => r.sourceFile as string | undefined), undefined),
    vm.ReferenceType.FieldsWithGeneric(id),
    vm.ReferenceType.MethodsWithGeneric(id),
    absent(vm.ReferenceType.Interfaces(id).then((r) => r.interfaces as ReferenceTypeID[]), []),
    absent(vm.ClassType.Superclass(id as ClassID).then((r) => r.superclass as ClassID | undefined), undefined),
  ]);
  const tag = sig.signature.startsWith('[')
    ? JDWP.TypeTag.ARRAY
    : mods.modBits & Modifier.INTERFACE
      ? JDWP.TypeTag.INTERFACE
      : JDWP.TypeTag.CLASS;
  return {
    id,
    tag,
    signature: sig.signature,
    genericSignature: orUndefined(sig.genericSignature),
    name: signatureToName(sig.signature),
    modifiers: mods.modBits,
    sourceFile: source,
    superclass: tag === JDWP.TypeTag.INTERFACE || !superclass ? undefined : superclass,
    interfaces: ifaces,
    fields: fields.declared.map((f) => ({
      id: f.fieldID,
      declaringType: id,
      name: f.name,
      signature: f.signature,
      genericSignature: orUndefined(f.genericSignature),
      modifiers: f.modBits,
      isStatic: (f.modBits & Modifier.STATIC) !== 0,
      isSynthetic: isSynthetic(f.modBits),
    })),
    methods: methods.declared.map((m) => {
      const parsed = parseMethodSignature(m.signature);
      return {
        id: m.methodID,
        declaringType: id,
        declaringTypeTag: tag,
        name: m.name,
        signature: m.signature,
        genericSignature: orUndefined(m.genericSignature),
        modifiers: m.modBits,
        argumentSignatures: parsed.args,
        returnSignature: parsed.returns,
        isStatic: (m.modBits & Modifier.STATIC) !== 0,
        isAbstract: (m.modBits & Modifier.ABSTRACT) !== 0,
        isNative: (m.modBits & Modifier.NATIVE) !== 0,
        isVarArgs: (m.modBits & Modifier.VARARGS) !== 0,
        isSynthetic: isSynthetic(m.modBits),
        isConstructor: m.name === '<init>',
      };
    }),
  };
}

/** A location's cache key: `class:method:index`. */
export function locationKey(loc: Location): string {
  return `${loc.classID}:${loc.methodID}:${loc.index}`;
}

/** True when two locations are the same code position. */
export function sameLocation(a: Location, b: Location): boolean {
  return a.classID === b.classID && a.methodID === b.methodID && a.index === b.index;
}
