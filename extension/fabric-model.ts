/** The id of the Fabric view in the Run and Debug side bar. */
export const FABRIC_VIEW_ID = 'jdwpFabric.view';

/** How many classes a heap pool lists when the setting is absent. */
export const DEFAULT_HEAP_POOL_TOP_N = 20;

/** The shapes of the adapter's `fabric.nodes`, `fabric.heapPool` and `fabric.divergentClasses` replies. */
export type { ClassVersion, DivergentClass, FabricNode, HeapClass } from '../adapter/fabric';
import type { ClassVersion, DivergentClass, FabricNode, HeapClass } from '../adapter/fabric';

/** Sends a custom request to a debug session and resolves with the response body (a DebugSession's customRequest). */
export type FabricRequester = (command: string, args?: Record<string, unknown>) => PromiseLike<unknown>;

/** An element of the Fabric tree. */
export type FabricItem =
  | { kind: 'node'; node: FabricNode }
  | { kind: 'heapClass'; node: string; entry: HeapClass }
  | { kind: 'divergentGroup'; classes: DivergentClass[] }
  | { kind: 'divergentClass'; cls: DivergentClass }
  | { kind: 'version'; cls: DivergentClass; version: ClassVersion }
  | { kind: 'message'; id: string; text: string; detail?: string };

/** How an item looks in the tree, independent of the VS Code API. */
export interface ItemPresentation {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  collapsible: 'none' | 'collapsed';
  /** A codicon name such as "vm-running". */
  icon?: string;
  contextValue: string;
}

