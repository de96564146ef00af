import * as fs from 'node:fs';
import { FabricError, FabricErrorCode, jdwpErrorName } from '../errors';
import { signatureToName } from '../mirror/names';
import { JDWP, type CommandInfo } from '../registry';
import type { Cluster } from '../vm/cluster';
import { slotOf } from '../vm/ids';
import { COMMAND_RULES } from '../vm/rules';
import { VIRTUAL_SIZES } from '../vm/translate';

const K = JDWP.EventKind;
const E = JDWP.Error;
const LOCATION_ONLY = 7;

/** The commands the audit log records: those that change the target (readOnly in the rules), and breakpoints set and cleared. */
const AUDITED = new Set([...Object.keys(COMMAND_RULES).filter((name) => COMMAND_RULES[name].readOnly), 'EventRequest.Set', 'EventRequest.Clear', 'EventRequest.ClearAllBreakpoints', 'Fabric.SetBreakpointBySymbol']);

/** The commands whose values are untagged, so the table cannot decode them without the fields' types. */
const SET_VALUES = new Set(['ClassType.SetValues', 'ObjectReference.SetValues']);
/** Width in bytes of an untagged primitive value by its signature's first character; references are IDs (8). */
const VALUE_WIDTH: Record<string, number> = { Z: 1, B: 1, C: 2, S: 2, I: 4, F: 4, J: 8, D: 8 };

/** Error codes that mean the proxy refused a command (rather than the node failing it). */
const REFUSALS = new Set<number>([E.NOT_IMPLEMENTED, E.ACCESS_DENIED, E.ALREADY_INVOKING]);

/** One line of the audit log. Only names and IDs: never a value from the application's memory. */
export interface AuditRecord {
  time: string;
  event: 'session-start' | 'session-end' | 'command';
  /** The debugger's connection, as the proxy's log names it. */
  session: string;
  /** The token's name, or the peer's address when no token was asked. */
  who: string;
  role?: string;
  reason?: string;
  /** The command as the spec names it, such as "EventRequest.Set". */
  command?: string;
  /** The event kind of EventRequest.Set and Clear, lower case ("breakpoint"). */
  kind?: string;
  /** The node the command went to, or null when it went to every node that runs the class. */
  node?: string | null;
  /** The thread's virtual ID. */
  thread?: string;
  class?: string;
  method?: string;
  fields?: string[];
  classes?: string[];
  /** "ok", "refused" (by the proxy: read-only, a limit) or "failed" (the node's error). */
  outcome?: 'ok' | 'refused' | 'failed';
  /** The JDWP error's name. */
  error?: string;
  /** Why the proxy refused it, when a limit did. */
  detail?: string;
}

/** The audit log of --audit FILE: one JSON line per session start and end, and per command that changes the target. */
export class AuditLog {
  private constructor(private readonly fd: number) {}

  /** Opens (appends to) the file; BAD_AUDIT_FILE when it cannot be. */
  static open(file: string): AuditLog {
    try {
      return new AuditLog(fs.openSync(file, 'a', 0o600));
    } catch (err) {
      throw new FabricError(FabricErrorCode.BAD_AUDIT_FILE, `cannot open the audit log ${file}: ${(err as Error).message}`);
    }
  }

  /** Appends one line. */
  write(record: Omit<AuditRecord, 'time'>): void {
    fs.writeSync(this.fd, JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
  }

  /** Closes the file. */
  close(): void {
    fs.closeSync(this.fd);
  }
}

/** The audit of one debugger session. */
export class SessionAudit {
  /** Breakpoint request IDs the debugger set, with where, for their Clear. */
  private readonly breakpoints = new Map<number, Pick<AuditRecord, 'class' | 'method' | 'node'>>();

  constructor(
    private readonly log: AuditLog,
    private readonly cluster: Cluster,
    private readonly session: string,
    private readonly who: string,
    role: string,
  ) {
    log.write({ event: 'session-start', session, who, role });
  }

