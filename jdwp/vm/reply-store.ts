import type { JdwpConnection } from '../client/connection';
import { offsetOf } from '../codec/offsets';
import { decodePacket, encodeReply, type ReplyPacket } from '../codec/packet';
import { readIdAt } from '../codec/reader';
import { primitiveWidth } from '../codec/tags';
import type { IdSizes } from '../protocol/wire-types';
import { allCommands, commandByName, type CommandInfo } from '../registry';
import { COMMAND_RULES, type ReplyLife } from './rules';

/** The most bytes of replies a node's store holds; replies beyond it are not kept. */
export const STORE_MAX_BYTES = 4 * 1024 * 1024;

/** The life of each command's reply by key ((set << 8) | command), from the rules table; absent: it changes the node. */
const LIFE = new Map<number, ReplyLife>();
/** Kept reads whose reply is a list of tagged values, one per element of their out data's last, repeated field: kept per element. */
const LISTS = new Map<number, string>();
for (const info of allCommands()) {
  const life = COMMAND_RULES[info.fullName]?.life;
  if (!life) continue;
  LIFE.set(info.key, life);
  if (life === 'passive') continue;
  const out = info.spec.out ?? [];
  if (life === 'thread' && out[0]?.kind !== 'threadID') throw new Error(`${info.fullName}: a reply kept while its thread is suspended needs the thread first in its out data`);
  const reply = info.spec.reply ?? [];
  const last = out[out.length - 1];
  if (reply.length === 1 && reply[0].kind === 'repeat' && reply[0].of.kind === 'value' && last?.kind === 'repeat') LISTS.set(info.key, last.name);
}

const THREAD_RESUME = commandByName('ThreadReference.Resume').key;

/** A kept reply: a whole reply packet, or one tagged value of a list read; `waiting` until its node has answered. */
interface Kept {
  life: ReplyLife;
  /** The thread of a 'thread' reply (the first ID of its out data, as bytes). */
  thread: string | undefined;
  bytes: Buffer | undefined;
  waiting: Promise<Buffer | undefined> | undefined;
}

/** What a store did, for the bench and the tests. */
export interface StoreStats {
  /** Commands sent by the fetch ahead. */
  fetched: number;
  /** Commands answered from the store (whole or from list elements). */
  served: number;
  /** Times a command that changes the node dropped kept replies. */
  drops: number;
}

/**
 * The replies fetched ahead for one node, answered in place of the node. It sees every command written to the
 * node's connection (its tap): a kept read is answered from it, any command without a reply life drops what it
 * could make stale (ThreadReference.Resume: that thread's replies and heap values; anything else: everything).
 */
export class ReplyStore {
  private readonly kept = new Map<string, Kept>();
  private bytes = 0;
  /** True while the whole node is known suspended (a stop of policy ALL, and nothing sent since that runs code). */
  frozen = false;
  readonly stats: StoreStats = { fetched: 0, served: 0, drops: 0 };
  /** A fetch ahead that waits for the debugger's first read of a kept kind (a miss) at a stop of a thread (node ID). */
  private deferred: { thread: bigint; start(): void } | undefined;
  private readonly listAt = new Map<number, number>();

  constructor(
    private readonly connection: JdwpConnection,
    private readonly sizes: IdSizes,
  ) {
    for (const [key, name] of LISTS) {
      const info = allCommands().find((c) => c.key === key)!;
      this.listAt.set(key, offsetOf(info.spec.out!, [name], sizes));
    }
    connection.tap = (set, command, data) => this.tap((set << 8) | command, data);
    connection.on('close', () => this.clear());
  }

  /** Sends a read to the node on behalf of the fetch ahead, keeping its reply for the debugger's commands. */
  fetch(info: CommandInfo, data: Buffer): Promise<ReplyPacket> {
    const life = LIFE.get(info.key);
    if (!life || life === 'passive' || (life === 'node' && !this.frozen)) throw new Error(`${info.fullName} is not kept now`);
    const at = this.listAt.get(info.key);
    const known = at === undefined ? this.whole(info.key, data) : undefined;
    if (known) return known;
    this.stats.fetched++;
    const sent = this.connection.request(info.set.id, info.spec.id, data, { tap: false, name: `fetch ahead ${info.fullName}` });
    const thread = life === 'thread' ? data.toString('latin1', 0, this.sizes.objectIDSize) : undefined;
    if (at === undefined) {
      this.keep(`${info.key}|${data.toString('latin1')}`, life, thread, sent.then((r) => (r.errorCode === 0 ? r.packet : undefined)));
      return sent;
    }
    const elements = this.elements(at, data);
    if (!elements) return sent;
    const values = sent.then((r) => (r.errorCode === 0 ? this.values(r.data, elements.keys.length) : undefined));
    values.catch(() => undefined);
    elements.keys.forEach((k, i) => this.keep(`${info.key}|${elements.subject}|${k}`, life, thread, values.then((v) => v?.[i])));
    return sent;
  }

  /** Starts a fetch ahead at the debugger's first read that misses, unless the thread (node ID) resumes before. */
  defer(thread: bigint, start: () => void): void {
    this.deferred = { thread, start };
  }

  /** Forgets every kept reply. */
  clear(): void {
    this.deferred = undefined;
    this.kept.clear();
    this.bytes = 0;
    this.frozen = false;
  }

