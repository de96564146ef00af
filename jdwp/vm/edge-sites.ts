/**
 * Where each RPC edge's sides are in a node's code (raw class and method IDs), and how a call's key and label are
 * read in a frame there. Looked up lazily per node and kept; a side whose class is not loaded yet is looked up
 * again after a short while, so an edge binds on a node once the node loads its class.
 */
import type { ClassID, Location, MethodID, ReferenceTypeID, ThreadID } from '../protocol/wire-types';
import { evaluate, evaluateCondition, interpolate } from '../eval/index';
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

const sitesByLink = new WeakMap<NodeLink, Promise<NodeSites>>();
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
  const classes = new Map<string, Promise<Array<{ typeID: ReferenceTypeID; refTypeTag: number }>>>();
  const classesOf = (signature: string) => {
    let p = classes.get(signature);
    if (!p) classes.set(signature, (p = link.client.VirtualMachine.ClassesBySignature(signature).then((r) => r.classes)));
    return p;
  };
  await Promise.all(
    edges.flatMap((edge) =>
      (['client', 'server'] as const).map(async (side) => {
        const target = targetOf(edge[side]);
        const found = await classesOf(target.classSignature);
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
 * Reads the key of a call in a suspended thread's frame at `depth`, where `side` of an edge runs: the side's
 * expression (no method calls), and the header it names when the expression gives an object. Undefined when the
 * frame holds no key.
 */
export async function readKey(link: NodeLink, thread: bigint, depth: number, side: EdgeSide): Promise<string | undefined> {
  const mirror = nodeMirror(link);
  const t = thread as ThreadID;
  mirror.invalidateThread(t);
  try {
    const r = await evaluate(side.key, { mirror, thread: t, frame: depth }, { allowInvoke: false });
    let text = r.text;
    if (text === undefined && typeof r.value.value === 'bigint' && r.value.value !== 0n) text = await headerByFields(mirror, r.value.value as never, side.header ?? 'traceparent');
    return text === undefined ? undefined : normalizeKey(text, side);
  } catch {
    return undefined;
  } finally {
    mirror.invalidateThread(t);
  }
}

/**
 * Reads one header of the request a thread serves, in the frame at `depth` where `side` runs: the side's key
 * expression gives the request (or its headers), and the header is read from it by fields.
 */
export async function readHeader(link: NodeLink, thread: bigint, depth: number, side: EdgeSide, header: string): Promise<string | undefined> {
  const mirror = nodeMirror(link);
  const t = thread as ThreadID;
  mirror.invalidateThread(t);
  try {
    const r = await evaluate(side.key, { mirror, thread: t, frame: depth }, { allowInvoke: false });
    if (r.text !== undefined) return undefined;
    return typeof r.value.value === 'bigint' && r.value.value !== 0n ? await headerByFields(mirror, r.value.value as never, header) : undefined;
  } catch {
    return undefined;
  } finally {
    mirror.invalidateThread(t);
  }
}

/** True when an expression holds in the frame at `depth` (no method calls); false when it does not or cannot be read. */
export async function holdsAt(link: NodeLink, thread: bigint, depth: number, expression: string): Promise<boolean> {
  const mirror = nodeMirror(link);
  const t = thread as ThreadID;
  mirror.invalidateThread(t);
  try {
    return await evaluateCondition(expression, { mirror, thread: t, frame: depth }, { allowInvoke: false });
  } catch {
    return false;
  } finally {
    mirror.invalidateThread(t);
  }
}

/** The label of a hop, read in the client's frame (the edge's template; its name when the template cannot be read). */
export async function readLabel(link: NodeLink, thread: bigint, depth: number, edge: RpcEdge): Promise<string> {
  if (!edge.label) return edge.name;
  const mirror = nodeMirror(link);
  const t = thread as ThreadID;
  mirror.invalidateThread(t);
  try {
    return await interpolate(edge.label, { mirror, thread: t, frame: depth }, { allowInvoke: false });
  } catch {
    return edge.name;
  } finally {
    mirror.invalidateThread(t);
  }
}
