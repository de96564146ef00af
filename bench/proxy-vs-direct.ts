// The virtual VM against a direct connection and a plain TCP pipe, side by side in one run, over one JVM; the
// proxy with its fetch ahead on (the default) and off. Last, an in-process proxy counts what the fetch ahead
// sends a busy node per stop and how much of a debugger's first reads it answers.
// Run: npx tsc -p . && node out/bench/proxy-vs-direct.js [rounds] [iterations]
import { JdwpClient } from '../jdwp/client/client';
import type { Jvm } from '../jdwp/launch/java';
import type { FrameID, Location, ThreadID } from '../jdwp/protocol/wire-types';
import { JDWP } from '../jdwp/registry';
import { VirtualVm } from '../jdwp/vm/server';
import { benchLine, lineLocation, nextEvent, startBenchJvm, targets, type Target } from './proxy-support';
import { fmt, quantile } from './support/stats';
import { relistened } from '../jdwp/launch/java';

const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;
const rounds = Number(process.argv[2] ?? 3);
const iterations = Number(process.argv[3] ?? 300);

type Samples = Record<string, number[]>;

async function thread(vm: JdwpClient, name: string): Promise<ThreadID> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { threads } = await vm.VirtualMachine.AllThreads();
    const names = await Promise.all(threads.map((t) => vm.ThreadReference.Name(t)));
    const i = names.findIndex((n) => n.threadName.endsWith(name));
    if (i >= 0) return threads[i];
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no thread ${name}`);
}


async function time(samples: number[], n: number, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < Math.max(20, n); i++) await fn();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
}

async function measure(vm: JdwpClient, out: Samples, n: number): Promise<void> {
  const add = (k: string) => (out[k] ??= []);
  const parked = await thread(vm, 'bench-parked');
  const { classes } = await vm.VirtualMachine.ClassesBySignature('Lbenchfix/BenchLoop;');
  const type = classes[0].typeID;
  await vm.ThreadReference.Suspend(parked);
  try {
    const { frames } = await vm.ThreadReference.Frames(parked, 0, -1);
    const { declared } = await vm.ReferenceType.Methods(type);
    const deep = declared.find((m) => m.name === 'deep')!.methodID;
    const frame = frames.find((f) => f.location.methodID === deep)!.frameID as FrameID;
    const { declared: fields } = await vm.ReferenceType.Fields(type);
    const holderField = fields.find((f) => f.name === 'HOLDER')!;
    const { values } = await vm.ReferenceType.GetValues(type, [{ fieldID: holderField.fieldID }]);
    const holder = values[0].value as never;
    const { typeID: holderType } = await vm.ObjectReference.ReferenceType(holder);
    const holderFields = (await vm.ReferenceType.Fields(holderType)).declared.map((f) => ({ fieldID: f.fieldID }));

    await time(add('VirtualMachine.AllThreads'), n, () => vm.VirtualMachine.AllThreads());
    await time(add('ThreadReference.Frames (22 frames)'), n, () => vm.ThreadReference.Frames(parked, 0, -1));
    await time(add('StackFrame.GetValues (3 locals)'), n, () =>
      vm.StackFrame.GetValues(parked, frame, [
        { slot: 0, sigbyte: JDWP.Tag.INT },
        { slot: 1, sigbyte: JDWP.Tag.OBJECT },
        { slot: 2, sigbyte: JDWP.Tag.INT },
      ]),
    );
    await time(add('ObjectReference.GetValues (5 fields)'), n, () => vm.ObjectReference.GetValues(holder, holderFields));
    // Answered by the proxy without its node: its live mirror, what it read as the node joined, its per-symbol cache.
    await time(add('VirtualMachine.ClassesBySignature'), n, () => vm.VirtualMachine.ClassesBySignature('Lbenchfix/BenchLoop;'));
    await time(add('VirtualMachine.IDSizes'), n, () => vm.VirtualMachine.IDSizes());
    await time(add('VirtualMachine.Version'), n, () => vm.VirtualMachine.Version());
    await time(add('VirtualMachine.CapabilitiesNew'), n, () => vm.VirtualMachine.CapabilitiesNew());
    await time(add('ReferenceType.MethodsWithGeneric'), n, () => vm.ReferenceType.MethodsWithGeneric(type));
    await time(add('Method.LineTable'), n, () => vm.Method.LineTable(type, deep));
    await time(add('VirtualMachine.AllClasses (asked of the node)'), Math.max(20, Math.floor(n / 10)), () => vm.VirtualMachine.AllClasses());
  } finally {
    await vm.ThreadReference.Resume(parked);
  }

  const { declared: statics } = await vm.ReferenceType.Fields(type);
  const spin = (name: string, on: boolean) =>
    vm.ClassType.SetValues(type as never, [{ fieldID: statics.find((f) => f.name === name)!.fieldID, value: { tag: JDWP.Tag.BOOLEAN, value: on } }]);
  const stepper = await thread(vm, 'bench-step');
  await spin('stepSpin', true);
  const stepAt = await lineLocation(vm, type, 'stepper', benchLine('STEP_LINE'));
  const hit = nextEvent(vm, (e) => e.events.some((x) => x.eventKind === K.BREAKPOINT));
  const bp = await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: stepAt }]);
  await hit;
  await vm.EventRequest.Clear(K.BREAKPOINT, bp.requestID);
  await time(add('single step (Set + Resume + SingleStep event + Clear)'), Math.max(20, n / 3), async () => {
    const got = nextEvent(vm, (e) => e.events.some((x) => x.eventKind === K.SINGLE_STEP));
    const step = await vm.EventRequest.Set(K.SINGLE_STEP, P.EVENT_THREAD, [{ modKind: 10, thread: stepper, size: JDWP.StepSize.LINE, depth: JDWP.StepDepth.OVER }]);
    await vm.ThreadReference.Resume(stepper);
    await got;
    await vm.EventRequest.Clear(K.SINGLE_STEP, step.requestID);
  });
  await spin('stepSpin', false);
  await vm.ThreadReference.Resume(stepper);

  await spin('hotSpin', true);
  const hotAt = await lineLocation(vm, type, 'hot', benchLine('HOT_LINE'));
  const cycles = add('breakpoint hit + resume cycle (full rate)');
  await new Promise<void>((resolve, reject) => {
    let last = 0n;
    let seen = 0;
    let requestID = -1;
    const target = Math.max(200, n * 3);
    const on = (e: { events: Array<{ eventKind: number; requestID: number; thread?: ThreadID }> }) => {
        const ev = e.events.find((x) => x.eventKind === K.BREAKPOINT);
        if (!ev) return;
        const now = process.hrtime.bigint();
        if (last && seen > 20) cycles.push(Number(now - last) / 1e3);
        last = now;
        if (++seen === target) {
          vm.removeListener('event', on);
          vm.EventRequest.Clear(K.BREAKPOINT, requestID).then(() => vm.ThreadReference.Resume(ev.thread!)).then(() => resolve(), reject);
          return;
        }
        vm.ThreadReference.Resume(ev.thread!).catch(reject);
    };
    vm.on('event', on);
    vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: hotAt }]).then((r) => (requestID = r.requestID), reject);
  });
  await spin('hotSpin', false);

  await freshStops(vm, type, add('first reads at a fresh stop (Frames, then the top 2 frames\' locals)'), add('fresh stop cycle (hit + first reads + resume)'), Math.max(30, n / 5));
}

/**
 * Breakpoint hits on the hot loop's line (idling between rounds, so each stop is fresh) and, at each, what a
 * debugger reads first: the stack, then the visible locals of the top two frames (variable tables cached, as a
 * debugger caches them). Records the time from the event to the last reply, and from one hit to the next.
 */
async function freshStops(vm: JdwpClient, type: bigint, reads: number[], cycles: number[], stops: number): Promise<void> {
  const tables = new Map<bigint, Array<{ codeIndex: bigint; length: number; slot: number; signature: string; name: string }>>();
  const visible = async (loc: Location) => {
    let table = tables.get(loc.methodID);
    if (!table) tables.set(loc.methodID, (table = (await vm.Method.VariableTable(loc.classID, loc.methodID).catch(() => ({ slots: [] }))).slots));
    return table
      .filter((v) => v.name !== 'this' && v.codeIndex <= loc.index && loc.index < v.codeIndex + BigInt(v.length))
      .sort((a, b) => a.slot - b.slot)
      .map((v) => ({ slot: v.slot, sigbyte: v.signature.charCodeAt(0) }));
  };
  const hotAt = await lineLocation(vm, type as never, 'hot', benchLine('HOT_LINE'));
  await new Promise<void>((resolve, reject) => {
    let seen = 0;
    let last = 0n;
    let requestID = -1;
    const on = (e: { events: Array<{ eventKind: number; requestID: number; thread?: ThreadID }> }) => {
      const ev = e.events.find((x) => x.eventKind === K.BREAKPOINT);
      if (!ev) return;
      const thread = ev.thread!;
      const t0 = process.hrtime.bigint();
      (async () => {
        const { frames } = await vm.ThreadReference.Frames(thread, 0, -1);
        await Promise.all(
          frames.slice(0, 2).map(async (f) => {
            const slots = await visible(f.location);
            if (slots.length) await vm.StackFrame.GetValues(thread, f.frameID as FrameID, slots);
          }),
        );
        const t1 = process.hrtime.bigint();
        if (++seen > 5) {
          reads.push(Number(t1 - t0) / 1e3);
          cycles.push(Number(t0 - last) / 1e3);
        }
        last = t0;
        if (seen === stops + 5) {
          vm.removeListener('event', on);
          await vm.EventRequest.Clear(K.BREAKPOINT, requestID);
          await vm.ThreadReference.Resume(thread);
          resolve();
          return;
        }
        await vm.ThreadReference.Resume(thread);
      })().catch(reject);
    };
    vm.on('event', on);
    vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: hotAt }]).then((r) => (requestID = r.requestID), reject);
  });
}

/**
 * What the fetch ahead costs a busy node: an in-process proxy over the JVM, breakpoint hits on the hot loop run
 * flat out, resumed at once (a debugger that reads nothing) and then with the first reads of freshStops; per
 * stop, the commands the fetch ahead sent the node and the debugger's commands its store answered.
 */
async function fetchAheadCost(jvm: Jvm, stops: number): Promise<string[]> {
  const vm = await VirtualVm.start({ listen: '127.0.0.1:0', nodes: [`bench=127.0.0.1:${jvm.port}`], log: () => undefined });
  const rows: string[] = [];
  try {
    await vm.waitForNodes(1);
    const client = await JdwpClient.attach({ host: '127.0.0.1', port: vm.address.port });
    try {
      const { classes } = await client.VirtualMachine.ClassesBySignature('Lbenchfix/BenchLoop;');
      const type = classes[0].typeID;
      const { declared: statics } = await client.ReferenceType.Fields(type);
      const hotSpin = statics.find((f) => f.name === 'hotSpin')!.fieldID;
      const stats = () => ({ ...vm.cluster.live()[0].store.stats });
      await client.ClassType.SetValues(type as never, [{ fieldID: hotSpin, value: { tag: JDWP.Tag.BOOLEAN, value: true } }]);
      const hotAt = await lineLocation(client, type, 'hot', benchLine('HOT_LINE'));
      let before = stats();
      await new Promise<void>((resolve, reject) => {
        let seen = 0;
        let requestID = -1;
        const on = (e: { events: Array<{ eventKind: number; requestID: number; thread?: ThreadID }> }) => {
          const ev = e.events.find((x) => x.eventKind === K.BREAKPOINT);
          if (!ev) return;
          if (++seen === stops) {
            client.removeListener('event', on);
            client.EventRequest.Clear(K.BREAKPOINT, requestID).then(() => client.ThreadReference.Resume(ev.thread!)).then(() => resolve(), reject);
            return;
          }
          client.ThreadReference.Resume(ev.thread!).catch(reject);
        };
        client.on('event', on);
        client.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: hotAt }]).then((r) => (requestID = r.requestID), reject);
      });
      let after = stats();
      rows.push(`| hit + resume, no reads (loop flat out) | ${stops} | ${fmt((after.fetched - before.fetched) / stops, 1)} | ${fmt((after.served - before.served) / stops, 1)} |`);
      await client.ClassType.SetValues(type as never, [{ fieldID: hotSpin, value: { tag: JDWP.Tag.BOOLEAN, value: false } }]);
      before = stats();
      await freshStops(client, type, [], [], stops);
      after = stats();
      rows.push(`| hit + first reads (Frames, 2 frames' locals) + resume | ${stops + 5} | ${fmt((after.fetched - before.fetched) / (stops + 5), 1)} | ${fmt((after.served - before.served) / (stops + 5), 1)} |`);
    } finally {
      await client.dispose();
    }
  } finally {
    const since = jvm.output.length;
    await vm.close();
    await relistened(jvm, since);
  }
  return rows;
}

