import * as assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Jvm } from '../../jdwp/launch/java';
import { killAll } from '../support/fixtures';
import { readStopped, requestId, serviceLine, SERVICE, startBusyNode, within } from './busy';
import { answerReverseRequests, attachAndConfigure, RecordingClient, startAdapter, type AdapterUnderTest } from './harness';
import { agentPort, suspendedThreads } from './suspension';
import { JdwpClient } from '../../jdwp/client/client';
import { NODE_ATTRIBUTE } from '../../adapter/node-sessions';
import { slotOf } from '../../jdwp/vm/ids';
import { seededRandom } from '../support/random';

// The adapter's stress test: DebugClient on the adapter through the virtual VM over 5 busy nodes, the last one on
// the changed build of busyfix.Service, driven by a seeded random sequence of at least 300 stops. Replay a failing
// run with STRESS_SEED=<seed>; STRESS_STOPS sets the number of stops. A second, shorter run (STRESS_NODE_STOPS stops)
// has node sessions on, over the same nodes: the test answers startDebugging with one child session per node, acts
// on a stopped thread through its node's child, and continues all through the cluster's session.

const SEED = process.env.STRESS_SEED ? Number(process.env.STRESS_SEED) : Math.floor(Math.random() * 2 ** 31);
const STOPS = Number(process.env.STRESS_STOPS ?? 1000);
const NODES = 5;
const NODE_STOPS = Number(process.env.STRESS_NODE_STOPS ?? 300);
/** No request may take longer than this. */
const LIMIT_MS = 5_000;


/** One breakpoint of the random plan, with what its stops must satisfy. */
interface PlannedBp {
  line: number;
  kind: 'plain' | 'condition' | 'hits' | 'log';
  /** For 'condition': stops only where r.id % modulus == 0. */
  modulus?: number;
}

const LINES = { handle: serviceLine('HANDLE_LINE'), call: serviceLine('SCORE_CALL'), ret: serviceLine('HANDLE_RETURN'), score: serviceLine('SCORE_FIRST') };

/** A node's child session, as the test started it for a startDebugging request. */
interface NodeChild {
  dc: RecordingClient;
  name: string;
  /** Its node's slot in the virtual VM. */
  slot: number;
  /** Continued events it received. */
  continued: number;
}

