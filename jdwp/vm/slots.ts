import { FabricError, FabricErrorCode } from '../errors';
import { MAX_SLOT } from './ids';

/**
 * The node slots of a virtual VM. A node holds its slot while it is up. A slot given back while a debugger is
 * attached rests until no debugger is attached any more (that debugger may still hold IDs of the node that left,
 * and they must answer INVALID_* rather than reach another node); then slots come back least recently freed
 * first. So joins are unbounded as long as, at any time, fewer than MAX_SLOT nodes are up or left during the
 * current debugger's session.
 */
export class SlotPool {
  private fresh = 1;
  /** Reusable slots, least recently freed first. */
  private readonly free: number[] = [];
  /** Slots freed while a debugger was attached. */
  private resting: number[] = [];
  private debuggers = 0;

  constructor(readonly max = MAX_SLOT) {}

  /** Hands out a slot; fails with SLOTS_EXHAUSTED when every slot is up or resting. */
  take(): number {
    const reused = this.free.shift();
    if (reused !== undefined) return reused;
    if (this.fresh > this.max) {
      throw new FabricError(FabricErrorCode.SLOTS_EXHAUSTED, `no free node slot: all ${this.max} are held by nodes that are up or that left while the current debugger was attached`);
    }
    return this.fresh++;
  }

  /** Gives back the slot of a node that left or failed to join. */
  release(slot: number): void {
    (this.debuggers > 0 ? this.resting : this.free).push(slot);
  }

  /** A debugger attached: slots freed from now on rest until it has left. */
  debuggerAttached(): void {
    this.debuggers++;
  }

  /** A debugger left (and its cleanup is done): once none is attached, resting slots become reusable. */
  debuggerLeft(): void {
    if (this.debuggers > 0) this.debuggers--;
    if (this.debuggers === 0 && this.resting.length) {
      this.free.push(...this.resting);
      this.resting = [];
    }
  }

  /** How many slots are reusable now, resting, and not handed out yet. */
  get counts(): { free: number; resting: number; fresh: number } {
    return { free: this.free.length, resting: this.resting.length, fresh: this.max - this.fresh + 1 };
  }
}
