/** Small integer handles for DAP (thread, frame and variables references) over arbitrary values. */
export class RefTable<T> {
  private next: number;
  private readonly byRef = new Map<number, T>();

  constructor(private readonly start = 1) {
    this.next = start;
  }

  /** A new handle for `value`. */
  create(value: T): number {
    const ref = this.next++;
    this.byRef.set(ref, value);
    return ref;
  }

  /** The value of a handle, or undefined when unknown or dropped. */
  get(ref: number): T | undefined {
    return this.byRef.get(ref);
  }

  /** Drops every handle whose value matches. */
  dropWhere(match: (value: T) => boolean): void {
    for (const [ref, value] of this.byRef) if (match(value)) this.byRef.delete(ref);
  }

  /** Drops every handle (numbers are not reused). */
  clear(): void {
    this.byRef.clear();
  }

  /** How many handles are live. */
  get size(): number {
    return this.byRef.size;
  }
}

/** A stable two-way map between bigint IDs (JDWP thread IDs) and small DAP numbers. */
export class IdMap<K> {
  private next = 1;
  private readonly toNumber = new Map<K, number>();
  private readonly toKey = new Map<number, K>();

  /** The number of a key, created on first use. */
  number(key: K): number {
    let n = this.toNumber.get(key);
    if (n === undefined) {
      n = this.next++;
      this.toNumber.set(key, n);
      this.toKey.set(n, key);
    }
    return n;
  }

  /** The key of a number, if known. */
  key(n: number): K | undefined {
    return this.toKey.get(n);
  }

  /** Forgets a key (its number is not reused). */
  delete(key: K): void {
    const n = this.toNumber.get(key);
    if (n === undefined) return;
    this.toNumber.delete(key);
    this.toKey.delete(n);
  }
}