  private keep(key: string, life: ReplyLife, thread: string | undefined, reply: Promise<Buffer | undefined>): void {
    if (this.kept.has(key)) return;
    const entry: Kept = { life, thread, bytes: undefined, waiting: undefined };
    // A command that waits on this reply was sent after the fetch and before anything that dropped it: the reply
    // answers it even when it is no longer kept.
    entry.waiting = reply.then(
      (bytes) => {
        if (this.kept.get(key) !== entry) return bytes;
        if (!bytes || this.bytes + bytes.length > STORE_MAX_BYTES) {
          this.kept.delete(key);
          return bytes;
        }
        entry.bytes = Buffer.from(bytes);
        entry.waiting = undefined;
        this.bytes += bytes.length;
        return entry.bytes;
      },
      () => {
        if (this.kept.get(key) === entry) this.kept.delete(key);
        return undefined;
      },
    );
    this.kept.set(key, entry);
  }

  private tap(key: number, data: Buffer): Promise<ReplyPacket> | undefined {
    const life = LIFE.get(key);
    if (life === undefined) {
      this.invalidate(key, data);
      return undefined;
    }
    if (life === 'passive') return undefined;
    const hit = this.kept.size ? this.lookup(key, data) : undefined;
    if (hit || !this.deferred) return hit;
    const { start } = this.deferred;
    this.deferred = undefined;
    start();
    return this.lookup(key, data);
  }

  private lookup(key: number, data: Buffer): Promise<ReplyPacket> | undefined {
    const at = this.listAt.get(key);
    if (at === undefined) {
      const hit = this.whole(key, data);
      if (hit) this.stats.served++;
      return hit;
    }
    const elements = this.elements(at, data);
    if (!elements) return undefined;
    const entries: Kept[] = [];
    for (const k of elements.keys) {
      const entry = this.kept.get(`${key}|${elements.subject}|${k}`);
      if (!entry) return undefined;
      entries.push(entry);
    }
    this.stats.served++;
    return Promise.all(entries.map((e) => e.bytes ?? e.waiting!)).then((values) => (values.every((v) => v) ? listReply(values as Buffer[]) : this.resend(key, data)));
  }

  /** The kept whole reply of a command, if any. */
  private whole(key: number, data: Buffer): Promise<ReplyPacket> | undefined {
    const entry = this.kept.get(`${key}|${data.toString('latin1')}`);
    if (!entry) return undefined;
    if (entry.bytes) return Promise.resolve(copyOf(entry.bytes));
    return entry.waiting!.then((bytes) => (bytes ? copyOf(bytes) : this.resend(key, data)));
  }

  /** Sends a command whose kept reply turned out to be an error (or was dropped) to the node itself. */
  private resend(key: number, data: Buffer): Promise<ReplyPacket> {
    return this.connection.request(key >> 8, key & 0xff, data, { tap: false });
  }

  private invalidate(key: number, data: Buffer): void {
    this.frozen = false;
    if (key !== THREAD_RESUME) {
      if (this.kept.size) this.stats.drops++;
      this.clear();
      return;
    }
    if (this.deferred && data.length >= this.sizes.objectIDSize && readIdAt(data, 0, this.sizes.objectIDSize) === this.deferred.thread) this.deferred = undefined;
    if (!this.kept.size) return;
    this.stats.drops++;
    const thread = data.toString('latin1', 0, this.sizes.objectIDSize);
    for (const [k, e] of this.kept) {
      if (e.life === 'node' || (e.life === 'thread' && e.thread === thread)) {
        this.kept.delete(k);
        if (e.bytes) this.bytes -= e.bytes.length;
      }
    }
  }

  /** The subject (the out data before the list) and each element's bytes, or undefined when the list is malformed. */
  private elements(at: number, data: Buffer): { subject: string; keys: string[] } | undefined {
    if (data.length < at + 4) return undefined;
    const count = data.readInt32BE(at);
    const rest = data.length - at - 4;
    if (count <= 0 || rest % count !== 0) return undefined;
    const width = rest / count;
    const keys: string[] = [];
    for (let i = 0, p = at + 4; i < count; i++, p += width) keys.push(data.toString('latin1', p, p + width));
    return { subject: data.toString('latin1', 0, at), keys };
  }

  /** Splits a reply's list of tagged values; undefined when it does not hold `count` of them. */
  private values(data: Buffer, count: number): Buffer[] | undefined {
    if (data.length < 4 || data.readInt32BE(0) !== count) return undefined;
    const out: Buffer[] = [];
    let p = 4;
    for (let i = 0; i < count; i++) {
      if (p >= data.length) return undefined;
      const end = p + 1 + (primitiveWidth(data[p]) ?? this.sizes.objectIDSize);
      out.push(data.subarray(p, end));
      p = end;
    }
    return p === data.length ? out : undefined;
  }
}

/** A fresh reply packet (the proxy rewrites replies in place). */
function copyOf(packet: Buffer): ReplyPacket {
  return decodePacket(Buffer.from(packet)) as ReplyPacket;
}

/** A reply packet holding a list of tagged values. */
function listReply(values: Buffer[]): ReplyPacket {
  const count = Buffer.alloc(4);
  count.writeInt32BE(values.length);
  return decodePacket(encodeReply(0, 0, Buffer.concat([count, ...values]))) as ReplyPacket;
}
