import type { IdSizeName } from './kinds';

declare const objectBrand: unique symbol;
declare const kindBrand: unique symbol;
declare const refTypeBrand: unique symbol;
declare const methodBrand: unique symbol;
declare const fieldBrand: unique symbol;
declare const frameBrand: unique symbol;

/** An object's ID; every more specific object kind is also an ObjectID. */
export type ObjectID = bigint & { readonly [objectBrand]: true };
/** A thread's ID. */
export type ThreadID = ObjectID & { readonly [kindBrand]: 'thread' };
/** A thread group's ID. */
export type ThreadGroupID = ObjectID & { readonly [kindBrand]: 'threadGroup' };
/** A java.lang.String's ID. */
export type StringID = ObjectID & { readonly [kindBrand]: 'string' };
/** A class loader's ID. */
export type ClassLoaderID = ObjectID & { readonly [kindBrand]: 'classLoader' };
/** A java.lang.Class object's ID. */
export type ClassObjectID = ObjectID & { readonly [kindBrand]: 'classObject' };
/** An array's ID. */
export type ArrayID = ObjectID & { readonly [kindBrand]: 'array' };
/** A module's ID (objectID-sized). */
export type ModuleID = ObjectID & { readonly [kindBrand]: 'module' };
/** A reference type's ID; class, interface and array type IDs are also ReferenceTypeIDs. */
export type ReferenceTypeID = bigint & { readonly [refTypeBrand]: true };
/** A class type's ID. */
export type ClassID = ReferenceTypeID & { readonly [kindBrand]: 'class' };
/** An interface type's ID. */
export type InterfaceID = ReferenceTypeID & { readonly [kindBrand]: 'interface' };
/** An array type's ID. */
export type ArrayTypeID = ReferenceTypeID & { readonly [kindBrand]: 'arrayType' };
/** A method's ID, meaningful together with its declaring type. */
export type MethodID = bigint & { readonly [methodBrand]: true };
/** A field's ID, meaningful together with its declaring type. */
export type FieldID = bigint & { readonly [fieldBrand]: true };
/** A stack frame's ID, valid while its thread stays suspended. */
export type FrameID = bigint & { readonly [frameBrand]: true };

/** The ID widths of one connection, as VirtualMachine.IDSizes reports them. */
export type IdSizes = Record<IdSizeName, number>;

/** The widths every HotSpot VM reports, and the widths the virtual VM serves. */
export const DEFAULT_ID_SIZES: Readonly<IdSizes> = Object.freeze({
  fieldIDSize: 8,
  methodIDSize: 8,
  objectIDSize: 8,
  referenceTypeIDSize: 8,
  frameIDSize: 8,
});

/** An executable position: type tag, declaring class, method and bytecode index. */
export interface Location {
  typeTag: number;
  classID: ClassID;
  methodID: MethodID;
  index: bigint;
}

/** The payload of a value: numbers for int-sized primitives and floats, bigint for longs, an ObjectID for references. */
export type ValuePayload = number | bigint | boolean | ObjectID | undefined;

/** A tagged value; `tag` is a JDWP Tag constant (a character code such as 'I'). */
export interface Value {
  tag: number;
  value: ValuePayload;
}

/** An object ID with its tag. */
export interface TaggedObjectID {
  tag: number;
  objectID: ObjectID;
}

/** A run of array elements: the element tag, then the values. */
export interface ArrayRegion {
  tag: number;
  values: Value[];
}
