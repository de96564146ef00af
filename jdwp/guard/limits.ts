import { JDWP, type CommandInfo } from '../registry';
import { INVOCATION_KEYS } from '../vm/invocations';

const E = JDWP.Error;

/** Per-session limits (--limit-commands, --limit-bytes, --limit-invocations); an absent one is no limit. */
export interface SessionLimits {
  /** Commands per second (a burst of one second's worth is allowed). */
  commandsPerSecond?: number;
  /** Bytes per second of replies and events out of the nodes to the debugger. */
  bytesPerSecond?: number;
  /** Invocations (InvokeMethod, NewInstance) running at once. */
  invocations?: number;
}

/** A command over a limit answers this: the JDWP error, and why. */
export interface Refusal {
  code: number;
  detail: string;
}

/**
 * Commands that only give back what the session holds (resume, clear, dispose): never refused, so that a session
 * over its limits can always let go of the nodes.
 */
const RELEASES = new Set([
  'VirtualMachine.Resume',
  'VirtualMachine.Dispose',
  'VirtualMachine.DisposeObjects',
  'VirtualMachine.ReleaseEvents',
  'ThreadReference.Resume',
  'EventRequest.Clear',
  'EventRequest.ClearAllBreakpoints',
  'ObjectReference.EnableCollection',
]);

/** A token bucket that refills `rate` per second up to `rate`, and may be overdrawn. */
class Bucket {
  private level: number;
  private at = Date.now();
  constructor(private readonly rate: number) {
    this.level = rate;
  }
  /** The level now, after refilling. */
  now(): number {
    const t = Date.now();
    this.level = Math.min(this.rate, this.level + ((t - this.at) * this.rate) / 1_000);
    this.at = t;
    return this.level;
  }
  take(n: number): void {
    this.now();
    this.level -= n;
  }
}

/**
 * The limits of one debugger session. A command over one is refused at once with a JDWP error (ACCESS_DENIED for
 * a rate, ALREADY_INVOKING for one invocation too many) and logged, at most once a second per limit with a count:
 * it never waits, so nothing else (other sessions, nodes, events) is held up.
 */
export class SessionLimiter {
  private readonly commands: Bucket | undefined;
  private readonly bytes: Bucket | undefined;
  private running = 0;
  private readonly logged = new Map<string, { at: number; count: number }>();

  constructor(
    private readonly limits: SessionLimits,
    private readonly log: (line: string) => void,
  ) {
    if (limits.commandsPerSecond) this.commands = new Bucket(limits.commandsPerSecond);
    if (limits.bytesPerSecond) this.bytes = new Bucket(limits.bytesPerSecond);
  }

  /** Admits a command (and counts it), or answers why not; an admitted invocation must be released. */
  admit(info: CommandInfo): Refusal | undefined {
    if (RELEASES.has(info.fullName)) return undefined;
    if (this.commands && this.commands.now() < 1) return this.refuse('commands', E.ACCESS_DENIED, `over the limit of ${this.limits.commandsPerSecond} commands/s`);
    if (this.bytes && this.bytes.now() < 0) return this.refuse('bytes', E.ACCESS_DENIED, `over the limit of ${this.limits.bytesPerSecond} bytes/s out of the nodes`);
    if (INVOCATION_KEYS.has(info.key) && this.limits.invocations !== undefined && this.running >= this.limits.invocations) {
      return this.refuse('invocations', E.ALREADY_INVOKING, `over the limit of ${this.limits.invocations} concurrent invocations`);
    }
    this.commands?.take(1);
    if (INVOCATION_KEYS.has(info.key)) this.running++;
    return undefined;
  }

  /** An admitted command is over. */
  release(info: CommandInfo): void {
    if (INVOCATION_KEYS.has(info.key) && !RELEASES.has(info.fullName)) this.running--;
  }

  /** Counts bytes sent to the debugger. */
  sent(bytes: number): void {
    this.bytes?.take(bytes);
  }

  private refuse(limit: string, code: number, detail: string): Refusal {
    const now = Date.now();
    const seen = this.logged.get(limit);
    if (!seen || now - seen.at >= 1_000) {
      const more = seen?.count ? ` (${seen.count} more refused since the last line)` : '';
      this.log(`${detail}: refusing commands${more}`);
      this.logged.set(limit, { at: now, count: 0 });
    } else seen.count++;
    return { code, detail };
  }
}
