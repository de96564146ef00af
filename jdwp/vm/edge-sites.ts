/**
 * Where each RPC edge's sides are in a node's code (raw class and method IDs), and how a call's key and label are
 * read in a frame there. Looked up lazily per node and kept; a side whose class is not loaded yet is looked up
 * again after a short while, so an edge binds on a node once the node loads its class.
 */
import type { ClassID, Location, MethodID, ObjectID, ThreadID } from '../protocol/wire-types';
import { evaluate, evaluateCondition, interpolate, type EvalContext } from '../eval/index';
import type { EdgeSide, RpcEdge } from '../flow/edges';
import { targetOf } from '../flow/edges';
import { headerByFields } from '../flow/headers';
import { VmMirror } from '../mirror/vm-mirror';
import type { NodeLink } from './node-link';

/** One side of one edge found in a node's code. */
export interface EdgeSite {
  edge: RpcEdge;
  side: 'client' | 'server';
  /** The location of the method's first instruction, for a breakpoint at its entry. */
  entry: Location;
}

/** How long a node's lookup is trusted while some side's class is still missing there. */
const RETRY_MS = 2_000;

interface NodeSites {
  at: number;
  complete: boolean;
  byMethod: Map<bigint, EdgeSite[]>;
}

/** Per edge set (the cluster's, unless it is replaced) and node, the sites looked up. */
const sitesByEdges = new WeakMap<readonly RpcEdge[], WeakMap<NodeLink, Promise<NodeSites>>>();
const mirrors = new WeakMap<NodeLink, VmMirror>();

/** The proxy's own JDI-like view of one node, over the node's raw IDs (never shown to a debugger). */
export function nodeMirror(link: NodeLink): VmMirror {
  let m = mirrors.get(link);
  if (!m) mirrors.set(link, (m = new VmMirror(link.client, { maxCachedObjects: 10_000 })));
  return m;
}

async function lookUp(link: NodeLink, edges: readonly RpcEdge[]): Promise<NodeSites> {
  const byMethod = new Map<bigint, EdgeSite[]>();
  let complete = true;
  await Promise.all(
    edges.flatMap((edge) =>
      (['client', 'server'] as const).map(async (side) => {
        const target = targetOf(edge[side]);
        const found = await link.classesBySignature(target.classSignature);
        if (!found.length) complete = false;
        for (const c of found) {
          const { declared } = await link.client.ReferenceType.Methods(c.typeID);
          for (const m of declared) {
            if (m.name !== target.methodName || (target.methodSignature && m.signature !== target.methodSignature)) continue;
            const site: EdgeSite = { edge, side, entry: { typeTag: c.refTypeTag, classID: c.typeID as unknown as ClassID, methodID: m.methodID as MethodID, index: 0n } };
            const list = byMethod.get(m.methodID) ?? [];
            list.push(site);
            byMethod.set(m.methodID, list);
          }
        }
      }),
    ),
  );
  return { at: Date.now(), complete, byMethod };
}

/** The edge sides found on a node, by raw method ID. */
export async function sitesOn(link: NodeLink, edges: readonly RpcEdge[]): Promise<Map<bigint, EdgeSite[]>> {
  let sitesByLink = sitesByEdges.get(edges);
  if (!sitesByLink) sitesByEdges.set(edges, (sitesByLink = new WeakMap()));
  const known = sitesByLink.get(link);
  if (known) {
    const s = await known.catch(() => undefined);
    if (s && (s.complete || Date.now() - s.at < RETRY_MS)) return s.byMethod;
  }
  const p = lookUp(link, edges);
  sitesByLink.set(link, p);
  p.catch(() => sitesByLink.delete(link));
  return (await p).byMethod;
}

/** Every site of one side on a node. */
export async function sitesOf(link: NodeLink, edges: readonly RpcEdge[], side: 'client' | 'server'): Promise<EdgeSite[]> {
  return [...(await sitesOn(link, edges)).values()].flat().filter((s) => s.side === side);
}

/** Normalizes a W3C traceparent (`00-<trace-id>-<parent-id>-<flags>`) to `<trace-id>-<parent-id>`; other keys stay as they are. */
export function normalizeKey(key: string, side: EdgeSide): string {
  if ((side.header ?? 'traceparent').toLowerCase() !== 'traceparent') return key.trim();
  const parts = key.trim().toLowerCase().split('-');
  return parts.length === 4 ? `${parts[1]}-${parts[2]}` : key.trim();
}

/**
 * Runs `read` in a suspended thread's frame at `depth` on a node (no method calls), with the node's frames of that
 * thread fetched fresh and forgotten after; `otherwise` when the frame cannot be read.
 */
async function inFrame<T>(link: NodeLink, thread: bigint, depth: number, otherwise: T, read: (mirror: VmMirror, context: EvalContext) => Promise<T>): Promise<T> {
  const mirror = nodeMirror(link);
  const t = thread as ThreadID;
  mirror.invalidateThread(t);
  try {
    return await read(mirror, { mirror, thread: t, frame: depth });
  } catch {
    return otherwise;
  } finally {
    mirror.invalidateThread(t);
  }
}

/** The object a side's key expression gives in a frame (the request or its headers), or its text when it gives a String. */
async function keyValueAt(mirror: VmMirror, context: EvalContext, side: EdgeSide): Promise<{ text?: string; object?: ObjectID }> {
  const r = await evaluate(side.key, context, { allowInvoke: false });
  if (r.text !== undefined) return { text: r.text };
  return typeof r.value.value === 'bigint' && r.value.value !== 0n ? { object: r.value.value as ObjectID } : {};
}

/**
 * Reads the key of a call in a suspended thread's frame at `depth`, where `side` of an edge runs: the side's
 * expression (no method calls), and the header it names when the expression gives an object. Undefined when the
 * frame holds no key.
 */
export function readKey(link: NodeLink, thread: bigint, depth: number, side: EdgeSide): Promise<string | undefined> {
  return inFrame(link, thread, depth, undefined, async (mirror, context) => {
    const { text, object } = await keyValueAt(mirror, context, side);
    const key = text ?? (object !== undefined ? await headerByFields(mirror, object, side.header ?? 'traceparent') : undefined);
    return key === undefined ? undefined : normalizeKey(key, side);
  });
}

/**
 * Reads one header of the request a thread serves, in the frame at `depth` where `side` runs: the side's key
 * expression gives the request (or its headers), and the header is read from it by fields.
 */
export function readHeader(link: NodeLink, thread: bigint, depth: number, side: EdgeSide, header: string): Promise<string | undefined> {
  return inFrame(link, thread, depth, undefined, async (mirror, context) => {
    const { object } = await keyValueAt(mirror, context, side);
    return object !== undefined ? headerByFields(mirror, object, header) : undefined;
  });
}

/** True when an expression holds in the frame at `depth` (no method calls); false when it does not or cannot be read. */
export function holdsAt(link: NodeLink, thread: bigint, depth: number, expression: string): Promise<boolean> {
  return inFrame(link, thread, depth, false, (_mirror, context) => evaluateCondition(expression, context, { allowInvoke: false }));
}

/** The label of a hop, read in the client's frame (the edge's template; its name when the template cannot be read). */
export function readLabel(link: NodeLink, thread: bigint, depth: number, edge: RpcEdge): Promise<string> {
  if (!edge.label) return Promise.resolve(edge.name);
  return inFrame(link, thread, depth, edge.name, (_mirror, context) => interpolate(edge.label!, context, { allowInvoke: false }));
}
