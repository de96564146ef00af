// Certificates for the TLS tests, made by openssl in a temporary directory: a CA, a good server certificate for
// 127.0.0.1 signed by it, an expired one signed by it, and one signed by another CA.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, tmpDir } from '../support/fixtures';

/** The files the tests use: `ca` is the CA clients trust; each server has `cert` and `key`. */
export interface TestCerts {
  dir: string;
  ca: string;
  good: { cert: string; key: string };
  expired: { cert: string; key: string };
  wrongCa: { cert: string; key: string };
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=jdwp-fabric test ${name}`]);
}

function makeServer(dir: string, name: string, ca: string, days: number): { cert: string; key: string } {
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=127.0.0.1']);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', String(days), '-extfile', 'san.ext']);
  return { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}.key`) };
}

/** Makes the certificates; `-days -1` gives a certificate whose validity ended a day before it began. */
export function makeTestCerts(): TestCerts {
  fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  const dir = tmpDir('certs-');
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  return {
    dir,
    ca: path.join(dir, 'ca.pem'),
    good: makeServer(dir, 'good', 'ca', 2),
    expired: makeServer(dir, 'expired', 'ca', -1),
    wrongCa: makeServer(dir, 'wrong-ca', 'other-ca', 2),
  };
}
