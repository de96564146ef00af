import type { NodeLink } from './node-link';

const FIRST_STRING = 1_000_000n;
/** The ID of the cluster's root thread group, whose children are the node groups. */
export const ROOT_GROUP = FIRST_STRING - 1n;

interface FloatingString {
  value: string;
  raw: Map<NodeLink, Promise<bigint>>;
  settled: Map<NodeLink, bigint>;
}

/**
 * Objects the proxy makes itself, in slot 0: the cluster's root thread group, one thread group per node (ID = the
 * node's slot), and strings from
 * VirtualMachine.CreateString. Such a string belongs to no node until it is used: the first command that passes
 * it to a node creates it there, so `vm.mirrorOf("text")` works as an argument on any node.
 */
export class ProxyObjects {
  private nextString = FIRST_STRING;
  private readonly strings = new Map<bigint, FloatingString>();

  /** The virtual ID of a node's top-level thread group. */
  groupId(slot: number): bigint {
    return BigInt(slot);
  }

  /** The slot whose thread group this ID is, or undefined (also for the root group). */
  groupSlot(v: bigint): number | undefined {
    return v > 0n && v < ROOT_GROUP ? Number(v) : undefined;
  }

  /** Makes a floating string. */
  createString(value: string): bigint {
    const id = this.nextString++;
    this.strings.set(id, { value, raw: new Map(), settled: new Map() });
    return id;
  }

  /** True for a floating string's ID. */
  isString(v: bigint): boolean {
    return this.strings.has(v);
  }

  /** A floating string's text. */
  stringValue(v: bigint): string | undefined {
    return this.strings.get(v)?.value;
  }

  /** Creates a floating string on a node (once) and resolves when it exists there. */
  async materialize(v: bigint, node: NodeLink): Promise<void> {
    const s = this.strings.get(v);
    if (!s) return;
    let p = s.raw.get(node);
    if (!p) {
      p = node.client.VirtualMachine.CreateString(s.value).then((r) => {
        s.settled.set(node, r.stringObject);
        return r.stringObject;
      });
      s.raw.set(node, p);
      p.catch(() => s.raw.delete(node));
    }
    await p;
  }

  /** The raw ID of a materialized floating string on a node. */
  rawOn(v: bigint, node: NodeLink): bigint | undefined {
    return this.strings.get(v)?.settled.get(node);
  }

  /** Forgets a node's copies of floating strings. */
  forgetNode(node: NodeLink): void {
    for (const s of this.strings.values()) {
      s.raw.delete(node);
      s.settled.delete(node);
    }
  }
}