async function main(): Promise<void> {
  const jvm = await startBenchJvm('full');
  const all: Record<string, Samples> = { direct: {}, pipe: {}, proxy: {}, 'proxy, --prefetch off': {} };
  let cost: string[];
  try {
    const off: Target = { ...targets(jvm, ['--prefetch', 'off'])[2] };
    const runs: Array<[string, Target]> = [...targets(jvm).map((t): [string, Target] => [t.name, t]), ['proxy, --prefetch off', off]];
    for (let r = 0; r < rounds; r++) {
      for (const [name, t] of runs) {
        const { client, close } = await t.connect();
        if (process.env.BENCH_VERBOSE) console.error(`round ${r}: ${name}`);
        try {
          await measure(client, all[name], iterations);
        } finally {
          await close();
        }
      }
    }
    cost = await fetchAheadCost(jvm, Math.max(100, iterations));
  } finally {
    await jvm.kill();
  }
  console.log(`Median round trip in µs over ${rounds} rounds x ${iterations} iterations (p95 in brackets); one JVM, targets alternated per round.`);
  console.log('| operation | direct | TCP pipe | proxy | proxy, --prefetch off | proxy / direct | proxy / pipe | proxy / proxy off |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const op of Object.keys(all.direct)) {
    const m = (t: string) => quantile(all[t][op], 0.5);
    const p = (t: string) => quantile(all[t][op], 0.95);
    const cell = (t: string) => `${fmt(m(t), 0)} (${fmt(p(t), 0)})`;
    const off = 'proxy, --prefetch off';
    console.log(`| ${op} | ${cell('direct')} | ${cell('pipe')} | ${cell('proxy')} | ${cell(off)} | ${fmt(m('proxy') / m('direct'), 2)}x | ${fmt(m('proxy') / m('pipe'), 2)}x | ${fmt(m('proxy') / m(off), 2)}x |`);
  }
  console.log('\nFetch ahead per stop (in-process proxy, the hot loop\'s breakpoint, policy EVENT_THREAD):');
  console.log('| stops | count | commands sent ahead per stop | debugger commands answered from the store per stop |');
  console.log('|---|---:|---:|---:|');
  for (const row of cost) console.log(row);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
