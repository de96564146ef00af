/**
 * Virtual object IDs. Every objectID-like ID (objects, threads, groups, strings, loaders, class objects, arrays,
 * modules) and every frameID a node hands out is tagged with the node's slot:
 *
 *   virtual = slot * 10^15 + raw            when raw < 10^15 (HotSpot's object IDs are small counters)
 *   virtual = 2^63 | (slot * 10^15 + n)     otherwise, with n an interned index
 *
 * The decimal stride keeps IDs readable in debuggers (id=2000000000563 is object 563 of slot 2). Slot 0 holds
 * IDs the proxy makes itself (the per-node thread groups and strings created before they are used).
 * Slots run from 1 to MAX_SLOT, so no virtual ID ever spills into the interned bit. A slot comes back only once
 * no debugger that could hold its IDs is attached (see SlotPool), so an ID of a node that left never reaches
 * another node.
 */

/** The distance between two slots' ID ranges. */
export const NODE_STRIDE = 10n ** 15n;
const INTERNED = 1n << 63n;
const LOW_MASK = INTERNED - 1n;
/** The highest slot: slot * 10^15 + (10^15 - 1) still fits in 63 bits. */
export const MAX_SLOT = Number(LOW_MASK / NODE_STRIDE) - 1;
/** Interned IDs kept per node before the oldest are forgotten (frame IDs churn on every resume). */
const INTERN_LIMIT = 200_000;

/** The slot an ID belongs to; 0 for proxy-made IDs and for null. */
export function slotOf(virtual: bigint): number {
  return Number((virtual & LOW_MASK) / NODE_STRIDE);
}

/** One node's ID space: raw node IDs to virtual IDs and back. */
export class NodeIdSpace {
  private readonly base: bigint;
  private readonly internedByRaw = new Map<bigint, bigint>();
  private readonly rawByInterned = new Map<bigint, bigint>();
  private nextInterned = 1n;

  constructor(readonly slot: number) {
    if (!Number.isInteger(slot) || slot < 1 || slot > MAX_SLOT) throw new RangeError(`slot ${slot} is outside 1..${MAX_SLOT}`);
    this.base = BigInt(slot) * NODE_STRIDE;
  }

  /** Tags a raw ID with this node; 0 (null) stays 0. */
  toVirtual(raw: bigint): bigint {
    if (raw === 0n) return 0n;
    if (raw < NODE_STRIDE) return this.base + raw;
    let v = this.internedByRaw.get(raw);
    if (v === undefined) {
      v = INTERNED | (this.base + this.nextInterned++);
      this.internedByRaw.set(raw, v);
      this.rawByInterned.set(v, raw);
      if (this.internedByRaw.size > INTERN_LIMIT) {
        const oldest = this.internedByRaw.keys().next().value as bigint;
        this.rawByInterned.delete(this.internedByRaw.get(oldest)!);
        this.internedByRaw.delete(oldest);
      }
    }
    return v;
  }

  /** The raw ID behind a virtual ID of this node, or undefined if it is not one of this node's IDs. */
  toRaw(virtual: bigint): bigint | undefined {
    if (virtual === 0n) return 0n;
    if (virtual & INTERNED) return this.rawByInterned.get(virtual);
    const raw = virtual - this.base;
    return raw > 0n && raw < NODE_STRIDE ? raw : undefined;
  }
}
