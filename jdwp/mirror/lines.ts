import type { LineTable, LocalVariable, VariableTable } from './type-info';

/** A Method.LineTable reply as a line table. */
export function lineTableOf(reply: { start: bigint; end: bigint; lines: Array<{ lineCodeIndex: bigint; lineNumber: number }> }): LineTable {
  return { start: reply.start, end: reply.end, lines: reply.lines.map((l) => ({ index: l.lineCodeIndex, line: l.lineNumber })) };
}

/** The source line of a code index in a method's line table, or undefined when the table has no entry at or before it. */
export function lineAt(table: LineTable, index: bigint): number | undefined {
  let best: { index: bigint; line: number } | undefined;
  for (const entry of table.lines) {
    if (entry.index <= index && (!best || entry.index >= best.index)) best = entry;
  }
  return best?.line;
}

/** The lowest code index of a line in a method, or undefined when the method has no code on that line. */
export function firstIndexOfLine(table: LineTable, line: number): bigint | undefined {
  let lowest: bigint | undefined;
  for (const entry of table.lines) {
    if (entry.line === line && (lowest === undefined || entry.index < lowest)) lowest = entry.index;
  }
  return lowest;
}

/** Every distinct line of a method, ascending. */
export function linesOf(table: LineTable): number[] {
  return [...new Set(table.lines.map((l) => l.line))].sort((a, b) => a - b);
}

/**
 * The variables live at a code index, in slot order; where two share a name (a narrower scope
 * shadowing nothing in Java, but possible in synthetic code) the one declared last wins.
 */
export function visibleAt(table: VariableTable, index: bigint): LocalVariable[] {
  const byName = new Map<string, LocalVariable>();
  for (const v of table.variables) {
    if (v.codeIndex <= index && index < v.codeIndex + BigInt(v.length)) {
      const seen = byName.get(v.name);
      if (!seen || v.codeIndex >= seen.codeIndex) byName.set(v.name, v);
    }
  }
  return [...byName.values()].sort((a, b) => a.slot - b.slot);
}
