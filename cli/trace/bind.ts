import type { Location, ReferenceTypeID } from '../../jdwp/protocol/wire-types';
import { nameToSignature, type RefType } from '../../jdwp/mirror';
import { JDWP } from '../../jdwp/registry';
import type { Event_Composite_Events_ClassPrepare } from '../../jdwp/protocol/spec-types';
import { ExitCode } from '../exit-codes';
import { TraceError } from './errors';
import { describeAt, type Probe } from './probe';
import type { Target } from './target';

const K = JDWP.EventKind;
const EVENT_THREAD = JDWP.SuspendPolicy.EVENT_THREAD;

/** The ClassMatch patterns that cover a probe's class (and, for a line, its nested classes). */
function patternsOf(probe: Probe): string[] {
  return 'line' in probe.where ? [probe.where.className, `${probe.where.className}$*`] : [probe.where.className];
}

/** True when a prepared class (Java name) can hold the probe's code. */
function covers(probe: Probe, name: string): boolean {
  const c = probe.where.className;
  return name === c || ('line' in probe.where && name.startsWith(`${c}$`));
}

/**
 * Turns probes into breakpoint requests that suspend only the event thread. On a JVM: one request per
 * location, and ClassPrepare watches that bind classes loaded later. On the virtual VM:
 * Fabric.SetBreakpointBySymbol, which follows nodes that join and classes they load.
 */
export class Binder {
  private readonly probes = new Map<number, Probe>();
  private readonly requests = new Map<Probe, number[]>();
  private readonly watches = new Map<number, Probe>();
  private readonly boundTypes = new Map<Probe, Set<ReferenceTypeID>>();
  /** Requests cleared so far. */
  cleared = 0;

  constructor(private readonly target: Target) {}

  /** The probe a breakpoint request belongs to. */
  probeOf(requestID: number): Probe | undefined {
    return this.probes.get(requestID);
  }

  /** True for one of the ClassPrepare watches. */
  isWatch(requestID: number): boolean {
    return this.watches.has(requestID);
  }

  /** Binds a probe where its class is loaded and watches for later loads; a loaded class without that code is TraceError 7. */
  async bind(probe: Probe): Promise<void> {
    this.requests.set(probe, []);
    this.boundTypes.set(probe, new Set());
    if (this.target.fabric) return this.bindThroughFabric(probe);
    if (probe.symbol !== undefined) throw new TraceError(ExitCode.USAGE, `--symbol needs the jdwp-fabric virtual VM, and ${this.target.address} is a plain JVM (${this.target.description})`);
    const watchIds = await Promise.all(
      patternsOf(probe).map((classPattern) => this.target.vm.EventRequest.Set(K.CLASS_PREPARE, EVENT_THREAD, [{ modKind: 5, classPattern }])),
    );
    for (const { requestID } of watchIds) this.watches.set(requestID, probe);
    const types = await this.target.mirror.classesByName(probe.where.className);
    const nested = 'line' in probe.where ? (await Promise.all(types.map((t) => this.target.mirror.nestedTypes(t)))).flat() : [];
    await Promise.all([...types, ...nested].map((t) => this.bindType(probe, t)));
    if (types.length && !this.requests.get(probe)!.length) throw await this.noCode(probe, types);
  }

  private async bindType(probe: Probe, type: RefType): Promise<void> {
    const seen = this.boundTypes.get(probe)!;
    if (seen.has(type.id)) return;
    seen.add(type.id);
    const locations = await this.locations(probe, type);
    const ids = await Promise.all(locations.map((loc) => this.target.vm.EventRequest.Set(K.BREAKPOINT, EVENT_THREAD, [{ modKind: 7, loc }])));
    for (const { requestID } of ids) {
      this.probes.set(requestID, probe);
      this.requests.get(probe)?.push(requestID);
    }
  }

  private async locations(probe: Probe, type: RefType): Promise<Location[]> {
    const mirror = this.target.mirror;
    const where = probe.where;
    if ('line' in where) return mirror.locationsOfLine(type, where.line);
    if (type.name !== where.className) return [];
    const methods = type.methods.filter((m) => m.name === where.method && !m.isAbstract && !m.isNative);
    const tables = await Promise.all(methods.map((m) => mirror.lineTable(type.id, m.id)));
    return methods.map((m, i) => {
      const lines = tables[i]?.lines ?? [];
      const index = lines.length ? lines.reduce((a, b) => (a.index <= b.index ? a : b)).index : (tables[i]?.start ?? 0n);
      return { typeTag: type.tag, classID: type.id as Location['classID'], methodID: m.id, index };
    });
  }

  private async noCode(probe: Probe, types: RefType[]): Promise<TraceError> {
    const where = probe.where;
    if (!('line' in where)) return new TraceError(ExitCode.BAD_LOCATION, `no method ${where.method} in ${where.className} (--at ${probe.at})`);
    const mirror = this.target.mirror;
    const tables = await Promise.all(types.flatMap((t) => t.methods.map((m) => mirror.lineTable(t.id, m.id))));
    const lines = tables.flatMap((t) => t?.lines.map((l) => l.line) ?? []);
    const span = lines.length ? ` (its code spans lines ${Math.min(...lines)}-${Math.max(...lines)})` : '';
    return new TraceError(ExitCode.BAD_LOCATION, `no code at line ${where.line} of ${where.className}${span} (--at ${probe.at})`);
  }

