/**
 * RPC edges: how one process calls another. A client side (the method that sends a call), a server side (the
 * method that starts serving it) and a correlation key read in each side's frame. Presets cover the JDK's HTTP
 * client and server and the servlet API; users declare more in a JSON file or the launch configuration.
 */
import * as fs from 'node:fs';
import { FabricError, FabricErrorCode } from '../errors';
import { nameToSignature } from '../mirror/names';
import { parseMarkKind } from './scope-spec';

/**
 * A field the application or its framework writes only for requests that carry a mark, with the mark's value (a
 * String): a request scope watches it instead of checking every request at the server side's entry.
 */
export interface MarkField {
  /** `pkg.Class.field`, static or instance (nested classes with `$`); a String field. */
  field: string;
  /** Which mark it holds: `header:NAME` (that header's value), `baggage:KEY` (that entry's value) or `trace` (the trace-id). */
  carries: string;
}

/** One side of an edge: a method and how to read the call's key in its frame. */
export interface EdgeSide {
  /** The declaring class and method name, `pkg.Class.method` (nested classes with `$`). */
  method: string;
  /** The method's JNI signature, when its name is overloaded. */
  signature?: string;
  /**
   * An expression of our evaluator in the method's frame, run without calling methods (the client's thread is
   * blocked in the call): the key as a String, or an object that holds the request's headers (a Map, the JDK's
   * `Headers`/`HttpHeaders`, an `HttpExchange`, an `HttpRequest`, a servlet request), from which `header` is read.
   */
  key: string;
  /** The header that carries the key when `key` gives headers (default `traceparent`, the W3C trace context). */
  header?: string;
  /** Server sides only: a field written for marked requests alone, while this side runs or by a method around it. */
  mark?: MarkField;
}

/** An RPC edge: a client side, a server side, and the label of a hop (a template in the client's frame). */
export interface RpcEdge {
  name: string;
  client: EdgeSide;
  server: EdgeSide;
  /** What a stitched stack shows between hops, e.g. `HTTP {arg0.method} {arg0.uri.path}`; default the edge's name. */
  label?: string;
}

/** A side resolved for lookups: class signature, method name and optional signature. */
export interface SideTarget {
  classSignature: string;
  methodName: string;
  methodSignature?: string;
}

/** Splits `pkg.Class.method` into the class's JNI signature and the method's name. */
export function targetOf(side: EdgeSide): SideTarget {
  const dot = side.method.lastIndexOf('.');
  return { classSignature: nameToSignature(side.method.slice(0, dot)), methodName: side.method.slice(dot + 1), methodSignature: side.signature };
}

const JDK_HTTP_CLIENT: EdgeSide = {
  method: 'jdk.internal.net.http.HttpClientImpl.send',
  signature: '(Ljava/net/http/HttpRequest;Ljava/net/http/HttpResponse$BodyHandler;)Ljava/net/http/HttpResponse;',
  key: 'arg0',
};
const HTTP_LABEL = 'HTTP {arg0.method} {arg0.uri.path}';

function servlet(pkg: 'javax' | 'jakarta'): EdgeSide {
  return {
    method: `${pkg}.servlet.http.HttpServlet.service`,
    signature: `(L${pkg}/servlet/http/HttpServletRequest;L${pkg}/servlet/http/HttpServletResponse;)V`,
    key: 'arg0',
  };
}

/** The edges every proxy knows unless told otherwise: the JDK's HttpClient into com.sun.net.httpserver and into servlets. */
export const PRESET_EDGES: readonly RpcEdge[] = Object.freeze([
  {
    name: 'jdk-httpclient -> jdk-httpserver',
    client: JDK_HTTP_CLIENT,
    // The JDK's server runs its AuthFilter once per exchange, whatever filters the application adds.
    server: { method: 'sun.net.httpserver.AuthFilter.doFilter', signature: '(Lcom/sun/net/httpserver/HttpExchange;Lcom/sun/net/httpserver/Filter$Chain;)V', key: 'arg0' },
    label: HTTP_LABEL,
  },
  { name: 'jdk-httpclient -> javax.servlet', client: JDK_HTTP_CLIENT, server: servlet('javax'), label: HTTP_LABEL },
  { name: 'jdk-httpclient -> jakarta.servlet', client: JDK_HTTP_CLIENT, server: servlet('jakarta'), label: HTTP_LABEL },
]);

