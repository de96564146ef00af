import * as fs from 'node:fs';
import type { CoreV1Api, KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { DiscoveryOptions, DiscoverySource, FoundNode } from './index';

/** The Skaffold / Cloud Code debug annotation: `{"<container>":{"runtime":"jvm","ports":{"jdwp":5005}}}`. */
export const CLOUD_CODE_ANNOTATION = 'debug.cloud.google.com/config';
/** Our own annotation: the pod's JDWP port. */
export const PORT_ANNOTATION = 'jdwp-fabric/port';
/** The container port name that marks a JDWP port. */
export const JDWP_PORT_NAME = 'jdwp';
/** Where a pod's service account keeps its namespace. */
const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
/** Delays (ms) before listing again after a failure: first and largest. */
const RETRY_MS = { first: 500, max: 10_000 };

/** True for a pod that runs, is ready, has an IP and is not being deleted. */
export function isServing(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp || !pod.status?.podIP || pod.status.phase !== 'Running') return false;
  return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * The nodes of a serving pod, one per container with a JDWP port, named POD (or POD/CONTAINER when several
 * containers have one). A container's port, first match wins: its port named `jdwp`, the Cloud Code annotation's
 * `ports.jdwp` for it, the pod's `jdwp-fabric/port` annotation, `defaultPort`. The annotation and the default
 * apply to the first container only.
 */
export function nodesOfPod(pod: V1Pod, defaultPort: number | undefined): FoundNode[] {
  if (!isServing(pod)) return [];
  const name = pod.metadata?.name ?? '';
  const host = pod.status!.podIP!;
  const annotations = pod.metadata?.annotations ?? {};
  let cloudCode: Record<string, { ports?: { jdwp?: number } }> = {};
  try {
    cloudCode = JSON.parse(annotations[CLOUD_CODE_ANNOTATION] ?? '{}') ?? {};
  } catch {
    cloudCode = {};
  }
  const containers = pod.spec?.containers ?? [];
  const found: Array<{ container: string; port: number }> = [];
  for (const c of containers) {
    const port = c.ports?.find((p) => p.name === JDWP_PORT_NAME)?.containerPort ?? toPort(cloudCode[c.name]?.ports?.jdwp);
    if (port !== undefined) found.push({ container: c.name, port });
  }
  if (!found.length) {
    const port = toPort(annotations[PORT_ANNOTATION]) ?? defaultPort;
    if (port !== undefined && containers.length) found.push({ container: containers[0].name, port });
  }
  return found.map((f) => ({ name: found.length > 1 ? `${name}/${f.container}` : name, host, port: f.port }));
}

function toPort(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

/**
 * Nodes from Kubernetes: the pods of a namespace that match a label selector, through the official client
 * (kubeconfig or the in-cluster service account). It lists, then watches from the list's resourceVersion; a
 * watch that drops is resumed from the last resourceVersion seen, and one that answers 410 Gone lists again.
 */
export class K8sSource implements DiscoverySource {
  private readonly pods = new Map<string, V1Pod>();
  private resourceVersion = '';
  private abort: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private delay = RETRY_MS.first;
  private lastError = '';
  private onNodes: (nodes: FoundNode[]) => void = () => {};

  constructor(
    readonly spec: string,
    private namespace: string | undefined,
    private readonly selector: string,
    private readonly options: DiscoveryOptions,
  ) {}

  /** Lists, then watches. */
  start(onNodes: (nodes: FoundNode[]) => void): void {
    this.onNodes = onNodes;
    void this.list();
  }

  private clientPromise: ReturnType<K8sSource['makeClient']> | undefined;

  private client(): ReturnType<K8sSource['makeClient']> {
    return (this.clientPromise ??= this.makeClient());
  }

  private async makeClient(): Promise<{ config: KubeConfig; api: CoreV1Api; Watch: typeof import('@kubernetes/client-node').Watch }> {
    const k8s = await loadClient();
    const config = new k8s.KubeConfig();
    if (this.options.kubeconfig) config.loadFromFile(this.options.kubeconfig);
    else config.loadFromDefault();
    this.namespace ??= config.getContextObject(config.getCurrentContext())?.namespace ?? readServiceAccountNamespace() ?? 'default';
    return { config, api: config.makeApiClient(k8s.CoreV1Api), Watch: k8s.Watch };
  }

  private async list(): Promise<void> {
    if (this.stopped) return;
    try {
      const { api } = await this.client();
      const list = await api.listNamespacedPod({ namespace: this.namespace!, labelSelector: this.selector });
      this.pods.clear();
      for (const pod of list.items) if (pod.metadata?.name) this.pods.set(pod.metadata.name, pod);
      this.resourceVersion = list.metadata?.resourceVersion ?? '';
      this.delay = RETRY_MS.first;
      this.lastError = '';
      this.emit();
      await this.watch();
    } catch (err) {
      this.clientPromise = undefined;
      this.note(`cannot list pods: ${(err as Error).message}; retrying`);
      this.retry(() => void this.list());
    }
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    const { config, Watch } = await this.client();
    let relist = false;
    const onEvent = (type: string, object: V1Pod & { code?: number; message?: string }) => {
      if (type === 'ERROR') {
        relist = true;
        if (object.code !== 410) this.note(`watch: ${object.message ?? 'error'}; listing again`);
        return;
      }
      const rv = object.metadata?.resourceVersion;
      if (rv) this.resourceVersion = rv;
      const name = object.metadata?.name;
      if (type === 'BOOKMARK' || !name) return;
      if (type === 'DELETED') this.pods.delete(name);
      else this.pods.set(name, object);
      this.emit();
    };
    const onDone = (err: (Error & { statusCode?: number }) | null) => {
      this.abort = undefined;
      if (this.stopped) return;
      if (relist || err?.statusCode === 410) return void this.list();
      if (err) {
        this.note(`watch: ${err.message}; resuming`);
        return this.retry(() => void this.watch());
      }
      void this.watch();
    };
    const path = `/api/v1/namespaces/${encodeURIComponent(this.namespace!)}/pods`;
    this.abort = await new Watch(config).watch(path, { labelSelector: this.selector, resourceVersion: this.resourceVersion, allowWatchBookmarks: true }, onEvent, onDone);
  }

  /** Logs a failure, once while it repeats. */
  private note(message: string): void {
    if (message !== this.lastError) this.options.log(`[fabric] discover ${this.spec} error: ${message}`);
    this.lastError = message;
  }

  private retry(fn: () => void): void {
    if (this.stopped) return;
    this.timer = setTimeout(fn, this.delay);
    this.delay = Math.min(this.delay * 2, RETRY_MS.max);
  }

  private emit(): void {
    if (this.stopped) return;
    this.onNodes([...this.pods.values()].flatMap((pod) => nodesOfPod(pod, this.options.port)));
  }

  /** Stops watching. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort?.abort();
  }
}

/** The Kubernetes client; the VS Code package leaves it out (scripts/bundle.mjs), and says what to do instead. */
async function loadClient(): Promise<typeof import('@kubernetes/client-node')> {
  try {
    return await import('@kubernetes/client-node');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new Error('this build has no Kubernetes client (the VS Code package leaves it out): run "jdwp-fabric proxy --discover k8s:..." and attach to the proxy');
  }
}

function readServiceAccountNamespace(): string | undefined {
  try {
    return fs.readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
