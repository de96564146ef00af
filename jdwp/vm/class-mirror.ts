import type { ReferenceTypeID } from '../protocol/wire-types';
import { JDWP } from '../registry';

/** One loaded class of a node, in the node's own IDs, as VirtualMachine.ClassesBySignature lists it. */
export interface ClassRow {
  refTypeTag: number;
  typeID: ReferenceTypeID;
  status: number;
}

const S = JDWP.ClassStatus;
/** A status no later event can change: a class once initialized (or failed) stays so. */
const FINAL_STATUS = S.INITIALIZED | S.ERROR;

/**
 * The classes of one node by signature, kept live by the proxy's own ClassPrepare and ClassUnload requests.
 * A signature is known once the node has been asked for it; from then on every class of that signature the
 * node prepares is added and an unload of the signature forgets it, so a known signature answers what the node
 * would. It answers only while every row's status is final: a class that is prepared but not yet initialized
 * may become so without any event, so its status is asked again. Array classes get no ClassPrepare event and
 * are always asked.
 */
export class ClassMirror {
  private readonly known = new Map<string, ClassRow[]>();
  /** Events that came while the node was being asked for their signature; null once an unload made the answer stale. */
  private readonly asking = new Map<string, ClassRow[] | null>();
  private readonly queries = new Map<string, Promise<ClassRow[]>>();
  /** Set once the node's ClassPrepare and ClassUnload requests are placed and known: only then are answers kept. */
  watching = false;

  /** The classes of a signature: from the mirror when it holds a final answer, else from `ask` (shared by concurrent callers). */
  lookup(signature: string, ask: () => Promise<ClassRow[]>): Promise<ClassRow[]> | ClassRow[] {
    const rows = this.known.get(signature);
    if (rows && rows.every((r) => (r.status & FINAL_STATUS) !== 0)) return rows;
    let q = this.queries.get(signature);
    if (!q) {
      q = this.ask(signature, ask);
      this.queries.set(signature, q);
      void q.finally(() => this.queries.delete(signature)).catch(() => undefined);
    }
    return q;
  }

  private async ask(signature: string, ask: () => Promise<ClassRow[]>): Promise<ClassRow[]> {
    const mirrored = this.watching && !signature.startsWith('[');
    if (mirrored) this.asking.set(signature, []);
    try {
      const rows = await ask();
      const during = this.asking.get(signature);
      if (!mirrored || during === null) return rows;
      const merged = rows.map((r) => ({ refTypeTag: r.refTypeTag, typeID: r.typeID, status: r.status }));
      for (const r of during ?? []) if (!merged.some((m) => m.typeID === r.typeID)) merged.push(r);
      this.known.set(signature, merged);
      return merged;
    } finally {
      if (mirrored) this.asking.delete(signature);
    }
  }

  /** A ClassPrepare of the proxy's own request. */
  prepared(signature: string, row: ClassRow): void {
    const during = this.asking.get(signature);
    if (during) during.push(row);
    const rows = this.known.get(signature);
    if (!rows) return;
    const same = rows.find((r) => r.typeID === row.typeID);
    if (same) same.status |= row.status;
    else rows.push(row);
  }

  /** A ClassUnload of the proxy's own request: it names the signature only, so the whole signature is asked again. */
  unloaded(signature: string): void {
    this.known.delete(signature);
    if (this.asking.has(signature)) this.asking.set(signature, null);
  }
}