  private async bindThroughFabric(probe: Probe): Promise<void> {
    const where = probe.where;
    const mirror = this.target.mirror;
    const types = await mirror.classesByName(where.className);
    let hash = probe.symbol ?? '';
    let signatures = [nameToSignature(where.className)];
    if (types.length) {
      if (hash) hash = await this.resolveHash(probe, types, hash);
      const candidates = 'line' in where ? [...types, ...(await Promise.all(types.map((t) => mirror.nestedTypes(t)))).flat()] : types;
      const withCode = (await Promise.all(candidates.map(async (t) => ((await this.locations(probe, t)).length ? t : undefined)))).filter((t): t is RefType => !!t);
      if (!withCode.length) throw await this.noCode(probe, types);
      signatures = [...new Set(withCode.map((t) => t.signature))];
    }
    const method = 'method' in where ? where.method : '';
    const line = 'line' in where ? where.line : -1;
    const replies = await Promise.all(signatures.map((sig) => this.target.vm.Fabric.SetBreakpointBySymbol(sig, hash, method, line, EVENT_THREAD)));
    for (const { requestID } of replies) {
      this.probes.set(requestID, probe);
      this.requests.get(probe)!.push(requestID);
    }
  }

  /** A full symbol hash from a prefix of one of the loaded versions' hashes; the text itself when none matches. */
  private async resolveHash(probe: Probe, types: RefType[], hash: string): Promise<string> {
    const infos = await Promise.all(types.map((t) => this.target.vm.Fabric.SymbolInfo(t.id)));
    const hashes = [...new Set(infos.flatMap((i) => i.versions.map((v) => v.symbolHash)))];
    const matches = hashes.filter((h) => h.startsWith(hash));
    if (matches.length > 1) throw new TraceError(ExitCode.USAGE, `--symbol ${hash} matches ${matches.length} versions of ${probe.where.className}: give more of the hash`);
    return matches[0] ?? hash;
  }

  /** Switches a probe's requests off on one node of the virtual VM, so its hits there stop costing a suspend. */
  async disableOn(probe: Probe, node: string): Promise<void> {
    if (!this.target.fabric) return;
    await Promise.all((this.requests.get(probe) ?? []).map((id) => this.target.vm.Fabric.DisableOnNode(id, node)));
  }

  /** True when the probe has a request on at least one node. */
  async isBound(probe: Probe): Promise<boolean> {
    const ids = this.requests.get(probe) ?? [];
    if (!this.target.fabric) return ids.length > 0;
    const infos = await Promise.all(ids.map((id) => this.target.vm.Fabric.RequestInfo(id)));
    return infos.some((i) => i.boundNodes > 0);
  }

  /** On how many nodes the probe's class (or symbol) is loaded, now. */
  async eligibleNodes(probe: Probe): Promise<number> {
    if (!this.target.fabric) return 1;
    const infos = await Promise.all((this.requests.get(probe) ?? []).map((id) => this.target.vm.Fabric.RequestInfo(id).catch(() => undefined)));
    return infos.reduce((n, i) => Math.max(n, i?.eligibleNodes ?? 0), 0);
  }

  /** The error of a probe that never bound: its class never loaded (5), or loaded without that code (7). */
  async unboundError(probe: Probe, waitedMs: number): Promise<TraceError> {
    this.target.mirror.forgetClassNames();
    const types = await this.target.mirror.classesByName(probe.where.className);
    if (types.length) {
      if (probe.symbol) return new TraceError(ExitCode.UNKNOWN_CLASS, `no node runs ${probe.where.className} with symbol hash ${probe.symbol} (waited ${waitedMs / 1000} s; --load-timeout)`);
      return this.noCode(probe, types);
    }
    const hint = 'method' in probe.where ? `; for a method write CLASS.method, for a line CLASS:LINE` : '';
    return new TraceError(ExitCode.UNKNOWN_CLASS, `unknown class ${probe.where.className}: not loaded ${this.target.fabric ? 'on any node ' : ''}within ${waitedMs / 1000} s (--at ${describeAt(probe.where)}; --load-timeout${hint})`);
  }

  /** A watched class was prepared: binds the probes it can hold (the thread is resumed by the caller). */
  async onClassPrepare(ev: Event_Composite_Events_ClassPrepare): Promise<Probe | undefined> {
    const probe = this.watches.get(ev.requestID);
    if (!probe) return undefined;
    const type = await this.target.mirror.type(ev.typeID);
    if (!covers(probe, type.name)) return undefined;
    this.target.mirror.forgetClassNames();
    const before = this.requests.get(probe)?.length ?? 0;
    await this.bindType(probe, type);
    return (this.requests.get(probe)?.length ?? 0) > before ? probe : undefined;
  }

  /** Clears a probe's requests (breakpoints and watches). */
  async clear(probe: Probe): Promise<void> {
    const vm = this.target.vm;
    const ids = this.requests.get(probe) ?? [];
    this.requests.set(probe, []);
    const watches = [...this.watches].filter(([, p]) => p === probe).map(([id]) => id);
    for (const id of watches) this.watches.delete(id);
    if (vm.connection.closeReason) return;
    this.cleared += ids.length + watches.length;
    await Promise.all([
      ...ids.map((id) => vm.EventRequest.Clear(K.BREAKPOINT, id).catch(() => undefined)),
      ...watches.map((id) => vm.EventRequest.Clear(K.CLASS_PREPARE, id).catch(() => undefined)),
    ]);
  }

  /** Clears every request of every probe. */
  async clearAll(): Promise<void> {
    await Promise.all([...this.requests.keys()].map((p) => this.clear(p)));
  }
}
