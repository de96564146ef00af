import { Gate, SlowGuard, type Clock } from './limits';
import type { Probe } from './probe';

/** Why a probe stopped taking hits everywhere. */
export type DoneReason = 'max-hits' | 'per-node' | 'switched-off' | 'bad-expression';

/** A probe's state during a session: its limits, the nodes it is off on, and whether it is done. */
export class ProbeRun {
  readonly gate: Gate;
  readonly slow: SlowGuard;
  /** Nodes the probe is switched off on, with the reason. */
  readonly off = new Map<string, string>();
  /** Set once the probe takes no more hits anywhere. */
  done: DoneReason | undefined;
  /** True once its condition evaluated without error at least once. */
  conditionWorked = false;

  constructor(
    readonly probe: Probe,
    clock: Clock,
  ) {
    this.gate = new Gate(probe.limits, clock);
    this.slow = new SlowGuard(probe.maxPauseMs);
  }

  /** True when hits on this node are ignored. */
  closedOn(node: string): boolean {
    return this.done !== undefined || this.off.has(node);
  }
}
