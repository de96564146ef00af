/** A bounded memo: a Map of promises that forgets everything when it grows past its limit, and forgets failures. */
export class Memo<K, V> {
  private readonly map = new Map<K, Promise<V>>();
  constructor(private readonly limit = Infinity) {}

  /** The value of `key`, loaded once by `load` while it is remembered. */
  get(key: K, load: () => Promise<V>): Promise<V> {
    let p = this.map.get(key);
    if (!p) {
      if (this.map.size >= this.limit) this.map.clear();
      p = load();
      this.map.set(key, p);
      p.catch(() => {
        if (this.map.get(key) === p) this.map.delete(key);
      });
    }
    return p;
  }

  /** Forgets everything. */
  clear(): void {
    this.map.clear();
  }
}
