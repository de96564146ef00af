/**
 * Request scopes: which requests belong to a debug session. One syntax serves every surface (the proxy's
 * --request-scope, Fabric.SetRequestScope, the adapter's requestScope, the CLI's trace --request):
 *   header:NAME=VALUE     a request header, e.g. header:X-Debug-Session=alice
 *   baggage:KEY=VALUE     an entry of the W3C baggage header, e.g. baggage:debug=alice
 *   trace:TRACE-ID        the trace-id of the W3C traceparent (32 hex digits)
 *   expr:EXPRESSION       an expression of our evaluator, true in the server side's frame (no method calls)
 */
import { FabricError, FabricErrorCode } from '../errors';
import { parseExpression } from '../eval/parser';

/** A parsed request scope. */
export type RequestScopeSpec =
  | { kind: 'header'; name: string; value: string; text: string }
  | { kind: 'baggage'; key: string; value: string; text: string }
  | { kind: 'trace'; traceId: string; text: string }
  | { kind: 'expr'; expression: string; text: string };

function invalid(text: string, why: string): FabricError {
  return new FabricError(FabricErrorCode.SCOPE_INVALID, `request scope "${text}": ${why} (use header:NAME=VALUE, baggage:KEY=VALUE, trace:TRACE-ID or expr:EXPRESSION)`);
}

function pair(text: string, body: string, what: string): [string, string] {
  const eq = body.indexOf('=');
  if (eq <= 0) throw invalid(text, `expected ${what}=VALUE`);
  const name = body.slice(0, eq).trim();
  const value = body.slice(eq + 1).trim();
  if (!name || !value) throw invalid(text, `expected ${what}=VALUE`);
  return [name, value];
}

/** Parses a request scope; throws SCOPE_INVALID naming what is wrong. */
export function parseRequestScope(text: string): RequestScopeSpec {
  const colon = text.indexOf(':');
  if (colon < 0) throw invalid(text, 'no kind');
  const kind = text.slice(0, colon).trim();
  const body = text.slice(colon + 1);
  switch (kind) {
    case 'header': {
      const [name, value] = pair(text, body, 'NAME');
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw invalid(text, `"${name}" is not a header name`);
      return { kind, name, value, text };
    }
    case 'baggage': {
      const [key, value] = pair(text, body, 'KEY');
      return { kind, key, value, text };
    }
    case 'trace': {
      const traceId = body.trim().toLowerCase();
      if (!/^[0-9a-f]{32}$/.test(traceId) || /^0+$/.test(traceId)) throw invalid(text, 'a trace-id is 32 hex digits, not all zero');
      return { kind, traceId, text };
    }
    case 'expr': {
      if (!body.trim()) throw invalid(text, 'empty expression');
      try {
        parseExpression(body.trim());
      } catch (err) {
        throw invalid(text, `the expression does not parse: ${(err as Error).message}`);
      }
      return { kind, expression: body.trim(), text };
    }
    default:
      throw invalid(text, `unknown kind "${kind}"`);
  }
}

/** The value of one entry of a W3C baggage header (`k1=v1;prop, k2=v2`), or undefined. */
export function baggageEntry(baggage: string, key: string): string | undefined {
  for (const member of baggage.split(',')) {
    const [kv] = member.split(';');
    const eq = kv.indexOf('=');
    if (eq > 0 && kv.slice(0, eq).trim() === key) return decodeURIComponent(kv.slice(eq + 1).trim());
  }
  return undefined;
}

/** The trace-id of a W3C traceparent header, or undefined when it is not one. */
export function traceIdOf(traceparent: string): string | undefined {
  const parts = traceparent.trim().toLowerCase().split('-');
  return parts.length >= 4 && /^[0-9a-f]{32}$/.test(parts[1]) ? parts[1] : undefined;
}

/** Which mark a mark field holds: a header's value, a baggage entry's value, or the trace-id of the traceparent. */
export type MarkKind = { kind: 'header'; name: string } | { kind: 'baggage'; key: string } | { kind: 'trace' };

/** Parses what a mark field carries (`header:NAME`, `baggage:KEY` or `trace`); undefined when it is none of them. */
export function parseMarkKind(text: string): MarkKind | undefined {
  const colon = text.indexOf(':');
  const kind = (colon < 0 ? text : text.slice(0, colon)).trim();
  const name = colon < 0 ? '' : text.slice(colon + 1).trim();
  if (kind === 'trace') return colon < 0 ? { kind } : undefined;
  if (!name) return undefined;
  if (kind === 'header') return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) ? { kind, name } : undefined;
  if (kind === 'baggage') return { kind, key: name };
  return undefined;
}

/**
 * True when a scope can be told from a mark field of this kind: a scope of the same header (case-insensitive), the
 * same baggage key, or a trace-id for a field that carries it. An expression scope never can.
 */
export function scopeReadsMark(spec: RequestScopeSpec, mark: MarkKind): boolean {
  if (spec.kind === 'header') return mark.kind === 'header' && mark.name.toLowerCase() === spec.name.toLowerCase();
  if (spec.kind === 'baggage') return mark.kind === 'baggage' && mark.key === spec.key;
  return spec.kind === 'trace' && mark.kind === 'trace';
}

/** True when the value a mark field was given is this scope's mark (for a scope that scopeReadsMark). */
export function markMatches(spec: RequestScopeSpec, value: string): boolean {
  if (spec.kind === 'trace') return value.trim().toLowerCase() === spec.traceId;
  return spec.kind !== 'expr' && value === spec.value;
}
