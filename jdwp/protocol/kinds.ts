/** Wire kinds whose width is the target VM's objectID size. */
export const OBJECT_ID_KINDS = [
  'objectID',
  'threadID',
  'threadGroupID',
  'stringID',
  'classLoaderID',
  'classObjectID',
  'arrayID',
  'moduleID',
] as const;

/** Wire kinds whose width is the target VM's referenceTypeID size. */
export const REFERENCE_TYPE_ID_KINDS = ['referenceTypeID', 'classID', 'interfaceID', 'arrayTypeID'] as const;

/** Every ID kind that appears on the wire. */
export const ID_KINDS = [...OBJECT_ID_KINDS, ...REFERENCE_TYPE_ID_KINDS, 'methodID', 'fieldID', 'frameID'] as const;

/** An ID kind; each one gets its own branded type in the codec. */
export type IdKind = (typeof ID_KINDS)[number];

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
