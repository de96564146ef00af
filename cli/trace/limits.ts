import { SLOW_HITS_IN_A_ROW, type Limits, type Rate } from './probe';

/** A clock in milliseconds; tests pass their own. */
export type Clock = () => number;

/**
 * A token bucket: `rate` tokens a second, holding at most a quarter second's worth (at least one), full at
 * the start. A hit that finds no token is skipped.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly capacity: number;

  constructor(
    readonly rate: Rate,
    private readonly clock: Clock,
  ) {
    this.capacity = Math.max(1, rate.perSecond / 4);
    this.tokens = this.capacity;
    this.last = clock();
  }

  private refill(): void {
    const now = this.clock();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate.perSecond);
    this.last = now;
  }

  /** True when a token is there (without taking it). */
  available(): boolean {
    this.refill();
    return this.tokens >= 1;
  }

  /** Takes a token; call only after available() said yes. */
  take(): void {
    this.tokens -= 1;
  }
}

/** Captured hits counted in all and per node, against a maximum and a per-node maximum. */
export class Quota {
  count = 0;
  readonly byNode = new Map<string, number>();

  constructor(
    readonly max: number | undefined,
    readonly perNode: number | undefined,
  ) {}

  /** True once the maximum is reached. */
  full(): boolean {
    return this.max !== undefined && this.count >= this.max;
  }

  /** True once a node reached the per-node maximum. */
  nodeFull(node: string): boolean {
    return this.perNode !== undefined && (this.byNode.get(node) ?? 0) >= this.perNode;
  }

  /** How many nodes reached the per-node maximum. */
  nodesFull(): number {
    if (this.perNode === undefined) return 0;
    let n = 0;
    for (const c of this.byNode.values()) if (c >= this.perNode) n++;
    return n;
  }

  /** Counts one captured hit. */
  take(node: string): void {
    this.count++;
    this.byNode.set(node, (this.byNode.get(node) ?? 0) + 1);
  }
}

/** A rate limit in all and per node. */
export class RateGate {
  private readonly total: TokenBucket | undefined;
  private readonly nodes = new Map<string, TokenBucket>();

  constructor(
    private readonly limits: Pick<Limits, 'rate' | 'nodeRate'>,
    private readonly clock: Clock,
  ) {
    this.total = limits.rate && new TokenBucket(limits.rate, clock);
  }

  private node(node: string): TokenBucket | undefined {
    if (!this.limits.nodeRate) return undefined;
    let b = this.nodes.get(node);
    if (!b) this.nodes.set(node, (b = new TokenBucket(this.limits.nodeRate, this.clock)));
    return b;
  }

  /** True when both the total and the node's bucket have a token. */
  available(node: string): boolean {
    return (this.total?.available() ?? true) && (this.node(node)?.available() ?? true);
  }

  /** Takes a token from both buckets. */
  take(node: string): void {
    this.total?.take();
    this.node(node)?.take();
  }
}

/** The limits of one scope (the session, or one probe): hit quotas and rates. */
export class Gate {
  readonly quota: Quota;
  readonly rate: RateGate;

  constructor(limits: Limits, clock: Clock) {
    this.quota = new Quota(limits.maxHits, limits.perNode);
    this.rate = new RateGate(limits, clock);
  }
}

/** Why a hit was not captured. */
export type Refusal = 'done' | 'node-done' | 'rate';

/**
 * Admits a hit through every gate (session, then probe) or refuses it: a full quota first, then a full
 * node, then a missing token. Admission takes from all gates at once, so concurrent hits never overshoot.
 */
export function admit(gates: Gate[], node: string): Refusal | undefined {
  if (gates.some((g) => g.quota.full())) return 'done';
  if (gates.some((g) => g.quota.nodeFull(node))) return 'node-done';
  if (!gates.every((g) => g.rate.available(node))) return 'rate';
  for (const g of gates) {
    g.quota.take(node);
    g.rate.take(node);
  }
  return undefined;
}

/** Counts slow hits in a row per node; trips when one node had SLOW_HITS_IN_A_ROW of them. */
export class SlowGuard {
  private readonly inARow = new Map<string, number>();

  constructor(readonly maxPauseMs: number) {}

  /** Records how long a hit held its thread; true when the probe should be switched off on that node. */
  record(node: string, pauseMs: number): boolean {
    const n = pauseMs > this.maxPauseMs ? (this.inARow.get(node) ?? 0) + 1 : 0;
    this.inARow.set(node, n);
    return n >= SLOW_HITS_IN_A_ROW;
  }
}
