import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocket, WebSocketServer } from 'ws';
import { FabricError, FabricErrorCode } from '../errors';
import { formatAddress, resolveLoopback, type Address } from './tcp';

/** Options of a WebSocket dial. */
export interface WsDialOptions {
  /** Sent as "Authorization: Bearer <token>". */
  token?: string;
  /** How long the connection and the HTTP upgrade may take; default 10 s. */
  timeoutMs?: number;
}

/** Options of a WebSocket listener. */
export interface WsListenOptions {
  host: string;
  /** Port 0 picks a free port. */
  port: number;
  /** The token clients must present; required unless the host is loopback. */
  token?: string;
  /** Told of each client turned away with HTTP 401, and why. */
  onRefused?: (request: IncomingMessage, reason: string) => void;
}

/** A listening WebSocket endpoint. */
export interface WsListener {
  /** The address it listens on. */
  address: Address;
  /** A ws:// URL that reaches it. */
  url: string;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * Why a request's "Authorization: Bearer <token>" does not admit it, or undefined when it does. The scheme is
 * matched case-insensitively (RFC 7235); the token is compared in constant time.
 */
function tokenRefusal(req: IncomingMessage, token: string): string | undefined {
  const header = req.headers.authorization;
  if (!header) return 'no token';
  const m = /^Bearer +(.+?) *$/i.exec(header);
  if (!m) return 'not a Bearer token';
  return timingSafeEqual(digest(m[1]), digest(token)) ? undefined : 'wrong token';
}

/** The stream of an open WebSocket: binary frames carry the JDWP bytes unchanged. */
function streamOf(ws: WebSocket): Duplex {
  ws.binaryType = 'nodebuffer';
  const stream = createWebSocketStream(ws);
  // The ws stream neither closes nor destroys itself when the peer goes away; JDWP has no half-close, so it does here.
  stream.on('end', () => stream.destroy());
  stream.on('error', () => stream.destroy());
  return stream;
}

/** Opens a WebSocket to url and resolves with its byte stream; a refused token fails with TOKEN_REJECTED. */
export function dialWs(url: string, options: WsDialOptions = {}): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      handshakeTimeout: options.timeoutMs ?? 10_000,
      perMessageDeflate: false,
    });
    let settled = false;
    const fail = (err: FabricError) => {
      if (settled) return;
      settled = true;
      reject(err);
      ws.terminate();
    };
    ws.on('error', (err) => fail(new FabricError(FabricErrorCode.CONNECT_FAILED, `WebSocket ${url}: ${err.message}`)));
    ws.once('unexpected-response', (req, res) => {
      const status = res.statusCode ?? 0;
      req.destroy();
      fail(
        status === 401
          ? new FabricError(FabricErrorCode.TOKEN_REJECTED, `WebSocket ${url}: the token was ${options.token ? 'rejected' : 'missing'} (HTTP 401)`)
          : new FabricError(FabricErrorCode.CONNECT_FAILED, `WebSocket ${url}: HTTP ${status}`),
      );
    });
    ws.once('open', () => {
      settled = true;
      resolve(streamOf(ws));
    });
  });
}

/**
 * Listens for WebSocket clients and hands each one's byte stream to onStream. A host that does not resolve to
 * loopback only needs a token (TOKEN_REQUIRED); when a token is set, clients without it get HTTP 401.
 */
export async function listenWs(options: WsListenOptions, onStream: (stream: Duplex, request: IncomingMessage) => void): Promise<WsListener> {
  const { host, port, token, onRefused } = options;
  if (!token && !(await resolveLoopback(host)).loopback) {
    throw new FabricError(FabricErrorCode.TOKEN_REQUIRED, `listening on ${formatAddress({ host, port })} needs a token: only loopback addresses may go without one`);
  }
  const server = new WebSocketServer({
    host,
    port,
    perMessageDeflate: false,
    verifyClient: token
      ? (info, done) => {
          const refusal = tokenRefusal(info.req, token);
          if (refusal === undefined) return done(true);
          onRefused?.(info.req, refusal);
          done(false, 401, 'Unauthorized');
        }
      : undefined,
  });
  server.on('connection', (ws, req) => onStream(streamOf(ws), req));
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err) => reject(new FabricError(FabricErrorCode.CONNECT_FAILED, `cannot listen on ${formatAddress({ host, port })}: ${err.message}`)));
  });
  server.on('error', () => {});
  const a = server.address();
  if (!a || typeof a === 'string') throw new Error('WebSocket server is not on TCP');
  const address = { host: a.address, port: a.port };
  return {
    address,
    url: `ws://${formatAddress(address)}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of server.clients) c.terminate();
        server.close(() => resolve());
      }),
  };
}
