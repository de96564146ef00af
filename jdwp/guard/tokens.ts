import { createHash, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import { FabricError, FabricErrorCode } from '../errors';

/** What a debugger may do: `read-only` gets the read-only rules (as --read-only, for that session alone); `full`, everything. */
export type Role = 'read-only' | 'full';

/** Who a debugger is, by the token it presented. */
export interface Identity {
  /** The token's name in the tokens file ("token" for the single --token). */
  name: string;
  role: Role;
}

/** What admits a bearer token: the identity it grants, or undefined. */
export interface TokenCheck {
  check(token: string): Identity | undefined;
}

interface Entry extends Identity {
  sha256: Buffer;
}

function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Compares a presented token with every known hash in constant time, never stopping at the first match. */
function find(entries: readonly Entry[], token: string): Identity | undefined {
  const presented = sha256(token);
  let found: Entry | undefined;
  for (const e of entries) if (timingSafeEqual(presented, e.sha256) && !found) found = e;
  return found && { name: found.name, role: found.role };
}

/** The single token of --token: a full role named "token". */
export function singleToken(token: string): TokenCheck {
  const entries = [{ name: 'token', role: 'full' as const, sha256: sha256(token) }];
  return { check: (t) => find(entries, t) };
}

/**
 * The tokens of --tokens FILE: a JSON array of {"name", "sha256" (hex SHA-256 of the token), "role"}. Only the
 * hashes are kept. reload() reads the file again; a bad file keeps the tokens read last (and throws BAD_TOKENS_FILE).
 */
export class TokenStore implements TokenCheck {
  private entries: Entry[] = [];

  constructor(readonly file: string) {
    this.reload();
  }

  /** Reads the file again; answers how many tokens it holds. */
  reload(): number {
    this.entries = parseTokens(this.file);
    return this.entries.length;
  }

  /** The identity a token grants, or undefined. */
  check(token: string): Identity | undefined {
    return find(this.entries, token);
  }
}

function parseTokens(file: string): Entry[] {
  const bad = (why: string) => new FabricError(FabricErrorCode.BAD_TOKENS_FILE, `tokens file ${file}: ${why}`);
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw bad((err as Error).message);
  }
  if (!Array.isArray(data)) throw bad('expected a JSON array of {"name", "sha256", "role"}');
  const names = new Set<string>();
  return data.map((e: Record<string, unknown>, i) => {
    if (typeof e?.name !== 'string' || !e.name) throw bad(`entry ${i}: "name" must be a non-empty string`);
    if (names.has(e.name)) throw bad(`entry ${i}: the name "${e.name}" is used twice`);
    names.add(e.name);
    if (typeof e.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(e.sha256)) throw bad(`entry ${i} (${e.name}): "sha256" must be 64 hex digits (the SHA-256 of the token)`);
    if (e.role !== 'read-only' && e.role !== 'full') throw bad(`entry ${i} (${e.name}): "role" must be "read-only" or "full"`);
    return { name: e.name, role: e.role, sha256: Buffer.from(e.sha256, 'hex') };
  });
}
