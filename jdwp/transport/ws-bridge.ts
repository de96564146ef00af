import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { dialTcp, listenTcp, type Address } from './tcp';
import { dialWs, listenWs, type WsListenOptions, type WsListener } from './ws';

/** Pipes two byte streams both ways; when either ends or fails, both are destroyed. */
export function splice(a: Duplex, b: Duplex): void {
  const end = () => {
    a.destroy();
    b.destroy();
  };
  for (const s of [a, b]) {
    s.on('close', end);
    s.on('error', end);
  }
  a.pipe(b);
  b.pipe(a);
}

/** Accepts WebSocket clients and connects each to a TCP address (a JVM's JDWP port, or the virtual VM). */
export function bridgeWsToTcp(listen: WsListenOptions, target: Address): Promise<WsListener> {
  return listenWs(listen, (stream) => {
    dialTcp(target).then(
      (socket) => splice(stream, socket),
      () => stream.destroy(),
    );
  });
}

/**
 * Accepts TCP clients (jdb, an IDE) on a local address and connects each to a WebSocket URL; a wss:// server is
 * verified against `ca` (PEM; default the system store). A client whose dial fails is closed, and `onError` told
 * why (a FabricError: CERTIFICATE_REJECTED, TOKEN_REJECTED, CONNECT_FAILED).
 */
export function bridgeTcpToWs(listen: Address, url: string, token?: string, ca?: Buffer, onError?: (err: Error) => void): Promise<net.Server> {
  return listenTcp(listen, (socket) => {
    socket.on('error', () => socket.destroy());
    dialWs(url, { token, ca }).then(
      (stream) => splice(socket, stream),
      (err: Error) => {
        socket.destroy();
        onError?.(err);
      },
    );
  });
}
