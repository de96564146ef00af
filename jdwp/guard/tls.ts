import * as fs from 'node:fs';
import { FabricError, FabricErrorCode } from '../errors';

/** A server's certificate chain and private key, in PEM. */
export interface TlsServerFiles {
  cert: Buffer;
  key: Buffer;
}

/** The environment variable that names a CA file our clients trust for wss:// (as --tls-ca). */
export const TLS_CA_ENV = 'JDWP_FABRIC_TLS_CA';

function read(what: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new FabricError(FabricErrorCode.BAD_TLS_FILES, `cannot read the TLS ${what} ${file}: ${(err as Error).message}`);
  }
}

/** Reads --tls-cert and --tls-key; both or neither must be given (BAD_TLS_FILES). */
export function readServerFiles(cert: string | undefined, key: string | undefined): TlsServerFiles | undefined {
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new FabricError(FabricErrorCode.BAD_TLS_FILES, 'TLS needs both --tls-cert and --tls-key');
  return { cert: read('certificate', cert), key: read('key', key) };
}

/** Reads the CA file a client trusts (--tls-ca, or $JDWP_FABRIC_TLS_CA); undefined means the system store. */
export function readCa(file: string | undefined = process.env[TLS_CA_ENV] || undefined): Buffer | undefined {
  return file ? read('CA file', file) : undefined;
}

/** OpenSSL's codes for a server certificate that does not verify. */
const CERTIFICATE_CODES = /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET_ISSUER_CERT|VERIFY_LEAF_SIGNATURE|DECRYPT_CERT_SIGNATURE)|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)/;

/** True when a connection failed because the server's certificate was refused. */
export function isCertificateError(err: unknown): boolean {
  return CERTIFICATE_CODES.test((err as NodeJS.ErrnoException)?.code ?? '');
}
