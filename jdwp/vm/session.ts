import type { JdwpConnection } from '../client/connection';
import type { CommandPacket } from '../codec/packet';
import type { ObjectID, ThreadID } from '../protocol/wire-types';
import { CodecError, FabricError, FabricErrorCode, JdwpReplyError } from '../errors';
import { commandById, commandByName, COMPOSITE, JDWP } from '../registry';
import type { Cluster } from './cluster';
import type { EventSink } from './events';
import { slotOf } from './ids';
import type { SessionState } from './handlers/context';
import { dispatch, isPlainRoute } from './handlers/index';
import { tryFastRoute } from './fast-route';
import { INVOCATION_KEYS, invocationOf, releaseReturned, type Invocation } from './invocations';
import type { NodeLink } from './node-link';
import { RequestManager } from './requests';
import { parseRequestScope } from '../flow/scope-spec';
import { SuspensionLedger } from './suspensions';
import type { SessionGuard } from '../guard/index';
import { ProxyError } from './translate';

const E = JDWP.Error;
/** Commands after which a stopped thread may run again: the resumes, and the invocations (which run it). */
const RESUMES = new Set([commandByName('VirtualMachine.Resume').key, commandByName('ThreadReference.Resume').key, ...INVOCATION_KEYS]);

/** The JDWP error a failure of a command becomes on the wire. */
export function errorCodeOf(err: unknown): number {
  if (err instanceof ProxyError) return err.errorCode;
  if (err instanceof JdwpReplyError) return err.errorCode;
  if (err instanceof CodecError) return E.ILLEGAL_ARGUMENT;
  if (err instanceof FabricError && err.code === FabricErrorCode.CONNECTION_CLOSED) return E.INVALID_OBJECT;
  return E.INTERNAL;
}

/**
 * One attached debugger. Its commands are served by the rule of each command; when it leaves (or sends
 * Dispose) every request it made is cleared on every node and every thread it suspended is resumed. An
 * invocation still running then is waited for in the background: what it suspends on return is resumed too.
 */
export class DebuggerSession implements SessionState, EventSink {
  readonly requests: RequestManager;
  readonly suspensions = new SuspensionLedger();
  readonly disabledObjects = new Set<bigint>();
  eventsHeld = false;
  vmStartSent = false;
  closed = false;
  /** Invocations sent to nodes and not answered yet; they may outlive the session. */
  readonly invocations = new Set<Invocation>();
  /** Resolves when the session has ended and the nodes are clean. */
  readonly ended: Promise<void>;
  private endedResolve!: () => void;

  constructor(
    readonly connection: JdwpConnection,
    readonly cluster: Cluster,
    readonly label: string,
    /** This session gets the read-only rules: --read-only, or a read-only token. */
    readonly readOnly = cluster.options.readOnly,
    /** Audits and limits the session's commands (--audit, --limit-*). */
    private readonly guard?: SessionGuard,
  ) {
    if (guard) connection.onWrite = (bytes) => guard.sent(bytes);
    this.requests = new RequestManager(cluster);
    if (cluster.options.requestScope) void this.requests.setScope(parseRequestScope(cluster.options.requestScope)).catch((err: Error) => cluster.options.log(`[fabric] debugger ${label}: request scope not set: ${err.message}`));
    this.ended = new Promise((resolve) => (this.endedResolve = resolve));
    connection.on('command', (packet: CommandPacket) => void this.onCommand(packet));
    connection.on('protocolError', (err: Error) => cluster.options.log(`[fabric] debugger ${label}: malformed packet: ${err.message}`));
    connection.on('close', () => void this.end('disconnected'));
  }

  /** Sends an Event.Composite to the debugger. */
  sendEvent(data: Buffer): void {
    this.connection.sendCommand(COMPOSITE.set.id, COMPOSITE.spec.id, data);
  }

  /** VirtualMachine.Dispose: cleans up, then closes the connection. */
  dispose(): void {
    void this.end('Dispose');
  }

