import type { ObjectID } from '../protocol/wire-types';
import type { NodeLink } from './node-link';

const FIRST_STRING = 1_000_000n;
/** The ID of the cluster's root thread group, whose children are the node groups. */
export const ROOT_GROUP = FIRST_STRING - 1n;

interface FloatingString {
  value: string;
  raw: Map<NodeLink, Promise<bigint>>;
  settled: Map<NodeLink, bigint>;
  /** How many times the debugger was sent this ID, less what it disposed (VirtualMachine.DisposeObjects). */
  refs: number;
}

/**
 * Objects the proxy makes itself, in slot 0: the cluster's root thread group, one thread group per node (ID = the
 * node's slot), and strings from
 * VirtualMachine.CreateString. Such a string belongs to no node until it is used: the first command that passes
 * it to a node creates it there, so `vm.mirrorOf("text")` works as an argument on any node. A node's copy that
 * comes back (a method returns it) is the proxy string again, so it keeps one identity. A string lives until the
 * debugger disposes every reference it was sent, or leaves.
 */
export class ProxyObjects {
  private nextString = FIRST_STRING;
  private readonly strings = new Map<bigint, FloatingString>();
  /** Per node, the raw ID of each materialized proxy string to its virtual ID. */
  private readonly byRaw = new Map<NodeLink, Map<bigint, bigint>>();
  /** Names of threads of nodes that exited, read at their VMDeath: a JVM still names a thread that ended. */
  private readonly departedNames = new Map<bigint, string>();

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
    this.strings.set(id, { value, raw: new Map(), settled: new Map(), refs: 1 });
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

  /** How many proxy strings are alive. */
  get stringCount(): number {
    return this.strings.size;
  }

  /** Creates a floating string on a node (once) and resolves when it exists there. */
  async materialize(v: bigint, node: NodeLink): Promise<void> {
    const s = this.strings.get(v);
    if (!s) return;
    let p = s.raw.get(node);
    if (!p) {
      p = node.client.VirtualMachine.CreateString(s.value).then((r) => {
        if (this.strings.get(v) !== s || node.down) {
          this.release(node, r.stringObject);
        } else {
          s.settled.set(node, r.stringObject);
          let map = this.byRaw.get(node);
          if (!map) this.byRaw.set(node, (map = new Map()));
          map.set(r.stringObject, v);
        }
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

  /**
   * The proxy string a node's raw object ID is the copy of, if any, counted as sent to the debugger; undefined
   * for every other object.
   */
  virtualOf(node: NodeLink, raw: bigint): bigint | undefined {
    const v = this.byRaw.get(node)?.get(raw);
    if (v !== undefined) this.strings.get(v)!.refs++;
    return v;
  }

  /** VirtualMachine.DisposeObjects of a proxy string: frees it once the debugger has disposed every reference. */
  dispose(v: bigint, refCnt: number): void {
    const s = this.strings.get(v);
    if (!s) return;
    s.refs -= refCnt;
    if (s.refs <= 0) this.free(v, s);
  }

  /** Frees every proxy string and departed thread name (their debugger has left). */
  forgetStrings(): void {
    for (const [v, s] of [...this.strings]) this.free(v, s);
    this.departedNames.clear();
  }

  /** Keeps the names of a node's threads as it exits (virtual thread ID to name). */
  rememberThreadNames(names: Map<bigint, string>): void {
    for (const [id, name] of names) this.departedNames.set(id, name);
  }

  /** The name of a thread of a node that exited, if the proxy read it. */
  departedThreadName(v: bigint): string | undefined {
    return this.departedNames.get(v);
  }

  private free(v: bigint, s: FloatingString): void {
    this.strings.delete(v);
    for (const [node, raw] of s.settled) {
      this.byRaw.get(node)?.delete(raw);
      this.release(node, raw);
    }
  }

  /** Lets a node forget the copy it made for the proxy. */
  private release(node: NodeLink, raw: bigint): void {
    if (!node.down) node.client.VirtualMachine.DisposeObjects([{ object: raw as ObjectID, refCnt: 1 }]).catch(() => undefined);
  }

  /** Forgets a node's copies of floating strings. */
  forgetNode(node: NodeLink): void {
    for (const s of this.strings.values()) {
      s.raw.delete(node);
      s.settled.delete(node);
    }
    this.byRaw.delete(node);
  }
}