describe(`adapter stress: random stops through the virtual VM over ${NODES} busy nodes, one on a changed build (STRESS_SEED=${SEED})`, function () {
  this.timeout(240_000);
  const jvms: Jvm[] = [];
  let a: AdapterUnderTest | undefined;
  const children: NodeChild[] = [];

  before(async () => {
    await Promise.all(Array.from({ length: NODES }, (_, i) => startBusyNode(jvms, { v2: i === NODES - 1 })));
  });
  const close = async () => {
    for (const c of children.splice(0)) (c.dc as unknown as { stopAdapter(): void }).stopAdapter();
    if (a) await a.close().catch(() => undefined);
    a = undefined;
  };
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      console.log(`adapter stress failed with STRESS_SEED=${SEED}; the last messages:`);
      if (a) console.log(JSON.stringify(a.dc.transcript.slice(-20)).slice(0, 8000));
    }
    await close();
  });
  after(() => killAll(jvms));

  it(`keeps every invariant after every step of ${STOPS} stops, and leaves every node running with nothing suspended`, () => run(false, STOPS, 0));

  // Each run attaches three debuggers to every node (the virtual VM, then two checks), each at the port its agent prints next.
  it(`keeps them with node sessions over ${NODE_STOPS} stops, a child session per node`, () => run(true, NODE_STOPS, 3));

  /** One seeded sequence of `stops` stops, with node sessions or without; `attached` debuggers came to each node before. */
  async function run(nodeSessions: boolean, stops: number, attached: number): Promise<void> {
    const random = seededRandom(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const chance = (p: number) => random() < p;
    const ports = await Promise.all(jvms.map((j) => agentPort(j, attached)));
    a = await startAdapter();
    const dc = a.dc;
    const timed = <T>(what: string, p: Promise<T>): Promise<T> => within(LIMIT_MS, what, p);

    // The client's view: which threads it was told are stopped (stopped and continued events, continue answers).
    const stopped = new Map<number, DebugProtocol.StoppedEvent>();
    let stopsSeen = 0;
    /** Stops looked at and acted on by the sequence. */
    let handled = 0;
    const logLines: string[] = [];
    const reasons = new Map<string, number>();
    /** With node sessions: the child that reported each thread's stop, where the thread is looked at and acted on. */
    const owner = new Map<number, NodeChild>();
    /** A node session hears only of its own node's threads. */
    const ownNode = (child: NodeChild | undefined, threadId: number | undefined, what: string) => {
      if (!child || threadId === undefined) return;
      const slot = slotOf(a!.session().ctx.threadIds.key(threadId)!);
      assert.equal(slot, child.slot, `${child.name} was sent a ${what} event of a thread of slot ${slot} (STRESS_SEED=${SEED})`);
    };
    const listen = (client: RecordingClient, child?: NodeChild) => {
      client.on('stopped', (e: DebugProtocol.StoppedEvent) => {
        ownNode(child, e.body.threadId, 'stopped');
        stopsSeen++;
        reasons.set(e.body.reason, (reasons.get(e.body.reason) ?? 0) + 1);
        stopped.set(e.body.threadId!, e);
        if (child) owner.set(e.body.threadId!, child);
      });
      client.on('continued', (e: DebugProtocol.ContinuedEvent) => {
        ownNode(child, e.body.threadId, 'continued');
        if (child) child.continued++;
        if (!e.body.allThreadsContinued) stopped.delete(e.body.threadId);
        else for (const t of [...stopped.keys()]) if (!child || owner.get(t) === child) stopped.delete(t);
      });
    };
    listen(dc);
    /** The session a stopped thread is asked through: its node's child with node sessions, else the one session. */
    const dcOf = (threadId: number): RecordingClient => owner.get(threadId)?.dc ?? dc;
    if (nodeSessions) {
      answerReverseRequests(dc, async (request) => {
        assert.equal(request.command, 'startDebugging');
        const { configuration } = request.arguments as DebugProtocol.StartDebuggingRequestArguments;
        const client = new RecordingClient('node', 'unused', 'jdwp-fabric');
        client.defaultTimeout = 20_000;
        const target = configuration[NODE_ATTRIBUTE] as { port: number; slot: number };
        await client.start(target.port);
        const child: NodeChild = { dc: client, name: String(configuration.name), slot: target.slot, continued: 0 };
        children.push(child);
        listen(client, child);
        await client.initializeRequest({ adapterID: 'jdwp-fabric', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', supportsVariableType: true });
        const initialized = client.waitForEvent('initialized');
        await client.attachRequest(configuration as DebugProtocol.AttachRequestArguments);
        await initialized;
        await client.configurationDoneRequest();
      });
    }
    dc.on('output', (e: DebugProtocol.OutputEvent) => {
      if (e.body.output.startsWith('handled ')) logLines.push(e.body.output);
      assert.doesNotMatch(e.body.output, /condition .* failed/, `a condition failed: ${JSON.stringify(e.body.output)} (STRESS_SEED=${SEED})`);
    });

    // The plan of breakpoints, by bp id as the adapter answered.
    const plan = new Map<number, PlannedBp>();
    /** How many breakpoints are set now. */
    let active = 0;
    const randomPlan = (): PlannedBp[] => {
      const lines = [LINES.handle, LINES.call, LINES.ret, LINES.score].filter(() => chance(0.5));
      if (!lines.length) lines.push(pick([LINES.handle, LINES.score]));
      const bps = lines.map((line): PlannedBp => {
        const kind = pick(['plain', 'condition', 'condition', 'hits', 'log'] as const);
        return kind === 'condition' ? { line, kind, modulus: 2 + Math.floor(random() * 4) } : { line, kind };
      });
      // Something must stop, or the sequence would wait for nothing.
      if (bps.every((b) => b.kind === 'log')) bps[0] = { line: bps[0].line, kind: 'plain' };
      return bps;
    };
    const setPlan = async (bps: PlannedBp[]) => {
      const sent = bps.map((b) => {
        if (b.kind === 'condition') return { line: b.line, condition: `r.id % ${b.modulus} == 0` };
        if (b.kind === 'hits') return { line: b.line, hitCondition: `% ${2 + Math.floor(random() * 3)}` };
        if (b.kind === 'log') return { line: b.line, logMessage: 'handled {r.id} weighing {r.weight()}' };
        return { line: b.line };
      });
      const r = await timed('setBreakpoints', dc.setBreakpointsRequest({ source: { path: SERVICE }, breakpoints: sent }));
      // Stops of the breakpoints replaced keep their meaning until continued.
      for (const [id, bp] of r.body.breakpoints.map((bp, i) => [bp.id!, bps[i]] as const)) plan.set(id, bp);
      active = r.body.breakpoints.length;
      for (const bp of r.body.breakpoints) {
        assert.equal(bp.verified, true, `breakpoint at line ${bp.line} not verified: ${bp.message}`);
        assert.match(bp.message ?? '', new RegExp(`bound on ${NODES}/${NODES} nodes`), 'both builds of Service carry every breakpoint');
      }
    };

    await attachAndConfigure(dc, { nodes: ports.map((p) => `127.0.0.1:${p}`), timeout: 20_000 }, () => setPlan(randomPlan()), { supportsStartDebuggingRequest: nodeSessions });

    const names = new Map<number, string>();
    const nameOf = async (threadId: number): Promise<string> => {
      if (!names.has(threadId)) for (const t of (await timed('threads', dc.threadsRequest())).body.threads) names.set(t.id, t.name);
      return names.get(threadId) ?? '?';
    };
    const stopsPerNode = new Map<string, number>();
    let conditionalStops = 0;
    let evaluations = 0;
    let steps = 0;

    /** Everything a client may ask of a stopped thread answers, and its stop is one the plan allows. */
    const check = async (threadId: number, stop: DebugProtocol.StoppedEvent) => {
      const dc = dcOf(threadId);
      const view = await readStopped(dc, threadId, LIMIT_MS);
      for (const id of stop.body.hitBreakpointIds ?? []) {
        const bp = plan.get(id);
        if (!bp) continue;
        assert.notEqual(bp.kind, 'log', `a logpoint stopped thread ${threadId} (STRESS_SEED=${SEED})`);
        if (bp.kind === 'condition' && stop.body.reason === 'breakpoint' && view.frames[0].line === bp.line) {
          const rid = await requestId(dc, view, LIMIT_MS);
          assert.equal(rid % bp.modulus!, 0, `a stop at r.id=${rid} of "r.id % ${bp.modulus} == 0" (STRESS_SEED=${SEED})`);
          conditionalStops++;
        }
      }
      return view;
    };

    /** Evaluates method calls where the frame has them in scope: watch and repl run them, hover must not. */
    const evaluateAt = async (dc: RecordingClient, view: Awaited<ReturnType<typeof readStopped>>, reason: string) => {
      const top = view.frames[0];
      if (!/^Service\.(handle|score)\(/.test(top.name) || !view.locals.has('r')) return;
      const context = pick(['watch', 'repl', 'hover'] as const);
      const expression = view.locals.has('label') ? pick(['label.length()', 'r.weight() + label.length()']) : 'r.weight()';
      if (context === 'hover') {
        const ev = await timed('hover', dc.evaluateRequest({ expression: 'r.id', frameId: top.id, context }));
        assert.equal(ev.body.result, String(await requestId(dc, view, LIMIT_MS)));
        await assert.rejects(timed('hover with a call', dc.evaluateRequest({ expression, frameId: top.id, context })), /2008/);
      } else if (reason === 'pause') {
        // A paused thread may or may not wait inside an event; where it does not, JDWP invokes nothing on it.
        const ev = await timed(`${context} ${expression}`, dc.evaluateRequest({ expression, frameId: top.id, context })).catch((err: Error) => err);
        if (ev instanceof Error) assert.match(ev.message, /not on a paused one \(jdwp-fabric error 2008\)/);
        else assert.ok(Number(ev.body.result) > 0, `${expression} = ${ev.body.result}`);
      } else {
        const ev = await timed(`${context} ${expression}`, dc.evaluateRequest({ expression, frameId: top.id, context }));
        assert.ok(Number(ev.body.result) > 0, `${expression} = ${ev.body.result}`);
      }
      evaluations++;
    };

    /** Pauses a worker that is not stopped (its node, by the default suspend scope). */
    const pauseWorker = async () => {
      if (nodeSessions) {
        if (!children.length) return;
        const child = pick(children);
        const threads = (await timed('threads', child.dc.threadsRequest())).body.threads.filter((t) => /worker/.test(t.name) && !stopped.has(t.id));
        if (threads.length) await timed('pause', child.dc.pauseRequest({ threadId: pick(threads).id }));
        return;
      }
      const threads = (await timed('threads', dc.threadsRequest())).body.threads.filter((t) => /worker/.test(t.name) && !stopped.has(t.id));
      if (threads.length) await timed('pause', dc.pauseRequest({ threadId: pick(threads).id }));
    };

    /**
     * With node sessions: continue, step and pause go to the thread's node session and mean its node; "continue
     * all" is the cluster session's continue, after which every node session that showed a stop hears of it. A
     * thread leaves the client's view before its request goes out, so that a stop answered early is kept.
     */
    const nodeAction = async (threadId: number, action: number) => {
      const child = owner.get(threadId)!;
      if (action < 0.4) {
        stopped.delete(threadId);
        const r = await timed('continue a node', child.dc.continueRequest({ threadId, singleThread: action >= 0.3 }));
        assert.equal(r.body.allThreadsContinued, true, 'a node session continues its whole node');
      } else if (action < 0.5) {
        const shown = children.filter((c) => [...stopped.keys()].some((t) => owner.get(t) === c)).map((c) => [c, c.continued] as const);
        await timed('continue the cluster', dc.continueRequest({ threadId: 0 }));
        await within(LIMIT_MS, 'continued events of the cluster continue', (async () => {
          while (!shown.every(([c, n]) => c.continued > n)) await new Promise((r) => setTimeout(r, 5));
        })());
      } else if (action < 0.75) {
        const kind = pick(['next', 'stepIn', 'stepOut'] as const);
        stopped.delete(threadId);
        await timed(kind, child.dc.send(kind, { threadId }));
        steps++;
      } else if (action < 0.85) {
        await setPlan(randomPlan());
      } else if (action < 0.88) {
        await setPlan([]);
      } else if (action < 0.91) {
        await pauseWorker();
      } else {
        for (const [t, s] of [...stopped]) if (stopped.has(t)) await check(t, s);
      }
    };

    const started = Date.now();
    let idle = 0;
    while (handled < stops) {
      if (Date.now() - started > 150_000) assert.fail(`only ${handled} stops handled in 150 s (STRESS_SEED=${SEED})`);
      if (stopped.size === 0) {
        // Nothing stopped: wait for a stop, pausing a worker now and then, and setting breakpoints again after a clear.
        if (chance(0.05)) await pauseWorker();
        if (active === 0 && idle > 20) await setPlan(randomPlan());
        await new Promise((r) => setTimeout(r, 5));
        if (++idle > 2_000) assert.fail(`no stop for 10 s with plan ${JSON.stringify([...plan.values()])} (STRESS_SEED=${SEED})`);
        continue;
      }
      idle = 0;
      handled++;
      const [threadId, stop] = pick([...stopped.entries()]);
      const view = await check(threadId, stop);
      const node = nodeSessions ? (owner.get(threadId)?.name ?? '?') : (/^\[([^\]]+)\]/.exec(await nameOf(threadId))?.[1] ?? '?');
      stopsPerNode.set(node, (stopsPerNode.get(node) ?? 0) + 1);
      if (chance(0.8)) await evaluateAt(dcOf(threadId), view, stop.body.reason);
      if (!stopped.has(threadId)) continue;
      const action = random();
      if (nodeSessions) await nodeAction(threadId, action);
      else if (action < 0.3) {
        const r = await timed('continue', dc.continueRequest({ threadId }));
        stopped.delete(threadId);
        if (r.body.allThreadsContinued) assert.equal(stopped.size, 0, 'allThreadsContinued with threads still stopped');
      } else if (action < 0.4) {
        await timed('continue one thread', dc.continueRequest({ threadId, singleThread: true }));
        stopped.delete(threadId);
      } else if (action < 0.5) {
        // Continue all: every thread the client has seen stopped.
        while (stopped.size) {
          const [t] = stopped.keys();
          await timed('continue', dc.continueRequest({ threadId: t }));
          stopped.delete(t);
        }
      } else if (action < 0.75) {
        const kind = pick(['next', 'stepIn', 'stepOut'] as const);
        await timed(kind, dc.send(kind, { threadId }));
        stopped.delete(threadId);
        steps++;
      } else if (action < 0.85) {
        await setPlan(randomPlan());
      } else if (action < 0.88) {
        await setPlan([]);
      } else if (action < 0.91) {
        await pauseWorker();
      } else {
        // Every stopped thread still answers, not only the one looked at.
        for (const [t, s] of [...stopped]) if (stopped.has(t)) await check(t, s);
      }
    }

    assert.ok(conditionalStops + evaluations + steps > 0);
    console.log(
      `      STRESS_SEED=${SEED}: ${handled} stops handled (${stopsSeen} stopped events) in ${Date.now() - started} ms; per node ${JSON.stringify(Object.fromEntries(stopsPerNode))}; ` +
        `${conditionalStops} conditional stops checked, ${evaluations} evaluations, ${steps} steps, ${logLines.length} log lines; ` +
        `stops by reason ${JSON.stringify(Object.fromEntries(reasons))}`,
    );
    assert.ok(stopsPerNode.size >= NODES - 1, `stops on only ${stopsPerNode.size} nodes`);

    // The model against the target, once quiet (no breakpoint left, every event decided): each thread the adapter
    // holds is suspended exactly once, every other thread not at all.
    await setPlan([]);
    const ctx = a.session().ctx;
    await new Promise((r) => setTimeout(r, 200));
    await ctx.events.idle();
    const vm = ctx.requireVm();
    const { threads } = await vm.VirtualMachine.AllThreads();
    const stateOf = (t: bigint) => ctx.model.get(t as never)?.state ?? 'running';
    for (const t of threads) {
      // A step still pending may end during the check, its event on the way: such a thread is looked at again.
      for (let attempt = 0; ; attempt++) {
        const state = stateOf(t);
        const count = (await vm.ThreadReference.SuspendCount(t)).suspendCount;
        if (count === (state === 'running' ? 0 : 1) && stateOf(t) === state) break;
        if (attempt === 1) assert.fail(`thread ${t} is ${state} in the model and suspended ${count} times (STRESS_SEED=${SEED})`);
        await new Promise((r) => setTimeout(r, 300));
        await ctx.events.idle();
      }
    }

    await timed('disconnect', dc.disconnectRequest({}));
    for (const c of children.splice(0)) (c.dc as unknown as { stopAdapter(): void }).stopAdapter();
    await close();
    // From outside, straight to each node now that the in-process virtual VM has gone: nothing is suspended,
    // and the workers run (no request of the session stops them).
    for (const jvm of jvms) {
      const port = await agentPort(jvm, attached + 1);
      assert.deepEqual(await suspendedThreads(port), [], `threads left suspended (STRESS_SEED=${SEED})`);
      assert.ok(await handledAdvances(await agentPort(jvm, attached + 2)), `the workers of a node do not run (STRESS_SEED=${SEED})`);
    }
  }
});

/** True when busyfix.Service.handled grows over 300 ms on a node, read by a debugger attached straight to it. */
async function handledAdvances(port: number): Promise<boolean> {
  const vm = await JdwpClient.attach({ host: '127.0.0.1', port });
  try {
    const { classes } = await vm.VirtualMachine.ClassesBySignature('Lbusyfix/Service;');
    const type = classes[0].typeID;
    const { declared } = await vm.ReferenceType.Fields(type);
    const field = declared.find((f: { name: string }) => f.name === 'handled')!;
    const read = async () => BigInt((await vm.ReferenceType.GetValues(type, [{ fieldID: field.fieldID }])).values[0].value as bigint);
    const before = await read();
    await new Promise((r) => setTimeout(r, 300));
    return (await read()) > before;
  } finally {
    await vm.dispose();
  }
}
