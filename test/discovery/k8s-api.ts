// A stand-in for the Kubernetes API server, for the discovery tests: no cluster can run on these machines. It
// serves only what the Kubernetes source asks of a real API server, in the API's documented shapes (core/v1):
// - GET /api/v1/namespaces/NS/pods?labelSelector=K=V: a PodList with metadata.resourceVersion;
// - the same with watch=true&resourceVersion=RV: a stream of JSON lines {"type": ADDED|MODIFIED|DELETED, "object":
//   Pod}, each object with its new metadata.resourceVersion, starting after RV; a resourceVersion older than the
//   history kept answers one {"type": "ERROR", "object": Status{code: 410, reason: "Expired"}} and ends (or, with
//   `goneAsHttp`, HTTP 410 with a Status body), as an API server does once etcd has compacted it.
// Tests change pods with setPod and deletePod, drop every open watch with dropWatches, and forget the history with
// compact.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { tmpDir } from '../support/fixtures';

/** A pod as the API serves it (the fields the source reads, plus the usual identity fields). */
export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: { name: string; namespace: string; uid: string; resourceVersion?: string; labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: Array<{ name: string; image: string; ports?: Array<{ name?: string; containerPort: number; protocol: 'TCP' }> }> };
  status: { phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed'; podIP?: string; conditions: Array<{ type: string; status: 'True' | 'False' }> };
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Pod;
  rv: number;
}

/** The stand-in API server. */
export class FakeApiServer {
  private readonly server = http.createServer((req, res) => this.serve(req, res));
  private readonly pods = new Map<string, Pod>();
  private history: WatchEvent[] = [];
  /** Events before this resourceVersion are forgotten: watching from older ones answers 410. */
  private oldest = 1;
  private rv = 100;
  private readonly watches = new Set<{ res: http.ServerResponse; selector: string; namespace: string }>();
  /** Every request, as "METHOD path?query", for the tests to check what the client asked. */
  readonly requests: string[] = [];
  /** Answer a too-old watch with HTTP 410 instead of a 410 ERROR event. */
  goneAsHttp = false;
  url = '';

  /** Listens on a free loopback port. */
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Adds a pod, or replaces the pod of that name (ADDED or MODIFIED). */
  setPod(pod: Pod): void {
    const type = this.pods.has(pod.metadata.name) ? 'MODIFIED' : 'ADDED';
    const object = this.stamp(pod);
    this.pods.set(pod.metadata.name, object);
    this.publish({ type, object, rv: this.rv });
  }

  /** Deletes a pod (DELETED, with the pod's last state). */
  deletePod(name: string): void {
    const pod = this.pods.get(name);
    if (!pod) throw new Error(`no pod ${name}`);
    this.pods.delete(name);
    this.publish({ type: 'DELETED', object: this.stamp(pod), rv: this.rv });
  }

  /** Ends every open watch response, as a restarting API server or a load balancer's idle timeout does. */
  dropWatches(): void {
    for (const w of this.watches) w.res.end();
    this.watches.clear();
  }

  /**
   * Another object changes (resourceVersions are global) and the history is compacted past it: a watch from any
   * resourceVersion seen so far now answers 410 Gone.
   */
  compact(): void {
    this.rv++;
    this.history = [];
    this.oldest = this.rv + 1;
  }

  /** Stops the server. */
  async close(): Promise<void> {
    this.dropWatches();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private stamp(pod: Pod): Pod {
    this.rv++;
    return JSON.parse(JSON.stringify({ ...pod, metadata: { ...pod.metadata, resourceVersion: String(this.rv) } }));
  }

  private publish(event: WatchEvent): void {
    this.history.push(event);
    for (const w of this.watches) if (event.object.metadata.namespace === w.namespace && matches(event.object, w.selector)) write(w.res, event);
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) return status(res, 404, 'NotFound', `the stand-in serves only pod lists and watches, not ${url.pathname}`);
    const namespace = decodeURIComponent(m[1]);
    const selector = url.searchParams.get('labelSelector') ?? '';
    if (url.searchParams.get('watch') !== 'true' && url.searchParams.get('watch') !== '1') {
      const items = [...this.pods.values()].filter((p) => p.metadata.namespace === namespace && matches(p, selector));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items }));
      return;
    }
    const from = Number(url.searchParams.get('resourceVersion') ?? '0');
    if (from + 1 < this.oldest) {
      const message = `too old resource version: ${from} (${this.oldest - 1})`;
      if (this.goneAsHttp) return status(res, 410, 'Expired', message);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Expired', code: 410 } }) + '\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const watch = { res, selector, namespace };
    this.watches.add(watch);
    res.on('close', () => this.watches.delete(watch));
    for (const e of this.history) if (e.rv > from && e.object.metadata.namespace === namespace && matches(e.object, selector)) write(res, e);
  }
}

/** True when a pod's labels satisfy an equality selector ("k=v,k2=v2"); the stand-in knows no other kind. */
function matches(pod: Pod, selector: string): boolean {
  return selector
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const [k, v] = term.split('=');
      return pod.metadata.labels[k] === v;
    });
}

function write(res: http.ServerResponse, e: WatchEvent): void {
  res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n');
}

function status(res: http.ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

/** How a test pod names its JDWP port. */
export type PortVia = 'containerPort' | 'cloudCode' | 'annotation' | 'default';

/** A running, ready pod of app=orders in namespace `shop` whose JVM listens on 127.0.0.1:port. */
export function orderPod(name: string, port: number, via: PortVia, ready = true): Pod {
  const container = { name: 'app', image: 'orders:1', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' as const }] };
  if (via === 'containerPort') container.ports.push({ name: 'jdwp', containerPort: port, protocol: 'TCP' });
  const annotations: Record<string, string> = {};
  if (via === 'cloudCode') annotations['debug.cloud.google.com/config'] = JSON.stringify({ app: { runtime: 'jvm', ports: { jdwp: port } } });
  if (via === 'annotation') annotations['jdwp-fabric/port'] = String(port);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop', uid: `${name}-${port}`, labels: { app: 'orders' }, annotations },
    spec: { containers: [container] },
    status: { phase: 'Running', podIP: '127.0.0.1', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

/** Writes a kubeconfig (in a fresh directory) whose one context points at the stand-in server; returns its path. */
export function writeKubeconfig(api: FakeApiServer, user: { token: string; namespace?: string }): string {
  const file = path.join(tmpDir('kube-'), 'config');
  const context = { cluster: 'stand-in', user: 'tester', ...(user.namespace ? { namespace: user.namespace } : {}) };
  fs.writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'stand-in', cluster: { server: api.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'tester', user: { token: user.token } }],
      contexts: [{ name: 'test', context }],
      'current-context': 'test',
    }),
  );
  return file;
}
