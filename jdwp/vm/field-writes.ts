/**
 * Where a class's own methods write one of its fields, and from which local variable: each `putfield`/`putstatic`
 * of it right after an `aload` of a local (as `session = mark;` compiles), found from the class's constant pool
 * and its methods' bytecodes (ReferenceType.ConstantPool, Method.Bytecodes). A breakpoint at the put stops only
 * the threads about to write the field, and the value is that local's: every other thread runs at full speed.
 * (A JDWP ModificationWatchpoint would instead put every thread of a HotSpot JVM in interpreted mode for as long
 * as it is set.)
 */
import type { MethodID, ReferenceTypeID } from '../protocol/wire-types';
import type { JdwpClient } from '../client/client';

/** One write of the field: the method, the put's index, and the local variable slot whose value it writes. */
export interface FieldWrite {
  methodID: MethodID;
  index: number;
  slot: number;
}

/** The writes of a field by its class's methods: those read from a local, and how many others there are. */
export interface FieldWrites {
  fromLocals: FieldWrite[];
  others: number;
}

const PUTSTATIC = 0xb3;
const PUTFIELD = 0xb5;
const ALOAD = 0x19;
const ALOAD_0 = 0x2a;

/** Constant pool tags and the byte length of their data. */
const CP_LENGTH: Record<number, number> = { 3: 4, 4: 4, 5: 8, 6: 8, 7: 2, 8: 2, 9: 4, 10: 4, 11: 4, 12: 4, 15: 3, 16: 2, 17: 4, 18: 4, 19: 2, 20: 2 };
const CP_UTF8 = 1;
const CP_CLASS = 7;
const CP_FIELDREF = 9;
const CP_NAME_AND_TYPE = 12;

/** The constant pool indexes of the Fieldrefs that name `fieldName` of `className` (internal form, `demo/DebugMark`). */
function fieldRefs(count: number, bytes: number[], className: string, fieldName: string): Set<number> {
  const entries: Array<{ tag: number; at: number }> = [];
  let at = 0;
  for (let i = 1; i < count; i++) {
    const tag = bytes[at];
    entries[i] = { tag, at: at + 1 };
    if (tag === CP_UTF8) at += 3 + ((bytes[at + 1] << 8) | bytes[at + 2]);
    else if (CP_LENGTH[tag] !== undefined) at += 1 + CP_LENGTH[tag];
    else throw new Error(`constant pool tag ${tag} at entry ${i}`);
    if (tag === 5 || tag === 6) i++;
  }
  const u2 = (p: number) => (bytes[p] << 8) | bytes[p + 1];
  const utf8 = (i: number) => (entries[i]?.tag === CP_UTF8 ? Buffer.from(bytes.slice(entries[i].at + 2, entries[i].at + 2 + u2(entries[i].at))).toString('utf8') : undefined);
  const refs = new Set<number>();
  entries.forEach((e, i) => {
    if (e?.tag !== CP_FIELDREF) return;
    const cls = entries[u2(e.at)];
    const nat = entries[u2(e.at + 2)];
    if (cls?.tag !== CP_CLASS || nat?.tag !== CP_NAME_AND_TYPE) return;
    if (utf8(u2(cls.at)) === className && utf8(u2(nat.at)) === fieldName) refs.add(i);
  });
  return refs;
}

/** The length of the instruction at `pc` (switches padded to 4 bytes from the method's start; `wide` forms). */
function instructionLength(code: number[], pc: number): number {
  const op = code[pc];
  const s4 = (p: number) => (code[p] << 24) | (code[p + 1] << 16) | (code[p + 2] << 8) | code[p + 3];
  if (op === 0xaa || op === 0xab) {
    const base = pc + 1 + ((4 - ((pc + 1) % 4)) % 4);
    if (op === 0xaa) return base - pc + 12 + 4 * (s4(base + 8) - s4(base + 4) + 1);
    return base - pc + 8 + 8 * s4(base + 4);
  }
  if (op === 0xc4) return code[pc + 1] === 0x84 ? 6 : 4;
  return OPERAND_BYTES[op] + 1;
}