  /** The record of a command if the audit log records it, else undefined; its outcome comes later. */
  describe(info: CommandInfo, data: Buffer): Omit<AuditRecord, 'time'> | undefined {
    if (!AUDITED.has(info.fullName)) return undefined;
    let out: Record<string, any> = {};
    try {
      out = SET_VALUES.has(info.fullName) ? this.setValues(info.fullName, data) : (info.out.decode(data, 0, data.length, VIRTUAL_SIZES) as Record<string, any>);
    } catch {
      // A malformed command is still audited, by name: the shield refuses it.
    }
    const record: Omit<AuditRecord, 'time'> = { event: 'command', session: this.session, who: this.who, command: info.fullName };
    if (info.fullName === 'Fabric.SetBreakpointBySymbol') {
      return { ...record, kind: 'breakpoint', class: signatureToName(String(out.signature ?? '')), ...(out.methodName ? { method: String(out.methodName) } : {}), node: null };
    }
    if (info.fullName === 'EventRequest.Set' || info.fullName === 'EventRequest.Clear') {
      if (out.eventKind !== K.BREAKPOINT) return undefined;
      record.kind = 'breakpoint';
      const loc = (out.modifiers as Array<Record<string, any>> | undefined)?.find((m) => m.modKind === LOCATION_ONLY)?.loc;
      if (loc) Object.assign(record, this.where(loc.classID, loc.methodID));
      if (info.fullName === 'EventRequest.Clear') Object.assign(record, this.breakpoints.get(out.requestID) ?? {});
      record.node ??= null;
      return record;
    }
    const onNode = out.thread ?? out.object ?? out.arrayObject;
    record.node = typeof onNode === 'bigint' && onNode !== 0n ? (this.cluster.link(slotOf(onNode))?.name ?? null) : null;
    if (typeof out.thread === 'bigint') record.thread = String(out.thread);
    Object.assign(record, this.where(out.clazz ?? out.arrType, out.methodID));
    const fields = (out.values as Array<{ fieldID?: bigint }> | undefined)?.map((v) => (v.fieldID === undefined ? undefined : this.cluster.registry.fields.get(v.fieldID)?.name)).filter((n): n is string => !!n);
    if (fields?.length) record.fields = fields;
    const firstField = (out.values as Array<{ fieldID?: bigint }> | undefined)?.[0]?.fieldID;
    const owner = firstField === undefined ? undefined : this.cluster.registry.fields.get(firstField)?.vtype;
    if (!record.class && owner) record.class = signatureToName(owner.signature);
    const classes = (out.classes as Array<{ refType: bigint }> | undefined)?.map((c) => this.className(c.refType) ?? String(c.refType));
    if (classes) record.classes = classes;
    return record;
  }

  /**
   * The target and field IDs of ClassType.SetValues or ObjectReference.SetValues, whose values are untagged: each
   * value's width comes from its field's signature (IDs are 8 bytes wide on the virtual side).
   */
  private setValues(command: string, data: Buffer): Record<string, any> {
    const target = data.readBigUInt64BE(0);
    const count = data.readInt32BE(8);
    const values: Array<{ fieldID: bigint }> = [];
    for (let i = 0, pos = 12; i < count && pos + 8 <= data.length; i++) {
      const fieldID = data.readBigUInt64BE(pos);
      values.push({ fieldID });
      const sig = this.cluster.registry.fields.get(fieldID)?.signature;
      if (!sig) break;
      pos += 8 + (VALUE_WIDTH[sig[0]] ?? 8);
    }
    return command === 'ClassType.SetValues' ? { clazz: target, values } : { object: target, values };
  }

  private className(id: unknown): string | undefined {
    const vtype = typeof id === 'bigint' ? this.cluster.registry.byId.get(id) : undefined;
    return vtype && signatureToName(vtype.signature);
  }

  private where(classID: unknown, methodID: unknown): Pick<AuditRecord, 'class' | 'method'> {
    const method = typeof methodID === 'bigint' ? this.cluster.registry.methods.get(methodID) : undefined;
    const name = this.className(classID) ?? (method && signatureToName(method.vtype.signature));
    return { ...(name ? { class: name } : {}), ...(method ? { method: method.name } : {}) };
  }

  /** Writes a command's record with its outcome: 0 (and the reply) or a JDWP error code. */
  done(record: Omit<AuditRecord, 'time'>, errorCode: number, reply?: Buffer, detail?: string): void {
    const outcome = errorCode === 0 ? 'ok' : REFUSALS.has(errorCode) ? 'refused' : 'failed';
    this.log.write({ ...record, outcome, ...(errorCode ? { error: jdwpErrorName(errorCode) } : {}), ...(detail ? { detail } : {}) });
    if ((record.command === 'EventRequest.Set' || record.command === 'Fabric.SetBreakpointBySymbol') && errorCode === 0 && reply && reply.length >= 4) {
      this.breakpoints.set(reply.readInt32BE(0), { class: record.class, method: record.method, node: record.node });
    }
  }

  /** Writes the session's end. */
  end(reason: string): void {
    this.log.write({ event: 'session-end', session: this.session, who: this.who, reason });
  }
}