/** The Java name of a type signature: "Ldemo/Order;" is "demo.Order", "[I" is "int[]". */
export function javaName(signature: string): string {
  let dims = 0;
  while (signature[dims] === '[') dims++;
  const element = signature.slice(dims);
  const primitives: Record<string, string> = { Z: 'boolean', B: 'byte', C: 'char', S: 'short', I: 'int', J: 'long', F: 'float', D: 'double', V: 'void' };
  const base = element.startsWith('L') && element.endsWith(';') ? element.slice(1, -1).replace(/\//g, '.') : primitives[element] ?? element;
  return base + '[]'.repeat(dims);
}

const NODE_ICONS: Record<string, string> = { up: 'vm-running', connecting: 'loading~spin', down: 'vm-outline' };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Short form of a symbol hash for labels. */
export function shortHash(hash: string): string {
  return hash.length > 12 ? hash.slice(0, 12) : hash || '(no hash)';
}

/** The tree presentation of an item. */
export function present(item: FabricItem): ItemPresentation {
  switch (item.kind) {
    case 'node': {
      const n = item.node;
      return {
        id: `node/${n.name}`,
        label: n.name,
        description: `${n.state} · ${n.vmVersion || 'unknown VM'} · ${plural(n.threadCount, 'thread')}`,
        tooltip: `${n.name} (slot ${n.slot}) at ${n.address}\nstate: ${n.state}\nVM: ${n.vmVersion}\nthreads: ${n.threadCount}\nExpand for the heap pool.`,
        collapsible: n.state === 'up' ? 'collapsed' : 'none',
        icon: NODE_ICONS[n.state] ?? 'question',
        contextValue: `fabricNode.${n.state}`,
      };
    }
    case 'heapClass':
      return {
        id: `node/${item.node}/heap/${item.entry.signature}/${item.entry.symbolHash}`,
        label: item.entry.name || javaName(item.entry.signature),
        description: plural(item.entry.count, 'instance'),
        tooltip: `${item.entry.signature}\nsymbol ${item.entry.symbolHash}\n${item.entry.count} instances on ${item.node}`,
        collapsible: 'none',
        icon: 'symbol-class',
        contextValue: 'fabricHeapClass',
      };
    case 'divergentGroup':
      return {
        id: 'divergent',
        label: 'Divergent classes',
        description: item.classes.length ? String(item.classes.length) : 'none',
        tooltip: 'Classes whose code differs across nodes, with the nodes that run each version.',
        collapsible: item.classes.length ? 'collapsed' : 'none',
        icon: 'git-compare',
        contextValue: 'fabricDivergentGroup',
      };
    case 'divergentClass':
      return {
        id: `divergent/${item.cls.signature}`,
        label: item.cls.name || javaName(item.cls.signature),
        description: plural(item.cls.versions.length, 'version'),
        tooltip: item.cls.signature,
        collapsible: 'collapsed',
        icon: 'symbol-class',
        contextValue: 'fabricDivergentClass',
      };
    case 'version':
      return {
        id: `divergent/${item.cls.signature}/${item.version.symbolHash}`,
        label: shortHash(item.version.symbolHash),
        description: item.version.nodes.join(', '),
        tooltip: `symbol ${item.version.symbolHash}\nrunning on ${plural(item.version.nodes.length, 'node')}: ${item.version.nodes.join(', ')}`,
        collapsible: 'none',
        icon: 'versions',
        contextValue: 'fabricVersion',
      };
    case 'message':
      return { id: item.id, label: item.text, tooltip: item.detail, collapsible: 'none', icon: 'info', contextValue: 'fabricMessage' };
  }
}

/** A malformed reply from the adapter. */
export class FabricReplyError extends Error {
  constructor(command: string, detail: string) {
    super(`${command}: unexpected reply (${detail})`);
    this.name = 'FabricReplyError';
  }
}

function record(value: unknown, command: string, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FabricReplyError(command, `${what} is not an object`);
  return value as Record<string, unknown>;
}

function list(value: unknown, command: string, what: string): unknown[] {
  if (!Array.isArray(value)) throw new FabricReplyError(command, `${what} is not an array`);
  return value;
}

function str(value: unknown, command: string, what: string): string {
  if (typeof value !== 'string') throw new FabricReplyError(command, `${what} is not a string`);
  return value;
}

function num(value: unknown, command: string, what: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new FabricReplyError(command, `${what} is not a number`);
  return n;
}

/** Checks a `fabric.nodes` response body. */
export function parseNodes(body: unknown): FabricNode[] {
  const c = 'fabric.nodes';
  return list(record(body, c, 'body').nodes, c, 'nodes').map((raw, i) => {
    const n = record(raw, c, `nodes[${i}]`);
    return {
      slot: num(n.slot, c, `nodes[${i}].slot`),
      name: str(n.name, c, `nodes[${i}].name`),
      address: str(n.address, c, `nodes[${i}].address`),
      vmVersion: str(n.vmVersion, c, `nodes[${i}].vmVersion`),
      state: str(n.state, c, `nodes[${i}].state`),
      threadCount: num(n.threadCount, c, `nodes[${i}].threadCount`),
    };
  });
}

/** Checks a `fabric.heapPool` response body. */
export function parseHeapPool(body: unknown): HeapClass[] {
  const c = 'fabric.heapPool';
  return list(record(body, c, 'body').classes, c, 'classes').map((raw, i) => {
    const e = record(raw, c, `classes[${i}]`);
    const signature = str(e.signature, c, `classes[${i}].signature`);
    return {
      signature,
      name: typeof e.name === 'string' && e.name ? e.name : javaName(signature),
      symbolHash: typeof e.symbolHash === 'string' ? e.symbolHash : '',
      count: num(e.count, c, `classes[${i}].count`),
    };
  });
}

/** Checks a `fabric.divergentClasses` response body. */
export function parseDivergentClasses(body: unknown): DivergentClass[] {
  const c = 'fabric.divergentClasses';
  return list(record(body, c, 'body').classes, c, 'classes').map((raw, i) => {
    const d = record(raw, c, `classes[${i}]`);
    const signature = str(d.signature, c, `classes[${i}].signature`);
    return {
      signature,
      name: typeof d.name === 'string' && d.name ? d.name : javaName(signature),
      versions: list(d.versions, c, `classes[${i}].versions`).map((rv, j) => {
        const v = record(rv, c, `classes[${i}].versions[${j}]`);
        return {
          symbolHash: str(v.symbolHash, c, `classes[${i}].versions[${j}].symbolHash`),
          nodes: list(v.nodes, c, `classes[${i}].versions[${j}].nodes`).map((n, k) => str(n, c, `classes[${i}].versions[${j}].nodes[${k}]`)),
        };
      }),
    };
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The status bar text for a session's nodes: "fabric: 3 nodes", with the ones not up counted apart. */
export function statusText(nodes: FabricNode[] | undefined): string {
  if (!nodes) return 'fabric: connecting';
  const notUp = nodes.filter((n) => n.state !== 'up').length;
  return `fabric: ${plural(nodes.length, 'node')}${notUp ? ` (${notUp} not up)` : ''}`;
}

/** The Fabric tree's data for one debug session; fetches through custom requests, each level when it is expanded. */
export class FabricModel {
  /** The nodes of the last successful `fabric.nodes`, for the status bar. */
  nodes: FabricNode[] | undefined;
  private top: Promise<FabricItem[]> | undefined;

  constructor(
    private readonly request: FabricRequester,
    private readonly topN: () => number = () => DEFAULT_HEAP_POOL_TOP_N,
  ) {}

  /** The top level as last fetched, fetching it if it never was. */
  roots(): Promise<FabricItem[]> {
    return this.top ?? this.refresh();
  }

  /** Fetches the top level again: the nodes, then the divergent classes. Failures become message items. */
  refresh(): Promise<FabricItem[]> {
    const top = this.fetchRoots();
    this.top = top;
    return top;
  }

  private async fetchRoots(): Promise<FabricItem[]> {
    const [nodes, divergent] = await Promise.allSettled([
      this.request('fabric.nodes').then(parseNodes),
      this.request('fabric.divergentClasses').then(parseDivergentClasses),
    ]);
    const items: FabricItem[] = [];
    if (nodes.status === 'fulfilled') {
      this.nodes = nodes.value;
      items.push(...nodes.value.map((node): FabricItem => ({ kind: 'node', node })));
      if (!nodes.value.length) items.push({ kind: 'message', id: 'no-nodes', text: 'No nodes' });
    } else {
      items.push({ kind: 'message', id: 'nodes-failed', text: `Nodes unavailable: ${messageOf(nodes.reason)}`, detail: messageOf(nodes.reason) });
    }
    if (divergent.status === 'fulfilled') items.push({ kind: 'divergentGroup', classes: divergent.value });
    else items.push({ kind: 'message', id: 'divergent-failed', text: `Divergent classes unavailable: ${messageOf(divergent.reason)}` });
    return items;
  }

  /** The children of an item: a node's heap pool (fetched now), a group's classes, a class's versions. */
  async children(item: FabricItem): Promise<FabricItem[]> {
    switch (item.kind) {
      case 'node':
        try {
          const classes = parseHeapPool(await this.request('fabric.heapPool', { node: item.node.name, topN: this.topN() }));
          if (!classes.length) return [{ kind: 'message', id: `node/${item.node.name}/heap-empty`, text: 'Heap pool is empty' }];
          return classes.map((entry): FabricItem => ({ kind: 'heapClass', node: item.node.name, entry }));
        } catch (err) {
          return [{ kind: 'message', id: `node/${item.node.name}/heap-failed`, text: `Heap pool unavailable: ${messageOf(err)}` }];
        }
      case 'divergentGroup':
        return item.classes.map((cls): FabricItem => ({ kind: 'divergentClass', cls }));
      case 'divergentClass':
        return item.cls.versions.map((version): FabricItem => ({ kind: 'version', cls: item.cls, version }));
      default:
        return [];
    }
  }
}
