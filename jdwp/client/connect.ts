import { readCa } from '../guard/tls';
import { dialWs } from '../transport/ws';
import { formatAddress, parseAddress } from '../transport/tcp';
import { JdwpClient, type ClientOptions } from './client';

/** The environment variable that holds the token for WebSocket targets, when none is given. */
export const TOKEN_ENV = 'JDWP_FABRIC_TOKEN';

/** True for a target given as a ws:// or wss:// URL. */
export function isWsTarget(target: string): boolean {
  return /^wss?:\/\//i.test(target);
}

/**
 * Connects a typed client to "HOST:PORT" (TCP) or to a "ws://" / "wss://" URL (the proxy's --listen-ws, or a
 * bridge), sending the token (default: $JDWP_FABRIC_TOKEN) as a bearer token on WebSocket.
 */
export async function connectVm(target: string, options: ClientOptions & { token?: string; tlsCa?: string } = {}): Promise<JdwpClient> {
  if (isWsTarget(target)) {
    const stream = await dialWs(target, { token: options.token ?? process.env[TOKEN_ENV], timeoutMs: options.handshakeTimeoutMs, ca: readCa(options.tlsCa) });
    return JdwpClient.open(stream, { ...options, label: options.label ?? target });
  }
  const address = parseAddress(target);
  return JdwpClient.attach(address, { ...options, label: options.label ?? formatAddress(address) });
}
