import { Resolver } from 'node:dns/promises';
import type { DiscoveryOptions, DiscoverySource, FoundNode } from './index';

/** The shortest time between two resolutions of a name, in seconds, however short its TTL. */
const MIN_TTL_S = 1;
/** Default of --dns-max-ttl, in seconds. */
export const DEFAULT_DNS_MAX_TTL_S = 30;
/** How soon (s) a name is asked again after its server failed to answer, unless --dns-max-ttl is shorter. */
const RETRY_S = 3;
/** Answers that mean "no such records": every node of the name is gone. */
const EMPTY = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * Nodes from DNS: `dns:NAME:PORT` reads NAME's A records (a Kubernetes headless service), each address a node on
 * PORT; `dns:NAME` reads its SRV records, each target (resolved to its A records) a node on the record's port.
 * The name is resolved again when the shortest TTL runs out, bounded by --dns-max-ttl. A failing server keeps
 * the nodes found last and asks again within a few seconds.
 */
export class DnsSource implements DiscoverySource {
  private readonly resolver = new Resolver({ timeout: 2_000, tries: 2 });
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastError = '';

  constructor(
    readonly spec: string,
    private readonly name: string,
    private readonly port: number | undefined,
    private readonly options: DiscoveryOptions,
  ) {
    if (options.dnsServer) this.resolver.setServers([options.dnsServer]);
  }

  /** Resolves now, then again as the TTLs say. */
  start(onNodes: (nodes: FoundNode[]) => void): void {
    const maxTtl = this.options.dnsMaxTtlS ?? DEFAULT_DNS_MAX_TTL_S;
    const round = async () => {
      let ttl = Math.min(maxTtl, RETRY_S);
      try {
        const found = await this.resolve();
        ttl = found.ttl;
        this.lastError = '';
        if (!this.stopped) onNodes(found.nodes);
      } catch (err) {
        const message = (err as Error).message;
        if (message !== this.lastError) this.options.log(`[fabric] discover ${this.spec} error: ${message}; keeping the nodes found last`);
        this.lastError = message;
      }
      if (this.stopped) return;
      const delay = Math.max(MIN_TTL_S, Math.min(ttl, maxTtl));
      this.timer = setTimeout(() => void round(), delay * 1_000);
    };
    void round();
  }

  /** The nodes the name has now, and how long (s) that answer holds. */
  async resolve(): Promise<{ nodes: FoundNode[]; ttl: number }> {
    if (this.port !== undefined) {
      const records = await this.addresses(this.name);
      return { nodes: records.map((r) => ({ name: `${r.address}:${this.port}`, host: r.address, port: this.port! })), ttl: minTtl(records) };
    }
    const srv = await orEmpty(this.resolver.resolveSrv(this.name));
    const nodes: FoundNode[] = [];
    let ttl = Infinity;
    for (const s of srv) {
      const records = await this.addresses(s.name);
      ttl = Math.min(ttl, minTtl(records));
      for (const r of records) nodes.push({ name: records.length > 1 ? `${s.name}:${s.port}/${r.address}` : `${s.name}:${s.port}`, host: r.address, port: s.port });
    }
    return { nodes, ttl };
  }

  private addresses(name: string): Promise<Array<{ address: string; ttl: number }>> {
    return orEmpty(this.resolver.resolve4(name, { ttl: true }));
  }

  /** Stops resolving. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.resolver.cancel();
  }
}

async function orEmpty<T>(p: Promise<T[]>): Promise<T[]> {
  try {
    return await p;
  } catch (err) {
    if (EMPTY.has((err as NodeJS.ErrnoException).code ?? '')) return [];
    throw err;
  }
}

function minTtl(records: Array<{ ttl: number }>): number {
  return records.reduce((m, r) => Math.min(m, r.ttl), Infinity);
}
