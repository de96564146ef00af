import type { NodeLink } from './node-link';

/**
 * The VM-wide suspensions the debugger holds, oldest first, each with the nodes it really suspended, and the
 * gate that hands event sets of policy ALL to the debugger one at a time.
 *
 * To the debugger an event set of policy ALL, or its own VirtualMachine.Suspend, suspends every thread, and on
 * one JVM no event comes while it holds that. Under --suspend-scope node such a set suspends only its own node,
 * and other nodes run on into their own stops. Those sets wait at the gate (their nodes stay suspended) until
 * the debugger resumes what it holds; then the next one is delivered. A VirtualMachine.Resume resumes the nodes
 * of the oldest suspension held. So every set the debugger holds has its threads really suspended, and one
 * resume per set — what jdb, JDI programs and IDEs send — lets the cluster run on.
 */
export class SuspensionLedger {
  private readonly held: Array<Set<NodeLink>> = [];
  private readonly waiting: Array<() => void> = [];
  private delivering = false;
  private closed = false;

  /** Waits until an event set of policy ALL may go to the debugger: it holds no VM-wide suspension, and no other set goes first. */
  async turn(): Promise<void> {
    if (this.closed) return;
    if (!this.held.length && !this.delivering && !this.waiting.length) {
      this.delivering = true;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Records a suspension the debugger was told of (a delivered set, after its turn, or its Suspend), with the nodes it suspended. */
  push(nodes: Iterable<NodeLink>): void {
    this.held.push(new Set(nodes));
    this.delivering = false;
  }

  /** Gives back a turn that delivered nothing (the set's request went, or its node). */
  skip(): void {
    this.delivering = false;
    this.next();
  }

  /** The nodes the debugger's VirtualMachine.Resume resumes: the oldest suspension's; undefined (every node) when it holds none. */
  shift(): NodeLink[] | undefined {
    const oldest = this.held.shift();
    return oldest && [...oldest].filter((l) => !l.down);
  }

  /** Lets the next waiting set go, once the debugger holds nothing (call after the nodes of a shift have resumed). */
  next(): void {
    if (this.held.length || this.delivering) return;
    const go = this.waiting.shift();
    if (!go) return;
    this.delivering = true;
    go();
  }

  /** Forgets a node that left. */
  nodeLeft(link: NodeLink): void {
    for (const nodes of this.held) nodes.delete(link);
  }

  /** The debugger left: every waiting set goes on (to be resumed, as nobody will see it). */
  close(): void {
    this.closed = true;
    for (const go of this.waiting.splice(0)) go();
  }

  /** How many suspensions the debugger holds. */
  get size(): number {
    return this.held.length;
  }
}
