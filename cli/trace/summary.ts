/** What became of hits: captured, filtered by --when, skipped by the rate limit, ignored (probe done or off there), failed. */
export type HitOutcome = 'captured' | 'filtered' | 'skipped' | 'ignored' | 'errors';

const OUTCOMES: HitOutcome[] = ['captured', 'filtered', 'skipped', 'ignored', 'errors'];

/** Hit counts by outcome. */
export type Counts = Record<HitOutcome, number>;

function zero(): Counts {
  return { captured: 0, filtered: 0, skipped: 0, ignored: 0, errors: 0 };
}

/** A probe switched off on a node, and why. */
export interface SwitchedOff {
  probe: string;
  node: string;
  reason: string;
}

/** How a session ended. */
export interface Ending {
  /** A short reason: "--max-hits reached", "interrupted", "target lost: ...". */
  reason: string;
  exitCode: number;
  elapsedMs: number;
  /** Requests cleared at the end. */
  cleared: number;
  /** Threads a hit still held once the hits in progress had finished, resumed by the cleanup (normally 0). */
  resumed: number;
}

/** Counts of a session: per node and per probe, probes switched off, errors, nodes that came and went. */
export class Stats {
  readonly nodes = new Map<string, Counts>();
  readonly probes = new Map<string, Counts>();
  readonly switchedOff: SwitchedOff[] = [];
  /** Error messages with how often each happened. */
  readonly errors = new Map<string, number>();
  readonly nodeEvents: string[] = [];

  /** Counts one hit of a probe on a node. */
  count(node: string, probe: string, outcome: HitOutcome): void {
    for (const [map, key] of [[this.nodes, node], [this.probes, probe]] as const) {
      let c = map.get(key);
      if (!c) map.set(key, (c = zero()));
      c[outcome]++;
    }
  }

  /** Records an error message; true the first time it is seen. */
  error(message: string): boolean {
    const n = this.errors.get(message) ?? 0;
    this.errors.set(message, n + 1);
    return n === 0;
  }

  /** Total hits of an outcome. */
  total(outcome: HitOutcome): number {
    let n = 0;
    for (const c of this.nodes.values()) n += c[outcome];
    return n;
  }

  /** The summary as a JSON object. */
  toJson(ending: Ending): Record<string, unknown> {
    return {
      summary: {
        reason: ending.reason,
        exitCode: ending.exitCode,
        seconds: Math.round(ending.elapsedMs) / 1000,
        requestsCleared: ending.cleared,
        threadsResumed: ending.resumed,
        nodes: Object.fromEntries(this.nodes),
        probes: Object.fromEntries(this.probes),
        switchedOff: this.switchedOff,
        errors: [...this.errors].map(([message, count]) => ({ message, count })),
        nodeEvents: this.nodeEvents,
      },
    };
  }

  /** The summary as lines of text. */
  toLines(command: string, ending: Ending): string[] {
    const lines = [
      `jdwp-fabric ${command}: ended (${ending.reason}) after ${(ending.elapsedMs / 1000).toFixed(1)} s: ` +
        `${this.total('captured')} hits captured; ${ending.cleared} requests cleared${ending.resumed ? `, ${ending.resumed} held threads resumed by the cleanup` : ''}`,
    ];
    const table = (title: string, map: Map<string, Counts>) => {
      if (!map.size) return;
      const width = Math.max(title.length, ...[...map.keys()].map((k) => k.length));
      lines.push(`  ${title.padEnd(width)}  ${OUTCOMES.map((o) => o.padStart(9)).join(' ')}`);
      for (const [key, c] of map) lines.push(`  ${key.padEnd(width)}  ${OUTCOMES.map((o) => String(c[o]).padStart(9)).join(' ')}`);
    };
    table('node', this.nodes);
    if (this.probes.size > 1) table('probe', this.probes);
    if (!this.nodes.size) lines.push('  no hits');
    for (const s of this.switchedOff) lines.push(`  switched off: ${s.probe} on ${s.node}: ${s.reason}`);
    for (const e of this.nodeEvents) lines.push(`  ${e}`);
    for (const [message, count] of this.errors) lines.push(`  error${count > 1 ? ` (${count}x)` : ''}: ${message}`);
    return lines;
  }
}
