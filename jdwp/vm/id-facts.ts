import type { IdKind } from '../protocol/kinds';

/**
 * What the proxy learned about each object ID it handed to the debugger: its kind (from the tag of a value or
 * the type of the reply field that carried it) and how many times the debugger was given it, which bounds what
 * VirtualMachine.DisposeObjects may release. One number per ID: count * 16 + kind code.
 */
const KINDS: readonly IdKind[] = ['objectID', 'threadID', 'threadGroupID', 'stringID', 'classLoaderID', 'classObjectID', 'arrayID', 'moduleID'];
const CODE = new Map<IdKind, number>(KINDS.map((k, i) => [k, i + 1]));
const GENERIC = 1;
/** IDs remembered before the oldest are forgotten (a forgotten ID is unknown: its count is 0, its kind unknown). */
const LIMIT = 1_000_000;

/** Kinds and hand-out counts of object IDs, keyed by virtual ID. */
export class IdFacts {
  private readonly facts = new Map<bigint, number>();

  /** Notes that an object ID of this kind went to the debugger once more. */
  handed(id: bigint, kind: IdKind): void {
    const code = CODE.get(kind);
    if (code === undefined) return;
    const old = this.facts.get(id);
    if (old === undefined) {
      this.facts.set(id, 16 + code);
      if (this.facts.size > LIMIT) this.facts.delete(this.facts.keys().next().value as bigint);
      return;
    }
    const known = old & 15;
    this.facts.set(id, old - known + 16 + (known === GENERIC ? code : known));
  }

  /** The specific kind of an ID (a thread, a string, ...), or undefined when only "an object" or nothing is known. */
  kindOf(id: bigint): IdKind | undefined {
    const f = this.facts.get(id);
    if (f === undefined) return undefined;
    const code = f & 15;
    return code === GENERIC ? undefined : KINDS[code - 1];
  }

  /** Records a kind learned from the node itself. */
  learn(id: bigint, kind: IdKind): void {
    const code = CODE.get(kind);
    if (code === undefined) return;
    const old = this.facts.get(id) ?? 0;
    this.facts.set(id, old - (old & 15) + code);
  }

  /** How many references the debugger holds to an ID. */
  count(id: bigint): number {
    return Math.floor((this.facts.get(id) ?? 0) / 16);
  }

  /** Takes up to `wanted` of the debugger's references to an ID and returns how many were taken. */
  release(id: bigint, wanted: number): number {
    const f = this.facts.get(id);
    if (f === undefined || wanted <= 0) return 0;
    const n = Math.min(wanted, Math.floor(f / 16));
    this.facts.set(id, f - n * 16);
    return n;
  }

  /** How many IDs are remembered. */
  get size(): number {
    return this.facts.size;
  }
}