  private async onCommand(packet: CommandPacket): Promise<void> {
    const info = commandById(packet.commandSet, packet.command);
    if (!info) {
      this.cluster.options.log(`[fabric] debugger ${this.label}: unknown command ${packet.commandSet}/${packet.command}`);
      this.connection.reply(packet.id, E.NOT_IMPLEMENTED);
      return;
    }
    // Once a stopped thread runs again, the callers its stitched stack held are let go (asked after the resume
    // reached the node: both go down the same link).
    if (RESUMES.has(info.key)) setImmediate(() => void this.cluster.stitches.recheck());
    const watch = this.guard?.command(info, packet.data);
    if (watch?.refuse !== undefined) {
      this.connection.reply(packet.id, watch.refuse);
      return;
    }
    const invocation = invocationOf(this.cluster, info, packet.data);
    if (!invocation && !watch?.done && isPlainRoute(info, this.readOnly) && tryFastRoute(this.cluster, this.connection, info, packet, (err) => this.connection.reply(packet.id, errorCodeOf(err)))) return;
    if (invocation) this.invocations.add(invocation);
    let returned = false;
    try {
      const data = await dispatch({ cluster: this.cluster, session: this }, info, packet.data);
      returned = true;
      this.connection.reply(packet.id, 0, data);
      watch?.done?.(0, data);
    } catch (err) {
      const code = errorCodeOf(err);
      watch?.done?.(code);
      if (code === E.INTERNAL || code === E.ILLEGAL_ARGUMENT) {
        this.cluster.options.log(`[fabric] debugger ${this.label}: ${info.fullName} failed: ${(err as Error).message}`);
      }
      this.connection.reply(packet.id, code);
    } finally {
      watch?.finally?.();
      if (invocation) await this.invocationDone(invocation, returned);
    }
  }

  /**
   * Forgets an answered invocation. One that returned after the debugger left has suspended again what it ran
   * with, and nobody is left to resume it: the session takes that suspension back itself.
   */
  private async invocationDone(invocation: Invocation, returned: boolean): Promise<void> {
    if (returned && this.closed) {
      this.cluster.options.log(`[fabric] debugger ${this.label}: an invocation on node ${invocation.link.name} returned after the debugger left; resuming what it suspended`);
      await releaseReturned(invocation).catch((err: Error) => this.cluster.options.log(`[fabric] node ${invocation.link.name}: resume after an invocation failed: ${err.message}`));
    }
    this.invocations.delete(invocation);
  }

  /** Ends the session: clears requests, releases events, re-enables collection, resumes suspended threads. */
  async end(reason: string): Promise<void> {
    if (this.closed) return this.ended;
    this.closed = true;
    this.suspensions.close();
    this.guard?.end(reason);
    this.cluster.options.log(`[fabric] debugger ${this.label} left (${reason}); clearing its requests and resuming its threads`);
    for (const { link } of this.invocations) {
      this.cluster.options.log(`[fabric] debugger ${this.label}: an invocation still runs on node ${link.name}; what it suspends when it returns is resumed then`);
    }
    try {
      this.cluster.stitches.releaseAll();
      await this.requests.clearAll();
      const live = this.cluster.live();
      await Promise.all([
        this.eventsHeld ? this.cluster.fanout('VirtualMachine.ReleaseEvents', (l) => l.client.VirtualMachine.ReleaseEvents()) : undefined,
        ...[...this.disabledObjects].map((id) => this.reenable(id)),
        this.cluster.fanout('resume', (l) => resumeAll(l), live),
      ]);
    } catch (err) {
      this.cluster.options.log(`[fabric] debugger ${this.label}: cleanup failed: ${(err as Error).message}`);
    } finally {
      this.connection.close();
      this.endedResolve();
    }
  }

  private async reenable(id: bigint): Promise<void> {
    const link = this.cluster.link(slotOf(id));
    const raw = link?.ids.toRaw(id);
    if (link && raw !== undefined) await link.client.ObjectReference.EnableCollection(raw as ObjectID).catch(() => undefined);
  }
}

/** Resumes every thread of a node as many times as the debugger suspended it. */
export async function resumeAll(link: NodeLink): Promise<void> {
  const { threads } = await link.client.VirtualMachine.AllThreads();
  const counts = await Promise.all(threads.map((t: ThreadID) => link.client.ThreadReference.SuspendCount(t).then((r) => r.suspendCount, () => 0)));
  const max = counts.reduce((a, b) => Math.max(a, b), 0);
  for (let i = 0; i < max; i++) await link.client.VirtualMachine.Resume();
}
