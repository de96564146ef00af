import type { Duplex } from 'node:stream';
import { readCa } from '../guard/tls';
import { dialWs } from '../transport/ws';
import { dialTcp, formatAddress, parseAddress } from '../transport/tcp';
import { JdwpClient, type ClientOptions } from './client';

/** The environment variable that holds the token for WebSocket targets, when none is given. */
export const TOKEN_ENV = 'JDWP_FABRIC_TOKEN';

/** True for a target given as a ws:// or wss:// URL. */
export function isWsTarget(target: string): boolean {
  return /^wss?:\/\//i.test(target);
}

/** How a debugger reaches a VM: the token and CA of a WebSocket target, and how long the dial may take. */
export interface DialOptions {
  /** The bearer token sent on WebSocket; default $JDWP_FABRIC_TOKEN. */
  token?: string;
  /** A PEM CA file a wss:// server must chain to; default $JDWP_FABRIC_TLS_CA, else the system store. */
  tlsCa?: string;
  /** Default 10 s. */
  timeoutMs?: number;
}

/**
 * Dials "HOST:PORT" (TCP) or a "ws://" / "wss://" URL (the proxy's --listen-ws, or a bridge) and resolves with the
 * byte stream to handshake over. A refused certificate fails with CERTIFICATE_REJECTED, a refused token with
 * TOKEN_REJECTED, an unreadable CA file with BAD_TLS_FILES.
 */
export async function dialVm(target: string, options: DialOptions = {}): Promise<Duplex> {
  if (isWsTarget(target)) return dialWs(target, { token: options.token ?? process.env[TOKEN_ENV], timeoutMs: options.timeoutMs, ca: readCa(options.tlsCa) });
  return dialTcp(parseAddress(target), options.timeoutMs ?? 10_000);
}

/** The name of a dial target in messages: the URL, or the address as formatAddress writes it. */
export function targetLabel(target: string): string {
  return isWsTarget(target) ? target : formatAddress(parseAddress(target));
}

/** Connects a typed client to "HOST:PORT" or to a "ws://" / "wss://" URL, as dialVm does. */
export async function connectVm(target: string, options: ClientOptions & { token?: string; tlsCa?: string } = {}): Promise<JdwpClient> {
  const stream = await dialVm(target, { token: options.token, tlsCa: options.tlsCa, timeoutMs: options.handshakeTimeoutMs });
  return JdwpClient.open(stream, { ...options, label: options.label ?? targetLabel(target) });
}