/** The indexes a method's branches and switches jump to. */
function jumpTargets(code: number[]): Set<number> {
  const targets = new Set<number>();
  const s2 = (p: number) => ((code[p] << 8) | code[p + 1]) << 16 >> 16;
  const s4 = (p: number) => (code[p] << 24) | (code[p + 1] << 16) | (code[p + 2] << 8) | code[p + 3];
  for (let pc = 0; pc < code.length; pc += instructionLength(code, pc)) {
    const op = code[pc];
    if ((op >= 0x99 && op <= 0xa8) || op === 0xc6 || op === 0xc7) targets.add(pc + s2(pc + 1));
    else if (op === 0xc8 || op === 0xc9) targets.add(pc + s4(pc + 1));
    else if (op === 0xaa || op === 0xab) {
      const base = pc + 1 + ((4 - ((pc + 1) % 4)) % 4);
      targets.add(pc + s4(base));
      const offsets = op === 0xaa ? Array.from({ length: s4(base + 8) - s4(base + 4) + 1 }, (_, i) => base + 12 + 4 * i) : Array.from({ length: s4(base + 4) }, (_, i) => base + 12 + 8 * i);
      for (const at of offsets) targets.add(pc + s4(at));
    }
  }
  return targets;
}

/** The local variable slot an instruction loads a reference from, or undefined for any other instruction. */
function aloadSlot(code: number[], pc: number): number | undefined {
  if (code[pc] >= ALOAD_0 && code[pc] <= ALOAD_0 + 3) return code[pc] - ALOAD_0;
  if (code[pc] === ALOAD) return code[pc + 1];
  if (code[pc] === 0xc4 && code[pc + 1] === ALOAD) return (code[pc + 2] << 8) | code[pc + 3];
  return undefined;
}

/** Operand bytes of each fixed-length opcode (0x00-0xc9). */
const OPERAND_BYTES: number[] = (() => {
  const n = new Array<number>(256).fill(0);
  const set = (bytes: number, ...ops: number[]) => ops.forEach((o) => (n[o] = bytes));
  set(1, 0x10, 0x12, 0x15, 0x16, 0x17, 0x18, 0x19, 0x36, 0x37, 0x38, 0x39, 0x3a, 0xa9, 0xbc);
  set(2, 0x11, 0x13, 0x14, 0x84, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xbb, 0xbd, 0xc0, 0xc1, 0xc6, 0xc7);
  for (let o = 0x99; o <= 0xa8; o++) n[o] = 2;
  set(3, 0xc5);
  set(4, 0xb9, 0xba, 0xc8, 0xc9);
  return n;
})();

/**
 * Every write of `fieldName` by the methods of the class `typeID` (internal name `className`) on a node. A write
 * counts as from a local when the instruction just before the put loads a local and the put is no jump target
 * (so that load is what put the value on the stack).
 */
export async function fieldWrites(c: JdwpClient, typeID: ReferenceTypeID, className: string, fieldName: string): Promise<FieldWrites> {
  const [{ count, bytes }, { declared }] = await Promise.all([c.ReferenceType.ConstantPool(typeID), c.ReferenceType.Methods(typeID)]);
  const refs = fieldRefs(count, bytes, className, fieldName);
  const result: FieldWrites = { fromLocals: [], others: 0 };
  if (!refs.size) return result;
  await Promise.all(
    declared.map(async (m) => {
      const code = await c.Method.Bytecodes(typeID, m.methodID).then((r) => r.bytes, () => [] as number[]);
      const targets = jumpTargets(code);
      let previous = -1;
      for (let pc = 0; pc < code.length; previous = pc, pc += instructionLength(code, pc)) {
        if ((code[pc] !== PUTSTATIC && code[pc] !== PUTFIELD) || !refs.has((code[pc + 1] << 8) | code[pc + 2])) continue;
        const slot = previous >= 0 && !targets.has(pc) ? aloadSlot(code, previous) : undefined;
        if (slot === undefined) result.others++;
        else result.fromLocals.push({ methodID: m.methodID, index: pc, slot });
      }
    }),
  );
  return result;
}
