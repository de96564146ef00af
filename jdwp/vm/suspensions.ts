import type { NodeLink } from './node-link';

/**
 * The VM-wide suspensions the debugger holds, oldest first, each with the nodes it really suspended. To the
 * debugger an event set of policy ALL, or its own VirtualMachine.Suspend, suspends every thread once; under
 * --suspend-scope node such an event suspends only its own node. Its next VirtualMachine.Resume therefore
 * resumes the nodes of the oldest suspension, not every node, so a node held by a later event set stays
 * suspended until that set is resumed, as a debugger that handles event sets in order expects.
 */
export class SuspensionLedger {
  private readonly held: Array<Set<NodeLink>> = [];

  /** Records a suspension the debugger was told of, with the nodes it suspended. */
  push(nodes: Iterable<NodeLink>): void {
    this.held.push(new Set(nodes));
  }

  /** The nodes the debugger's next VirtualMachine.Resume resumes: the oldest suspension's; undefined (every node) when none is held. */
  shift(): NodeLink[] | undefined {
    const oldest = this.held.shift();
    return oldest && [...oldest].filter((l) => !l.down);
  }

  /** Forgets a node that left. */
  nodeLeft(link: NodeLink): void {
    for (const nodes of this.held) nodes.delete(link);
  }

  /** How many suspensions the debugger holds. */
  get size(): number {
    return this.held.length;
  }
}
