/** The field of VirtualMachine.IDSizes that gives an ID kind its width. */
export type IdSizeName = 'objectIDSize' | 'referenceTypeIDSize' | 'methodIDSize' | 'fieldIDSize' | 'frameIDSize';

/** What the codec and the proxy know of one ID kind. */
export interface IdKindInfo {
  /** The VirtualMachine.IDSizes field that gives its width. */
  readonly size: IdSizeName;
  /** The Error constant a command gets for an ID of this kind that is unknown or belongs to another node. */
  readonly invalid: string;
  /** True for IDs that live on one node (objects, threads, frames and the rest); false for types, methods and fields. */
  readonly onNode: boolean;
}

const objectKind = (invalid: string): IdKindInfo => ({ size: 'objectIDSize', invalid, onNode: true });
const typeKind: IdKindInfo = { size: 'referenceTypeIDSize', invalid: 'INVALID_CLASS', onNode: false };

/** Every ID kind that appears on the wire, with its descriptor. */
export const ID_KINDS = {
  objectID: objectKind('INVALID_OBJECT'),
  threadID: objectKind('INVALID_THREAD'),
  threadGroupID: objectKind('INVALID_THREAD_GROUP'),
  stringID: objectKind('INVALID_STRING'),
  classLoaderID: objectKind('INVALID_CLASS_LOADER'),
  classObjectID: objectKind('INVALID_OBJECT'),
  arrayID: objectKind('INVALID_ARRAY'),
  moduleID: objectKind('INVALID_MODULE'),
  referenceTypeID: typeKind,
  classID: typeKind,
  interfaceID: typeKind,
  arrayTypeID: typeKind,
  methodID: { size: 'methodIDSize', invalid: 'INVALID_METHODID', onNode: false },
  fieldID: { size: 'fieldIDSize', invalid: 'INVALID_FIELDID', onNode: false },
  frameID: { size: 'frameIDSize', invalid: 'INVALID_FRAMEID', onNode: true },
} as const satisfies Record<string, IdKindInfo>;

/** An ID kind; each one gets its own branded type in the codec. */
export type IdKind = keyof typeof ID_KINDS;

/** True for reference type IDs (referenceTypeID, classID, interfaceID, arrayTypeID). */
export function isRefType(kind: IdKind): boolean {
  return ID_KINDS[kind].size === 'referenceTypeIDSize';
}

/** True for IDs that live on one node (objects, threads, frames and the rest). */
export function livesOnNode(kind: IdKind): boolean {
  return ID_KINDS[kind].onNode;
}

/** Every scalar wire kind a field can have. */
export type ScalarKind =
  | 'byte'
  | 'int'
  | 'long'
  | 'boolean'
  | 'string'
  | IdKind
  | 'taggedObjectID'
  | 'location'
  | 'value'
  | 'untaggedValue'
  | 'arrayRegion';

/** A scalar field of a layout. */
export interface ScalarField {
  readonly name: string;
  readonly kind: ScalarKind;
}

/** A counted list: an int count, then that many items. */
export interface RepeatField {
  readonly name: string;
  readonly kind: 'repeat';
  readonly of: Field;
}

/** A named record of fields. */
export interface GroupField {
  readonly name: string;
  readonly kind: 'group';
  readonly fields: readonly Field[];
}

/** One alternative of a select, chosen by its selector value. */
export interface AltSpec {
  readonly name: string;
  readonly value: number;
  readonly fields: readonly Field[];
}

/** A tagged union: a selector, then the fields of the alternative it names. */
export interface SelectField {
  readonly name: string;
  readonly kind: 'select';
  readonly selector: ScalarField;
  readonly alts: readonly AltSpec[];
}

/** Any field of a layout. */
export type Field = ScalarField | RepeatField | GroupField | SelectField;

/** A command: its out layout, its reply layout, or for Event.Composite its event layout. */
export interface CommandSpec {
  readonly name: string;
  readonly id: number;
  readonly out: readonly Field[] | null;
  readonly reply: readonly Field[] | null;
  readonly event?: readonly Field[];
  readonly errors: readonly string[];
}

/** A command set and its commands. */
export interface CommandSetSpec {
  readonly name: string;
  readonly id: number;
  readonly commands: readonly CommandSpec[];
}

/** A named constant. */
export interface ConstantSpec {
  readonly name: string;
  readonly value: number;
}

/** A named set of constants, such as Error or EventKind. */
export interface ConstantSetSpec {
  readonly name: string;
  readonly constants: readonly ConstantSpec[];
}
