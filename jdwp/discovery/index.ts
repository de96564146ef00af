import { FabricError, FabricErrorCode } from '../errors';
import { parseAddress } from '../transport/tcp';
import { DnsSource } from './dns';
import { K8sSource } from './k8s';
import type { Logger } from '../vm/type-registry';

/** A node a discovery source found: its name and its JDWP address. */
export interface FoundNode {
  name: string;
  host: string;
  port: number;
}

/** A source of nodes. It reports the whole current set each time it may have changed. */
export interface DiscoverySource {
  /** The spec it was made from, such as "dns:jvms.default.svc:5005". */
  readonly spec: string;
  start(onNodes: (nodes: FoundNode[]) => void): void;
  stop(): void;
}

/** Options shared by the discovery sources. */
export interface DiscoveryOptions {
  /** The JDWP port of a pod that names none (--port). */
  port?: number;
  /** The DNS server to ask, HOST:PORT (--dns-server); default the system's. */
  dnsServer?: string;
  /** The longest time, in seconds, between two resolutions of a DNS name, whatever its TTL (--dns-max-ttl; default 30). */
  dnsMaxTtlS?: number;
  /** A kubeconfig file; default the usual search (KUBECONFIG, ~/.kube/config, the in-cluster service account). */
  kubeconfig?: string;
  log: Logger;
}

/** What adds and removes nodes: the virtual VM (`VirtualVm.addNode`). */
export interface NodeSet {
  addNode(spec: string): { remove(reason?: string): void };
}

/** Makes the source of a `--discover` spec: `k8s:[NAMESPACE/]SELECTOR` or `dns:NAME[:PORT]`. */
export function discoverySource(spec: string, options: DiscoveryOptions): DiscoverySource {
  const colon = spec.indexOf(':');
  const scheme = colon > 0 ? spec.slice(0, colon) : '';
  const rest = spec.slice(colon + 1);
  if (scheme === 'dns' && rest) {
    const m = /^([^:]+)(?::(\d+))?$/.exec(rest);
    if (!m) throw badSpec(spec);
    const port = m[2] === undefined ? undefined : parseAddress(`x:${m[2]}`).port;
    return new DnsSource(spec, m[1], port, options);
  }
  if (scheme === 'k8s' && rest) {
    const slash = rest.indexOf('/');
    const namespace = slash >= 0 ? rest.slice(0, slash) : undefined;
    const selector = slash >= 0 ? rest.slice(slash + 1) : rest;
    if (namespace === '' || !selector) throw badSpec(spec);
    return new K8sSource(spec, namespace, selector, options);
  }
  throw badSpec(spec);
}

/** Checks a `--discover` spec without starting anything; throws BAD_DISCOVERY when it is malformed. */
export function checkDiscoverSpec(spec: string): void {
  discoverySource(spec, { log: () => {} });
}

function badSpec(spec: string): FabricError {
  return new FabricError(FabricErrorCode.BAD_DISCOVERY, `bad --discover "${spec}": expected k8s:[NAMESPACE/]LABEL-SELECTOR or dns:NAME[:PORT]`);
}

/**
 * Keeps the virtual VM's nodes equal to what the sources say: a node that appears is dialed, one that goes (or
 * moves to another address) leaves, through the same join and leave path as a `--node`.
 */
export class Discovery {
  private readonly sources: DiscoverySource[];
  private readonly current = new Map<DiscoverySource, Map<string, { address: string; handle: { remove(reason?: string): void } }>>();
  private stopped = false;

  constructor(specs: string[], private readonly nodes: NodeSet, options: DiscoveryOptions) {
    this.sources = specs.map((s) => discoverySource(s, options));
  }

  /** Starts every source. */
  start(): void {
    for (const source of this.sources) {
      this.current.set(source, new Map());
      source.start((found) => this.apply(source, found));
    }
  }

  private apply(source: DiscoverySource, found: FoundNode[]): void {
    if (this.stopped) return;
    const now = this.current.get(source)!;
    const wanted = new Map(found.map((n) => [n.name, `${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`]));
    for (const [name, node] of now) {
      if (wanted.get(name) === node.address) continue;
      node.handle.remove(`gone from ${source.spec}`);
      now.delete(name);
    }
    for (const [name, address] of wanted) {
      if (!now.has(name)) now.set(name, { address, handle: this.nodes.addNode(`${name}=${address}`) });
    }
  }

  /** Stops every source; the nodes they found stay until the virtual VM closes. */
  stop(): void {
    this.stopped = true;
    for (const source of this.sources) source.stop();
  }
}
