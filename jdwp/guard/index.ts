import type { CommandInfo } from '../registry';
import type { Cluster } from '../vm/cluster';
import { SessionAudit, type AuditLog } from './audit';
import { SessionLimiter, type SessionLimits } from './limits';
import type { Identity } from './tokens';

/** What the guard does with one command: refuse it with a JDWP error, or be told how it ended. */
export interface CommandWatch {
  /** Refuse the command with this JDWP error code. */
  refuse?: number;
  /** Told of the command's outcome: 0 and the reply data, or the JDWP error code (set only when it is audited). */
  done?(errorCode: number, reply?: Buffer): void;
  /** Called once the command is over, however it ended. */
  finally?(): void;
}

/** The guard of one debugger session: its audit and its limits. */
export interface SessionGuard {
  /** Called before each command runs. */
  command(info: CommandInfo, data: Buffer): CommandWatch | undefined;
  /** Bytes written to the debugger (replies and events). */
  sent(bytes: number): void;
  /** The session ended. */
  end(reason: string): void;
}

/** What guards the sessions of a virtual VM. */
export interface GuardOptions {
  audit?: AuditLog;
  limits?: SessionLimits;
}

/** Makes the guard of a new session, or undefined when neither an audit log nor limits are set. */
export function guardSession(options: GuardOptions, cluster: Cluster, session: string, identity: Identity | undefined, readOnly: boolean): SessionGuard | undefined {
  const { audit: log, limits } = options;
  const hasLimits = !!limits && (!!limits.commandsPerSecond || !!limits.bytesPerSecond || limits.invocations !== undefined);
  if (!log && !hasLimits) return undefined;
  const audit = log && new SessionAudit(log, cluster, session, identity?.name ?? session.replace(/^ws /, ''), readOnly ? 'read-only' : 'full');
  const limiter = hasLimits ? new SessionLimiter(limits!, (line) => cluster.options.log(`[fabric] debugger ${session}: ${line}`)) : undefined;
  return {
    command(info, data) {
      const record = audit?.describe(info, data);
      const refusal = limiter?.admit(info);
      if (refusal) {
        if (record) audit!.done(record, refusal.code, undefined, refusal.detail);
        return { refuse: refusal.code };
      }
      if (!record && !limiter) return undefined;
      return {
        done: record ? (code, reply) => audit!.done(record, code, reply) : undefined,
        finally: limiter ? () => limiter.release(info) : undefined,
      };
    },
    sent: (bytes) => limiter?.sent(bytes),
    end: (reason) => audit?.end(reason),
  };
}
