// The shield under fire: mutated debugger packets against a proxy (a child process, so a crash shows) over 3 real
// fixture JVMs. Seeded (FUZZ_SEED) and bounded (FUZZ_PACKETS, default 20,000), in bursts on fresh connections:
// well-formed commands of every set built from the table with harvested, null, random and wrong-kind IDs, then
// truncated, padded, bit-flipped and garbage bodies, unknown and vendor sets, reply flags from the debugger, lying
// lengths, split and coalesced writes. After every burst a fresh connection must get VirtualMachine.Version
// answered and every node must be alive; at the end nothing may be left suspended.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { JdwpClient } from '../../jdwp/client/client';
import type { ReferenceTypeID, ThreadID } from '../../jdwp/protocol/wire-types';
import { HANDSHAKE, HEADER_SIZE, REPLY_FLAG } from '../../jdwp/codec/packet';
import type { Jvm } from '../../jdwp/launch/java';
import type { Field, IdKind, ScalarKind } from '../../jdwp/protocol/kinds';
import { allCommands, JDWP, type CommandInfo } from '../../jdwp/registry';
import { killAll, ROOT } from '../support/fixtures';
import { pidAlive } from './shield-support';
import { sleep, startNodes, suspendedThreads } from './support';
import { seededRandom } from '../support/random';

/** The seed; FUZZ_SEED=random picks one. The default is fixed so CI replays the same run. */
const SEED = process.env.FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED ?? 2);
const PACKETS = Number(process.env.FUZZ_PACKETS ?? 20_000);
const BURST = 250;
/** From this burst on, send one packet at a time and check the nodes after each (to find the packet that kills one). */
const STEP_FROM = Number(process.env.FUZZ_STEP_FROM ?? -1);
const NODES = 3;

/**
 * Commands a well-formed fuzz packet never is: they change the fixture for good by design (a debugger may stop a
 * thread, write any field or run any method), which would be the fuzzer's doing, not a proxy fault.
 */
const LETHAL = /^(ThreadReference\.(Stop|Interrupt|ForceEarlyReturn)|VirtualMachine\.(Exit|RedefineClasses|Dispose)|StackFrame\.PopFrames|.*\.(InvokeMethod|SetValues)|ClassType\.NewInstance)$/;

type Pool = Map<IdKind, bigint[]>;

