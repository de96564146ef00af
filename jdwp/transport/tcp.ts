import * as dns from 'node:dns/promises';
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

/** True for a loopback IP address: 127.0.0.0/8, ::1, or 127.0.0.0/8 mapped into IPv6 (::ffff:127.x.y.z). */
export function isLoopbackAddress(ip: string): boolean {
  if (net.isIPv4(ip)) return ip.startsWith('127.');
  if (!net.isIPv6(ip)) return false;
  const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  if (canonical === '::1') return true;
  const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(canonical);
  return mapped !== null && parseInt(mapped[1], 16) >> 8 === 127;
}

/**
 * The addresses a host names, and whether every one is loopback. Decided on what the name resolves to, never
 * on how it reads: "127.attacker.example" is whatever its DNS says. A name that does not resolve is not loopback.
 */
export async function resolveLoopback(host: string): Promise<{ loopback: boolean; addresses: string[] }> {
  let addresses: string[];
  try {
    addresses = net.isIP(host) ? [host] : (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    addresses = [];
  }
  return { loopback: addresses.length > 0 && addresses.every(isLoopbackAddress), addresses };
}

/** Fails with REMOTE_NOT_ALLOWED unless `address` resolves to loopback addresses only; `what` names the option. */
export async function requireLoopback(what: string, address: Address): Promise<void> {
  const { loopback, addresses } = await resolveLoopback(address.host);
  if (loopback) return;
  const resolved = addresses.length ? addresses.join(', ') : 'no address';
  throw new FabricError(
    FabricErrorCode.REMOTE_NOT_ALLOWED,
    `${what} ${formatAddress(address)} is not a loopback address (it resolves to ${resolved}); JDWP has no authentication, so add --allow-remote to confirm`,
  );
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
