import * as net from 'node:net';
import { FabricError, FabricErrorCode } from '../errors';

/** A host and port. */
export interface Address {
  host: string;
  port: number;
}

/** Parses "HOST:PORT", "PORT" or "[v6]:PORT"; the host defaults to 127.0.0.1. */
export function parseAddress(text: string, defaultHost = '127.0.0.1'): Address {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new FabricError(FabricErrorCode.CONNECT_FAILED, `bad address "${text}": expected HOST:PORT`);
  }
  return { host: m[1] || m[2] || defaultHost, port };
}

/** Formats an address as HOST:PORT. */
export function formatAddress(a: Address): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** True for loopback hosts. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Opens a TCP connection with Nagle's algorithm off; fails with CONNECT_FAILED after timeoutMs. */
export function dialTcp(address: Address, timeoutMs = 10_000): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address.host, port: address.port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new FabricError(FabricErrorCode.CONNECT_FAILED, `connect to ${formatAddress(address)} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new FabricError(FabricErrorCode.CONNECT_FAILED, `connect to ${formatAddress(address)} failed: ${err.message}`));
    });
  });
}

/** Listens on a TCP address; port 0 picks a free port. Accepted sockets get Nagle's algorithm off. */
export function listenTcp(address: Address, onSocket: (socket: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ noDelay: true }, (socket) => {
      socket.setNoDelay(true);
      onSocket(socket);
    });
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.removeListener('error', reject);
      resolve(server);
    });
  });
}

/** The address a server listens on. */
export function serverAddress(server: net.Server): Address {
  const a = server.address();
  if (!a || typeof a === 'string') throw new Error('server is not listening on TCP');
  return { host: a.address, port: a.port };
}
