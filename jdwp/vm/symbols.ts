import { createHash } from 'node:crypto';
import { commandByName, type CommandInfo } from '../registry';
import type { ReferenceTypeID } from '../protocol/wire-types';
import type { NodeLink } from './node-link';

/**
 * Packages whose classes, on nodes of an identical VM build, are taken to be identical without hashing them:
 * the fast path for JDK classes. A node of another build hashes them in full.
 */
export const JDK_PACKAGE_PREFIXES = ['java/', 'javax/', 'jdk/', 'sun/', 'com/sun/', 'org/xml/', 'org/w3c/', 'org/ietf/', 'org/jcp/'];

/** A method row as ReferenceType.Methods gives it. */
export interface MethodRow {
  methodID: bigint;
  name: string;
  signature: string;
  modBits: number;
}

/** What computing a symbol yields: the hash, and the methods read on the way (when they were). */
export interface SymbolFacts {
  hash: string;
  /** How the hash was made: the full content hash, the JDK fast path, or an array's element. */
  basis: 'content' | 'jdk-build' | 'array' | 'node-local';
  methods?: MethodRow[];
}

function lengthPrefixed(h: ReturnType<typeof createHash>, part: string | Buffer): void {
  const b = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32BE(b.length, 0);
  h.update(len);
  h.update(b);
}

/** SHA-256 over length-prefixed parts, as hex. */
export function hashParts(parts: Array<string | Buffer>): string {
  const h = createHash('sha256');
  for (const p of parts) lengthPrefixed(h, p);
  return h.digest('hex');
}

/** The class name of a class signature's element, or undefined for primitive arrays and non-arrays. */
export function arrayElementSignature(signature: string): string | undefined {
  let i = 0;
  while (signature[i] === '[') i++;
  return i > 0 && signature[i] === 'L' ? signature.slice(i) : undefined;
}

/** True when a signature names a JDK class (or an array of them, or of primitives). */
export function isJdkSignature(signature: string): boolean {
  let i = 0;
  while (signature[i] === '[') i++;
  if (i > 0 && signature[i] !== 'L') return true;
  const name = signature.slice(i + 1);
  return JDK_PACKAGE_PREFIXES.some((p) => name.startsWith(p));
}

const BYTECODES = commandByName('Method.Bytecodes');
const CONSTANT_POOL = commandByName('ReferenceType.ConstantPool');

/** Sends a command and returns its raw reply data, or an empty buffer on a JDWP error (abstract methods, arrays). */
async function rawData(node: NodeLink, info: CommandInfo, out: Record<string, unknown>): Promise<Buffer> {
  const reply = await node.client.send(info, out);
  return reply.errorCode === 0 ? reply.data : Buffer.alloc(0);
}

/** The declared methods of a type as rows, or undefined when the node refuses (a class not yet prepared). */
function methodRows(node: NodeLink, type: ReferenceTypeID): Promise<MethodRow[] | undefined> {
  return node.client.ReferenceType.Methods(type).then(
    (r) => r.declared.map((m) => ({ methodID: m.methodID, name: m.name, signature: m.signature, modBits: m.modBits })),
    () => undefined,
  );
}

/**
 * The symbol of a loaded type: SHA-256 over its signature, its constant pool, and each method's name, signature,
 * modifiers and bytecodes. JDK classes on a node of an identical build take the fast path. Arrays take their
 * element type's symbol (`elementHash` resolves it on the same node). `methods`, when the caller has already asked
 * for them, saves a round trip: the constant pool and every method's bytecodes then go out together.
 */
export async function computeSymbol(
  node: NodeLink,
  raw: bigint,
  signature: string,
  elementHash: (elementSignature: string) => Promise<string | undefined>,
  methods?: Promise<MethodRow[] | undefined>,
): Promise<SymbolFacts> {
  if (signature.startsWith('[')) {
    const element = arrayElementSignature(signature);
    if (!element || isJdkSignature(signature)) return { hash: hashParts(['array', signature, isJdkSignature(signature) ? node.build : '']), basis: 'array' };
    const eh = await elementHash(element);
    if (eh === undefined) return { hash: hashParts(['node-local', String(node.slot), raw.toString()]), basis: 'node-local' };
    return { hash: hashParts(['array', signature, eh]), basis: 'array' };
  }
  if (isJdkSignature(signature)) return { hash: hashParts(['jdk-build', node.build, signature]), basis: 'jdk-build' };
  const type = raw as ReferenceTypeID;
  const pool = rawData(node, CONSTANT_POOL, { refType: type });
  // Awaited below; if the rows or bytecodes fail first (the node left), its failure must not go unhandled.
  pool.catch(() => undefined);
  // Without the rows, ask for them beside the pool; if the node refused them, ask again so that its error surfaces.
  const rows = (await (methods ?? methodRows(node, type))) ?? (await node.client.ReferenceType.Methods(type)).declared;
  const codes = await Promise.all(rows.map((m) => rawData(node, BYTECODES, { refType: type, methodID: m.methodID })));
  const parts: Array<string | Buffer> = [signature, await pool];
  rows.forEach((m, i) => parts.push(m.name, m.signature, String(m.modBits), codes[i]));
  return { hash: hashParts(parts), basis: 'content', methods: rows.map((m) => ({ methodID: m.methodID, name: m.name, signature: m.signature, modBits: m.modBits })) };
}