function invalid(where: string, message: string): FabricError {
  return new FabricError(FabricErrorCode.EDGES_INVALID, `${where}: ${message}`);
}

const METHOD_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/;

function markOf(value: unknown, where: string): MarkField {
  if (!value || typeof value !== 'object') throw invalid(where, 'must be an object with "field" and "carries"');
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) if (!['field', 'carries'].includes(k)) throw invalid(where, `unknown property "${k}"`);
  if (typeof v.field !== 'string' || !METHOD_NAME.test(v.field)) throw invalid(`${where}.field`, 'must be "package.Class.field"');
  if (typeof v.carries !== 'string' || !parseMarkKind(v.carries)) throw invalid(`${where}.carries`, 'must be "header:NAME", "baggage:KEY" or "trace"');
  return { field: v.field, carries: v.carries };
}

function sideOf(value: unknown, where: string, server: boolean): EdgeSide {
  if (!value || typeof value !== 'object') throw invalid(where, 'must be an object with "method" and "key"');
  const v = value as Record<string, unknown>;
  if (!server && v.mark !== undefined) throw invalid(`${where}.mark`, 'a mark field belongs to a server side');
  for (const k of Object.keys(v)) if (!['method', 'signature', 'key', 'header', 'mark'].includes(k)) throw invalid(where, `unknown property "${k}"`);
  if (typeof v.method !== 'string' || !METHOD_NAME.test(v.method)) throw invalid(`${where}.method`, 'must be "package.Class.method"');
  if (typeof v.key !== 'string' || !v.key.trim()) throw invalid(`${where}.key`, 'must be an expression');
  if (v.signature !== undefined && (typeof v.signature !== 'string' || !v.signature.startsWith('('))) throw invalid(`${where}.signature`, 'must be a JNI method signature such as "(Ljava/lang/String;)V"');
  if (v.header !== undefined && (typeof v.header !== 'string' || !v.header)) throw invalid(`${where}.header`, 'must be a header name');
  const mark = v.mark === undefined ? undefined : markOf(v.mark, `${where}.mark`);
  return { method: v.method, key: v.key, ...(v.signature ? { signature: v.signature as string } : {}), ...(v.header ? { header: v.header as string } : {}), ...(mark ? { mark } : {}) };
}

/** Checks edges given as JSON data (an array, or an object with an "edges" array); throws EDGES_INVALID naming the bad part. */
export function parseEdges(data: unknown, source = 'edges'): RpcEdge[] {
  const list = Array.isArray(data) ? data : data && typeof data === 'object' && Array.isArray((data as { edges?: unknown }).edges) ? (data as { edges: unknown[] }).edges : undefined;
  if (!list) throw invalid(source, 'must be an array of edges or {"edges": [...]}');
  const names = new Set<string>();
  return list.map((e, i) => {
    const where = `${source}[${i}]`;
    if (!e || typeof e !== 'object') throw invalid(where, 'must be an object with "name", "client" and "server"');
    const v = e as Record<string, unknown>;
    for (const k of Object.keys(v)) if (!['name', 'client', 'server', 'label'].includes(k)) throw invalid(where, `unknown property "${k}"`);
    if (typeof v.name !== 'string' || !v.name) throw invalid(`${where}.name`, 'must be a non-empty string');
    if (names.has(v.name)) throw invalid(`${where}.name`, `"${v.name}" is declared twice`);
    names.add(v.name);
    if (v.label !== undefined && typeof v.label !== 'string') throw invalid(`${where}.label`, 'must be a template string');
    return { name: v.name, client: sideOf(v.client, `${where}.client`, false), server: sideOf(v.server, `${where}.server`, true), ...(v.label ? { label: v.label as string } : {}) };
  });
}

/** Reads an edges file (--edges FILE). */
export function loadEdges(file: string): RpcEdge[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw invalid(file, `cannot read: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw invalid(file, `not JSON: ${(err as Error).message}`);
  }
  return parseEdges(data, file);
}

/** The edges a proxy uses: the presets (unless switched off) followed by the user's. */
export function edgeSet(user: RpcEdge[] = [], presets = true): RpcEdge[] {
  const all = [...(presets ? PRESET_EDGES : []), ...user];
  const seen = new Set<string>();
  for (const e of all) {
    if (seen.has(e.name)) throw invalid('edges', `"${e.name}" is declared twice (a preset has that name)`);
    seen.add(e.name);
  }
  return all;
}