class Fuzzer {
  readonly random: () => number;
  constructor(
    seed: number,
    private readonly pool: Pool,
  ) {
    this.random = seededRandom(seed);
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  id(kind: IdKind): bigint {
    const r = this.random();
    const own = this.pool.get(kind) ?? [];
    if (r < 0.5 && own.length) return this.pick(own);
    if (r < 0.75) return this.pick(this.pick([...this.pool.values()].filter((l) => l.length)));
    if (r < 0.85) return 0n;
    if (r < 0.93) return BigInt(1 + this.int(NODES + 1)) * 10n ** 15n + BigInt(this.int(3000));
    return this.bytes(8).readBigUInt64BE(0);
  }

  scalar(kind: ScalarKind, out: Buffer[]): void {
    const u8 = (v: number) => {
      out.push(Buffer.from([v & 0xff]));
    };
    const i32 = (v: number) => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(v | 0);
      out.push(b);
    };
    const id = (k: IdKind) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(this.id(k));
      out.push(b);
    };
    const tags = 'BCDFIJSZVLs[tgclV';
    switch (kind) {
      case 'byte':
        return u8(this.random() < 0.5 ? this.pick([0, 1, 2, 3, 4, 6, 8, 40]) : this.random() < 0.5 ? tags.charCodeAt(this.int(tags.length)) : this.int(256));
      case 'boolean':
        return u8(this.random() < 0.9 ? this.int(2) : this.int(256));
      case 'int':
        return i32(this.pick([0, 1, 2, 3, -1, 10, 0x7fffffff, -0x80000000, this.int(100)]));
      case 'long': {
        const b = Buffer.alloc(8);
        b.writeBigInt64BE(this.pick([0n, 1n, -1n, BigInt(this.int(1000))]));
        return void out.push(b);
      }
      case 'string': {
        const text = this.pick(['', 'Lfixture/Fixture;', 'Ljava/lang/String;', 'fixture.*', '*', 'Java', 'x'.repeat(this.int(300))]);
        const body = this.random() < 0.15 ? Buffer.from([0xff, 0xc0, 0x80, 0xed, 0xa0, 0x80].slice(0, 1 + this.int(6))) : Buffer.from(text);
        i32(this.random() < 0.05 ? this.pick([-1, 0x7ffffff0, body.length + 5]) : body.length);
        return void out.push(body);
      }
      case 'taggedObjectID':
        u8(tags.charCodeAt(9 + this.int(7)));
        return id('objectID');
      case 'location':
        u8(1 + this.int(3));
        id('classID');
        id('methodID');
        return this.scalar('long', out);
      case 'value':
      case 'untaggedValue': {
        const tag = tags.charCodeAt(this.int(tags.length));
        if (kind === 'value') u8(tag);
        const widths: Record<string, number> = { B: 1, Z: 1, C: 2, S: 2, I: 4, F: 4, J: 8, D: 8, V: 0 };
        const w = widths[String.fromCharCode(tag)];
        if (w !== undefined) return void out.push(this.bytes(w));
        return id('objectID');
      }
      case 'arrayRegion':
        u8(0x49);
        i32(1);
        return i32(7);
      default:
        return id(kind);
    }
  }

  fields(fields: readonly Field[], out: Buffer[]): void {
    for (const f of fields) this.field(f, out);
  }

  field(f: Field, out: Buffer[]): void {
    switch (f.kind) {
      case 'group':
        return this.fields(f.fields, out);
      case 'repeat': {
        const n = this.random() < 0.05 ? this.pick([-1, 0x7fffffff, 1000]) : this.int(4);
        const b = Buffer.alloc(4);
        b.writeInt32BE(n);
        out.push(b);
        for (let i = 0; i < Math.min(Math.max(n, 0), 4); i++) this.field(f.of, out);
        return;
      }
      case 'select': {
        const alt = this.random() < 0.9 ? this.pick(f.alts) : undefined;
        out.push(Buffer.from([alt ? alt.value : this.int(256)]));
        if (alt) this.fields(alt.fields, out);
        return;
      }
      default:
        return this.scalar(f.kind, out);
    }
  }

  /** A command body from the table, then mutated or not; and the set and command it goes to. */
  command(commands: CommandInfo[]): { set: number; cmd: number; data: Buffer; what: string } {
    const r = this.random();
    if (r < 0.05) {
      const set = this.pick([0, 19, 33, 64, 99, 127, 129, 200, 255, 128, 1, 11]);
      return { set, cmd: this.pick([0, 30, 99, 200, 255]), data: this.bytes(this.int(40)), what: 'unknown command' };
    }
    const info = this.pick(commands);
    const parts: Buffer[] = [];
    this.fields(info.spec.out ?? [], parts);
    let data: Buffer = Buffer.concat(parts);
    let what = info.fullName;
    const m = this.random();
    if (m < 0.1 && data.length) {
      data = data.subarray(0, this.int(data.length));
      what += ' truncated';
    } else if (m < 0.2) {
      data = Buffer.concat([data, this.bytes(1 + this.int(8))]);
      what += ' padded';
    } else if (m < 0.3 && data.length) {
      data = Buffer.from(data);
      for (let k = 0; k <= this.int(4); k++) data[this.int(data.length)] = this.int(256);
      what += ' flipped';
    } else if (m < 0.36) {
      data = this.bytes(this.int(64));
      what += ' garbage';
    }
    return { set: info.set.id, cmd: info.spec.id, data, what };
  }
}

