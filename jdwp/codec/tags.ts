import { CONSTANTS } from '../protocol/spec-table';
import type { IdKind } from '../protocol/kinds';

/** JDWP value tags by name. */
export const Tag = CONSTANTS.Tag;

/** Widths in bytes of primitive tags; object tags are absent (their width is the objectID size). */
const PRIMITIVE_WIDTH = new Map<number, number>([
  [Tag.BYTE, 1],
  [Tag.BOOLEAN, 1],
  [Tag.CHAR, 2],
  [Tag.SHORT, 2],
  [Tag.INT, 4],
  [Tag.FLOAT, 4],
  [Tag.LONG, 8],
  [Tag.DOUBLE, 8],
  [Tag.VOID, 0],
]);

/** The ID kind carried by each object tag. */
const OBJECT_TAG_KIND = new Map<number, IdKind>([
  [Tag.OBJECT, 'objectID'],
  [Tag.ARRAY, 'arrayID'],
  [Tag.STRING, 'stringID'],
  [Tag.THREAD, 'threadID'],
  [Tag.THREAD_GROUP, 'threadGroupID'],
  [Tag.CLASS_LOADER, 'classLoaderID'],
  [Tag.CLASS_OBJECT, 'classObjectID'],
]);

/** The byte width of a primitive tag, or undefined for object and unknown tags. */
export function primitiveWidth(tag: number): number | undefined {
  return PRIMITIVE_WIDTH.get(tag);
}

/** The ID kind of an object tag, or undefined for primitive and unknown tags. */
export function objectTagKind(tag: number): IdKind | undefined {
  return OBJECT_TAG_KIND.get(tag);
}

/** True for a tag the spec defines. */
export function isKnownTag(tag: number): boolean {
  return PRIMITIVE_WIDTH.has(tag) || OBJECT_TAG_KIND.has(tag);
}

/** The tag of a JNI type signature's first character: 'I' for int, 'L' for objects and so on. */
export function tagOfSignature(signature: string): number {
  const c = signature.charCodeAt(0);
  if (c === 0x5b /* [ */) return Tag.ARRAY;
  if (signature === 'Ljava/lang/String;') return Tag.STRING;
  return c;
}
