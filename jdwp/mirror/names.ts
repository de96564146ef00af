/** JNI signatures and Java names: `Ljava/lang/String;` ↔ `java.lang.String`, `[I` ↔ `int[]`. */

const PRIMITIVE_NAMES: Record<string, string> = {
  Z: 'boolean',
  B: 'byte',
  C: 'char',
  S: 'short',
  I: 'int',
  J: 'long',
  F: 'float',
  D: 'double',
  V: 'void',
};

const PRIMITIVE_SIGNATURES: Record<string, string> = Object.fromEntries(Object.entries(PRIMITIVE_NAMES).map(([s, n]) => [n, s]));

/** True for the signature of a primitive type (or void): one of ZBCSIJFDV. */
export function isPrimitiveSignature(signature: string): boolean {
  return signature.length === 1 && signature in PRIMITIVE_NAMES;
}

/** True for a reference signature: a class (`L...;`) or an array (`[...`). */
export function isReferenceSignature(signature: string): boolean {
  return signature.startsWith('L') || signature.startsWith('[');
}

/** The Java name of a JNI type signature: `Ljava/util/Map$Entry;` → `java.util.Map$Entry`, `[[I` → `int[][]`. */
export function signatureToName(signature: string): string {
  let dims = 0;
  while (signature[dims] === '[') dims++;
  const element = signature.slice(dims);
  let base: string;
  if (element.startsWith('L') && element.endsWith(';')) base = element.slice(1, -1).replace(/\//g, '.');
  else base = PRIMITIVE_NAMES[element] ?? element;
  return base + '[]'.repeat(dims);
}

/** The JNI signature of a Java type name: `java.lang.String` → `Ljava/lang/String;`, `int[]` → `[I`. */
export function nameToSignature(name: string): string {
  let dims = 0;
  let base = name.trim();
  while (base.endsWith('[]')) {
    dims++;
    base = base.slice(0, -2).trimEnd();
  }
  const element = PRIMITIVE_SIGNATURES[base] ?? `L${base.replace(/\./g, '/')};`;
  return '['.repeat(dims) + element;
}

/** The class name without its package: `java.util.Map$Entry` → `Map$Entry`. */
export function simpleName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** The name a reader expects for a class: package dropped and `$` shown as `.` for nested classes (anonymous ones keep `$1`). */
export function displayName(name: string): string {
  return simpleName(name).replace(/\$(?=\D)/g, '.');
}

/** The package of a Java class name, '' for the default package. */
export function packageOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(0, dot);
}

/** The outermost class of a (possibly nested) Java class name: `a.B$C$1` → `a.B`. */
export function outermostName(name: string): string {
  const dollar = name.indexOf('$', name.lastIndexOf('.') + 1);
  return dollar < 0 ? name : name.slice(0, dollar);
}

/** The signature of an array's elements: `[[I` → `[I`; undefined for a non-array. */
export function componentSignature(signature: string): string | undefined {
  return signature.startsWith('[') ? signature.slice(1) : undefined;
}

/** A parsed method signature: argument signatures and return signature. */
export interface MethodSignature {
  args: string[];
  returns: string;
}

/** Splits a method signature: `(I[Ljava/lang/String;)V` → args `I`, `[Ljava/lang/String;`, returns `V`. */
export function parseMethodSignature(signature: string): MethodSignature {
  if (!signature.startsWith('(')) throw new Error(`not a method signature: ${signature}`);
  const args: string[] = [];
  let i = 1;
  while (signature[i] !== ')') {
    if (i >= signature.length) throw new Error(`not a method signature: ${signature}`);
    const start = i;
    while (signature[i] === '[') i++;
    if (signature[i] === 'L') {
      const end = signature.indexOf(';', i);
      if (end < 0) throw new Error(`not a method signature: ${signature}`);
      i = end + 1;
    } else i++;
    args.push(signature.slice(start, i));
  }
  return { args, returns: signature.slice(i + 1) };
}

/** The JDWP slot signature byte of a type signature: its first character. */
export function sigbyteOf(signature: string): number {
  return signature.charCodeAt(0);
}
