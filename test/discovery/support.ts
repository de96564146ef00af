// Helpers of the discovery tests: a debugger's breakpoint hits per node, and waiting for the node set.
import * as net from 'node:net';
import type { JdwpClient } from '../../jdwp/client/client';
import type { ThreadID } from '../../jdwp/protocol/wire-types';
import { JDWP } from '../../jdwp/registry';
import type { Event_Composite_Event } from '../../jdwp/protocol/spec-types';
import type { VirtualVm } from '../../jdwp/vm/server';
import { lineOf } from '../support/fixtures';
import { sleep } from '../vm/support';

const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;
const FIXTURE = 'Lfixture/Fixture;';

/** The names of the nodes that have joined, sorted. */
export function joinedNames(vm: VirtualVm): string[] {
  return vm.cluster
    .live()
    .filter((l) => l.joined)
    .map((l) => l.name)
    .sort();
}

/** Waits until the joined nodes are exactly `names`. */
export async function waitForNames(vm: VirtualVm, names: string[], log: string[], timeoutMs = 30_000): Promise<void> {
  const want = [...names].sort().join(',');
  const deadline = Date.now() + timeoutMs;
  while (joinedNames(vm).join(',') !== want) {
    if (Date.now() > deadline) throw new Error(`nodes ${joinedNames(vm).join(',')} instead of ${want} after ${timeoutMs} ms\nproxy log:\n${log.join('\n')}`);
    await sleep(50);
  }
}

/** Sets a breakpoint at the fixture's BREAK_LINE through the Fabric set, on every node that runs it; answers its request ID. */
export async function breakAtFixture(vm: JdwpClient): Promise<number> {
  const { classes } = await vm.VirtualMachine.ClassesBySignature(FIXTURE);
  const { symbolHash } = await vm.Fabric.SymbolInfo(classes[0].typeID);
  const bp = await vm.Fabric.SetBreakpointBySymbol(FIXTURE, symbolHash, '', lineOf('fixture/Fixture.java', 'BREAK_LINE'), P.EVENT_THREAD);
  return bp.requestID;
}

/**
 * Records the nodes a debugger's breakpoint hits come from, for as long as it lives, resuming every hit's
 * thread at once (so that no hit waits unanswered between two checks).
 */
export class HitRecorder {
  private hits = new Set<string>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly vm: JdwpClient) {
    vm.on('event', (e: Event_Composite_Event) => {
      for (const ev of e.events) {
        if (ev.eventKind !== K.BREAKPOINT) continue;
        const thread = ev.thread as ThreadID;
        const p = vm.ThreadReference.Name(thread).then(
          ({ threadName }) => {
            this.hits.add(/^\[([^\]]+)\]/.exec(threadName)?.[1] ?? '?');
            // The hit's node may leave before the resume arrives: then nothing is left to resume.
            return vm.ThreadReference.Resume(thread).catch(() => undefined);
          },
          () => this.hits.add(`stale thread ${thread}`),
        );
        this.pending.add(p);
        void p.finally(() => this.pending.delete(p));
      }
    });
  }

  /** The nodes hit during the next `ms`, sorted. */
  async during(ms: number): Promise<string[]> {
    await Promise.allSettled([...this.pending]);
    this.hits = new Set();
    await sleep(ms);
    await Promise.allSettled([...this.pending]);
    return [...this.hits].sort();
  }

  /**
   * Checks that the hits of breakpoint `requestID` come from exactly `names`, the current nodes: any hit of
   * another node (or of a thread the proxy no longer knows) fails at once; a node not hit yet gets a few more
   * windows. Then the breakpoint must be bound on every node.
   */
  async assertExactly(requestID: number, names: string[]): Promise<void> {
    const want = [...names].sort().join(',');
    let got = '';
    for (let i = 0; i < 5; i++) {
      const hits = await this.during(1_500);
      const stale = hits.filter((n) => !names.includes(n));
      if (stale.length) throw new Error(`breakpoint hits from ${stale.join(', ')}, which is not a current node (current: ${want})`);
      got = hits.join(',');
      if (got === want) {
        const info = await this.vm.Fabric.RequestInfo(requestID);
        if (info.boundNodes !== names.length || info.totalNodes !== names.length) throw new Error(`breakpoint bound on ${info.boundNodes}/${info.totalNodes} nodes, expected ${names.length}`);
        return;
      }
    }
    throw new Error(`breakpoint hits came from ${got || 'no node'} instead of ${want}`);
  }
}

/** A TCP port free on 127.0.0.1 now. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
