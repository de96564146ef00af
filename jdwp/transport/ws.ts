import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocket, WebSocketServer } from 'ws';
import { FabricError, FabricErrorCode } from '../errors';
import { isCertificateError, type TlsServerFiles } from '../guard/tls';
import { singleToken, type Identity, type TokenCheck } from '../guard/tokens';
import { formatAddress, resolveLoopback, type Address } from './tcp';

/** Options of a WebSocket dial. */
export interface WsDialOptions {
  /** Sent as "Authorization: Bearer <token>". */
  token?: string;
  /** How long the connection and the HTTP upgrade may take; default 10 s. */
  timeoutMs?: number;
  /** The CA (PEM) a wss:// server's certificate must chain to; default the system store. */
  ca?: Buffer;
}

/** Options of a WebSocket listener. */
export interface WsListenOptions {
  host: string;
  /** Port 0 picks a free port. */
  port: number;
  /** The token clients must present; a token (or `tokens`) is required unless the host is loopback. */
  token?: string;
  /** The tokens clients may present, each granting a role (--tokens); wins over `token`. */
  tokens?: TokenCheck;
  /** Serve wss:// with this certificate and key. */
  tls?: TlsServerFiles;
  /** Told of each client turned away with HTTP 401, and why. */
  onRefused?: (request: IncomingMessage, reason: string) => void;
}

/** A listening WebSocket endpoint. */
export interface WsListener {
  /** The address it listens on. */
  address: Address;
  /** A ws:// (or wss://) URL that reaches it. */
  url: string;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

/**
 * Who a request's "Authorization: Bearer <token>" is, or why it is not admitted. The scheme is matched
 * case-insensitively (RFC 7235); the token is compared in constant time.
 */
function authorize(req: IncomingMessage, tokens: TokenCheck): Identity | string {
  const header = req.headers.authorization;
  if (!header) return 'no token';
  const m = /^Bearer +(.+?) *$/i.exec(header);
  if (!m) return 'not a Bearer token';
  return tokens.check(m[1]) ?? 'wrong token';
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
      ...(options.ca ? { ca: options.ca } : {}),
    });
    let settled = false;
    const fail = (err: FabricError) => {
      if (settled) return;
      settled = true;
      reject(err);
      ws.terminate();
    };
    ws.on('error', (err) =>
      fail(
        isCertificateError(err)
          ? new FabricError(FabricErrorCode.CERTIFICATE_REJECTED, `WebSocket ${url}: the server's certificate was refused: ${err.message}`)
          : new FabricError(FabricErrorCode.CONNECT_FAILED, `WebSocket ${url}: ${err.message}`),
      ),
    );
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
 * Listens for WebSocket clients (over TLS when `tls` is given) and hands each one's byte stream to onStream, with
 * the identity its token granted. A host that does not resolve to loopback only needs a token (TOKEN_REQUIRED);
 * when tokens are set, clients without a good one get HTTP 401.
 */
export async function listenWs(options: WsListenOptions, onStream: (stream: Duplex, request: IncomingMessage, identity?: Identity) => void): Promise<WsListener> {
  const { host, port, onRefused } = options;
  const tokens = options.tokens ?? (options.token ? singleToken(options.token) : undefined);
  if (!tokens && !(await resolveLoopback(host)).loopback) {
    throw new FabricError(FabricErrorCode.TOKEN_REQUIRED, `listening on ${formatAddress({ host, port })} needs a token: only loopback addresses may go without one`);
  }
  let httpServer: http.Server;
  try {
    httpServer = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }) : http.createServer();
  } catch (err) {
    throw new FabricError(FabricErrorCode.BAD_TLS_FILES, `cannot serve TLS with that certificate and key: ${(err as Error).message}`);
  }
  const identities = new WeakMap<IncomingMessage, Identity>();
  const server = new WebSocketServer({
    server: httpServer,
    perMessageDeflate: false,
    verifyClient: tokens
      ? (info, done) => {
          const who = authorize(info.req, tokens);
          if (typeof who !== 'string') {
            identities.set(info.req, who);
            return done(true);
          }
          onRefused?.(info.req, who);
          done(false, 401, 'Unauthorized');
        }
      : undefined,
  });
  server.on('connection', (ws, req) => onStream(streamOf(ws), req, identities.get(req)));
  await new Promise<void>((resolve, reject) => {
    httpServer.once('listening', resolve);
    httpServer.once('error', (err) => reject(new FabricError(FabricErrorCode.CONNECT_FAILED, `cannot listen on ${formatAddress({ host, port })}: ${err.message}`)));
    httpServer.listen(port, host);
  });
  httpServer.on('error', () => {});
  server.on('error', () => {});
  const a = httpServer.address();
  if (!a || typeof a === 'string') throw new Error('WebSocket server is not on TCP');
  const address = { host: a.address, port: a.port };
  return {
    address,
    url: `${options.tls ? 'wss' : 'ws'}://${formatAddress(address)}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of server.clients) c.terminate();
        server.close();
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      }),
  };
}
