import type { CommandInfo } from '../../registry';
import type { Cluster } from '../cluster';
import type { RequestManager } from '../requests';
import type { SuspensionLedger } from '../suspensions';

/** What a command handler needs of the debugger's session. */
export interface SessionState {
  readonly requests: RequestManager;
  /** The VM-wide suspensions the debugger holds, oldest first. */
  readonly suspensions: SuspensionLedger;
  /** Objects whose collection the debugger disabled, to re-enable when it leaves. */
  readonly disabledObjects: Set<bigint>;
  /** True once the debugger has left and its cleanup has begun. */
  readonly closed: boolean;
  /** True when this session gets the read-only rules (--read-only, or a read-only token). */
  readonly readOnly: boolean;
  /** True while the debugger holds events. */
  eventsHeld: boolean;
  /** Ends the session as VirtualMachine.Dispose asks. */
  dispose(): void;
}

/** The context of one command. */
export interface Ctx {
  readonly cluster: Cluster;
  readonly session: SessionState;
}

/** Serves one command: resolves with the virtual reply data, or throws a ProxyError. */
export type Handler = (ctx: Ctx, info: CommandInfo, data: Buffer) => Promise<Buffer>;