/** A raw debugger connection: the handshake, framed packets out, replies matched by ID, events dropped. */
class RawDebugger {
  private buf: Buffer = Buffer.alloc(0);
  /** How many replies came back with each error code. */
  readonly codes = new Map<number, number>();
  private readonly waiting = new Map<number, (errorCode: number) => void>();
  readonly pending = new Set<number>();
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.values()) w(-1);
    });
    socket.on('error', () => undefined);
  }

  /** Connects once the previous debugger's session has ended (the proxy drops a second debugger at once). */
  static async open(port: number, timeoutMs = 30_000): Promise<RawDebugger> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const socket = net.connect({ host: '127.0.0.1', port });
      const ok = await new Promise<boolean>((resolve) => {
        let got = Buffer.alloc(0);
        const timer = setTimeout(() => resolve(false), 2_000);
        socket.once('error', () => resolve(false));
        socket.once('close', () => resolve(false));
        socket.on('data', function onData(chunk) {
          got = Buffer.concat([got, chunk]);
          if (got.length >= HANDSHAKE.length) {
            clearTimeout(timer);
            socket.removeListener('data', onData);
            resolve(got.subarray(0, HANDSHAKE.length).equals(HANDSHAKE));
          }
        });
        socket.once('connect', () => socket.write(HANDSHAKE));
      });
      if (ok) {
        socket.removeAllListeners('close');
        socket.removeAllListeners('error');
        return new RawDebugger(socket);
      }
      socket.destroy();
      if (Date.now() > deadline) throw new Error(`no debugger connection to the proxy within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= HEADER_SIZE) {
      const len = this.buf.readUInt32BE(0);
      if (this.buf.length < len) return;
      const id = this.buf.readUInt32BE(4);
      if (this.buf[8] & REPLY_FLAG) {
        this.pending.delete(id);
        const code = this.buf.readUInt16BE(9);
        this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
        this.waiting.get(id)?.(this.buf.readUInt16BE(9));
        this.waiting.delete(id);
      }
      this.buf = this.buf.subarray(Math.max(len, HEADER_SIZE));
    }
  }

  /** Resolves with a command's error code, or -1 if the connection closed or the time ran out. */
  request(id: number, set: number, cmd: number, data: Buffer, timeoutMs: number): Promise<number> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(-1), timeoutMs);
      this.waiting.set(id, (code) => {
        clearTimeout(timer);
        resolve(code);
      });
      this.socket.write(packet(id, 0, set, cmd, data));
    });
  }

  /** Waits until every command sent has its reply, or the time is up; returns how many are still unanswered. */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size && !this.closed && Date.now() < deadline) await sleep(20);
    return this.closed ? 0 : this.pending.size;
  }

  close(): void {
    this.socket.destroy();
  }
}

function packet(id: number, flags: number, set: number, cmd: number, data: Buffer, length = HEADER_SIZE + data.length): Buffer {
  const b = Buffer.alloc(HEADER_SIZE + data.length);
  b.writeUInt32BE(length >>> 0, 0);
  b.writeUInt32BE(id >>> 0, 4);
  b[8] = flags;
  b[9] = set;
  b[10] = cmd;
  data.copy(b, HEADER_SIZE);
  return b;
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** IDs of every kind, harvested from the proxy's real replies. */
async function harvest(vm: JdwpClient): Promise<Pool> {
  const pool: Pool = new Map();
  const add = (kind: IdKind, ...ids: bigint[]) => pool.set(kind, [...(pool.get(kind) ?? []), ...ids.filter((i) => i !== 0n)]);
  const { threads } = await vm.VirtualMachine.AllThreads();
  add('threadID', ...threads);
  add('threadGroupID', ...(await vm.VirtualMachine.TopLevelThreadGroups()).groups);
  for (const t of threads.slice(0, 6)) add('threadGroupID', (await vm.ThreadReference.ThreadGroup(t)).group);
  for (const sig of ['Lfixture/Fixture;', 'Ljava/lang/String;', 'Ljava/lang/Thread;', 'Ljava/lang/Object;', '[I', 'Ljava/lang/Runnable;', 'Lfixture/Versioned;']) {
    for (const c of (await vm.VirtualMachine.ClassesBySignature(sig)).classes) {
      const type = c.typeID as ReferenceTypeID;
      add(c.refTypeTag === JDWP.TypeTag.INTERFACE ? 'interfaceID' : c.refTypeTag === JDWP.TypeTag.ARRAY ? 'arrayTypeID' : 'classID', type);
      add('referenceTypeID', type);
      add('methodID', ...(await vm.ReferenceType.Methods(type)).declared.slice(0, 12).map((m) => m.methodID));
      add('fieldID', ...(await vm.ReferenceType.Fields(type)).declared.slice(0, 12).map((f) => f.fieldID));
      add('classObjectID', (await vm.ReferenceType.ClassObject(type)).classObject);
      add('classLoaderID', (await vm.ReferenceType.ClassLoader(type)).classLoader);
      add('moduleID', (await vm.ReferenceType.Module(type)).module);
      if (c.refTypeTag !== JDWP.TypeTag.INTERFACE) {
        for (const i of (await vm.ReferenceType.Instances(type, 3)).instances) add(i.tag === JDWP.Tag.ARRAY ? 'arrayID' : i.tag === JDWP.Tag.STRING ? 'stringID' : 'objectID', i.objectID);
      }
    }
  }
  add('stringID', (await vm.VirtualMachine.CreateString('fuzz')).stringObject);
  const main = threads[0] as ThreadID;
  await vm.ThreadReference.Suspend(main);
  add('frameID', ...(await vm.ThreadReference.Frames(main, 0, -1)).frames.map((f) => f.frameID));
  await vm.ThreadReference.Resume(main);
  add('objectID', ...threads.slice(0, 4));
  return pool;
}

describe('shield fuzzer: mutated debugger packets against a proxy over 3 JVMs', function () {
  this.timeout(15 * 60_000);
  const jvms: Jvm[] = [];
  let proxy: ChildProcess | undefined;
  const proxyLog: string[] = [];

  after(async () => {
    if (proxy && proxy.exitCode === null) {
      proxy.kill('SIGTERM');
      await new Promise((r) => proxy!.once('exit', r));
    }
    await killAll(jvms);
  });

  it(`survives ${PACKETS} packets (seed ${SEED}): no crash, no node death, nothing suspended`, async () => {
    console.log(`    fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED}), ${PACKETS} packets`);
    await startNodes(jvms, NODES);
    const args = [path.join(ROOT, 'bin', 'jdwp-fabric.js'), 'proxy', '--listen', '127.0.0.1:0', ...jvms.flatMap((j, i) => ['--node', `node-${i + 1}=127.0.0.1:${j.port}`])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proxy = child;
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        text += chunk;
        for (const line of chunk.split('\n')) if (line) proxyLog.push(line);
        if (proxyLog.length > 400) proxyLog.splice(0, proxyLog.length - 400);
        const m = /listening on [^\s:]+:(\d+)/.exec(text);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`the proxy exited (${code}) before listening:\n${text}`)));
    });
    const lastPackets: string[] = [];
    let burstPackets: string[] = [];
    const fail = (why: string): never => {
      const dump = path.join(ROOT, '.tmp', `fuzz-${SEED}-burst.txt`);
      fs.mkdirSync(path.dirname(dump), { recursive: true });
      fs.writeFileSync(dump, burstPackets.join('\n'));
      assert.fail(`${why}\nseed ${SEED} (replay with FUZZ_SEED=${SEED}); every packet of the burst: ${dump}\n--- last packets ---\n${lastPackets.join('\n')}\n--- proxy log ---\n${proxyLog.slice(-30).join('\n')}`);
    };
    const checkAlive = (when: string) => {
      if (child.exitCode !== null || child.signalCode !== null) fail(`the proxy crashed (${child.exitCode ?? child.signalCode}) ${when}`);
      const dead = jvms.filter((j) => !pidAlive(j));
      if (dead.length) fail(`${dead.length} node(s) died ${when}: ${dead.map((j) => j.output.slice(-8).join(' | ')).join('\n')}`);
    };

    let vm = await JdwpClient.attach({ host: '127.0.0.1', port }, { requestTimeoutMs: 20_000 });
    for (let i = 0; (await vm.Fabric.Nodes()).nodes.filter((n) => n.state === 'up').length < NODES; i++) {
      if (i > 300) fail('the nodes did not join');
      await sleep(100);
    }
    const pool = await harvest(vm);
    vm.close();
    const rssBefore = rssKb(child.pid!);
    const skip = process.env.FUZZ_EXCLUDE ? new RegExp(process.env.FUZZ_EXCLUDE) : undefined;
    const commands = allCommands().filter((c) => c.fullName !== 'Event.Composite' && !LETHAL.test(c.fullName) && !skip?.test(c.fullName));
    const fuzz = new Fuzzer(SEED, pool);
    let sent = 0;
    let unanswered = 0;
    const unansweredWhat: string[] = [];
    const codes = new Map<number, number>();
    let nextId = 1;
    const started = Date.now();
    for (let burst = 0; sent < PACKETS; burst++) {
      const dbg = await RawDebugger.open(port).catch((err: Error) => fail(`burst ${burst}: ${err.message}`));
      const version = await dbg.request(nextId++, 1, 1, Buffer.alloc(0), 20_000);
      if (version !== 0) fail(`burst ${burst}: a fresh VirtualMachine.Version answered ${version}`);
      const count = Math.min(BURST, PACKETS - sent);
      const wire: Buffer[] = [];
      burstPackets = [];
      for (let k = 0; k < count; k++) {
        const { set, cmd, data, what } = fuzz.command(commands);
        const id = nextId++;
        const r = fuzz.random();
        const flags = r < 0.03 ? REPLY_FLAG : r < 0.04 ? fuzz.int(256) : 0;
        const lie = k === count - 1 && fuzz.random() < 0.3;
        const length = lie ? fuzz.pick([0, 5, 10, HEADER_SIZE + data.length + 1000, 0x7fffffff, 0xffffffff]) : HEADER_SIZE + data.length;
        const bytes = packet(id, flags, set, cmd, data, length);
        if (!(flags & REPLY_FLAG) && !lie) dbg.pending.add(id);
        wire.push(bytes);
        burstPackets.push(`#${id} ${what}${flags ? ` flags=0x${flags.toString(16)}` : ''}: ${bytes.toString('hex')}`);
        lastPackets.push(`#${id} ${what}${flags ? ` flags=0x${flags.toString(16)}` : ''}${lie ? ` length=${length}` : ''}: ${bytes.subarray(0, 80).toString('hex')}`);
        if (lastPackets.length > 20) lastPackets.shift();
      }
      sent += count;
      if (STEP_FROM >= 0 && burst >= STEP_FROM) {
        for (const b of wire) {
          dbg.socket.write(b);
          await dbg.drain(10_000);
          await sleep(30);
          checkAlive(`after packet ${b.readUInt32BE(4)}`);
        }
      }
      // Coalesced runs of packets, or one packet split into pieces across writes.
      for (let k = 0; k < wire.length && !(STEP_FROM >= 0 && burst >= STEP_FROM); ) {
        if (dbg.closed) break;
        const mode = fuzz.random();
        if (mode < 0.4) {
          const n = 1 + fuzz.int(8);
          dbg.socket.write(Buffer.concat(wire.slice(k, k + n)));
          k += n;
        } else if (mode < 0.6) {
          const b = wire[k++];
          for (let at = 0; at < b.length; ) {
            const piece = 1 + fuzz.int(Math.max(1, b.length - at));
            dbg.socket.write(b.subarray(at, at + piece));
            at += piece;
            await new Promise((r) => setImmediate(r));
          }
        } else {
          dbg.socket.write(wire[k++]);
        }
      }
      const left = await dbg.drain(30_000);
      unanswered += left;
      if (left) for (const id of dbg.pending) unansweredWhat.push(burstPackets.find((p) => p.startsWith(`#${id} `))?.slice(0, 120) ?? `#${id}`);
      for (const [code, n] of dbg.codes) codes.set(code, (codes.get(code) ?? 0) + n);
      dbg.close();
      checkAlive(`after burst ${burst}`);
    }
    const elapsed = Date.now() - started;
    const final = await RawDebugger.open(port);
    if ((await final.request(nextId++, 1, 1, Buffer.alloc(0), 20_000)) !== 0) fail('the final VirtualMachine.Version was not answered');
    final.close();
    vm = await (async () => {
      for (let i = 0; ; i++) {
        try {
          return await JdwpClient.attach({ host: '127.0.0.1', port }, { requestTimeoutMs: 20_000 });
        } catch (err) {
          if (i > 100) throw err;
          await sleep(100);
        }
      }
    })();
    let suspended: string[] = [];
    try {
      for (let i = 0; i < 25; i++) {
        suspended = await suspendedThreads(vm);
        if (!suspended.length) break;
        await sleep(200);
      }
      const up = (await vm.Fabric.Nodes()).nodes.filter((n) => n.state === 'up').length;
      if (up !== NODES) fail(`${up} of ${NODES} nodes up at the end`);
    } finally {
      await vm.dispose().catch(() => undefined);
    }
    checkAlive('at the end');
    const rssAfter = rssKb(child.pid!);
    console.log(
      `    fuzz: ${sent} packets in ${(elapsed / 1000).toFixed(1)} s, proxy crashes 0, node deaths 0, threads left suspended ${suspended.length}, ` +
        `unanswered well-framed commands ${unanswered}, proxy RSS ${(rssBefore / 1024).toFixed(0)} MB before, ${(rssAfter / 1024).toFixed(0)} MB after`,
    );
    const names = Object.fromEntries(Object.entries(JDWP.Error).map(([k, v]) => [v, k]));
    console.log(`    replies by error: ${[...codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${names[c] ?? c} ${n}`).join(', ')}`);
    if (suspended.length) fail(`threads left suspended: ${suspended.join(', ')}`);
    assert.equal(unanswered, 0, `every well-framed command is answered (seed ${SEED}); unanswered:\n${unansweredWhat.slice(0, 20).join('\n')}`);
  });
});
