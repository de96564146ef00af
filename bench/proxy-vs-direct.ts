// The virtual VM against a direct connection and a plain TCP pipe, side by side in one run, over one JVM.
// Run: npx tsc -p . && node out/bench/proxy-vs-direct.js [rounds] [iterations]
import type { JdwpClient } from '../jdwp/client/client';
import type { FrameID, ThreadID } from '../jdwp/protocol/wire-types';
import { JDWP } from '../jdwp/registry';
import { benchLine, lineLocation, nextEvent, startBenchJvm, targets } from './proxy-support';
import { fmt, quantile } from './support/stats';

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
}

async function main(): Promise<void> {
  const jvm = await startBenchJvm('full');
  const all: Record<string, Samples> = { direct: {}, pipe: {}, proxy: {} };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const t of targets(jvm)) {
        const { client, close } = await t.connect();
        if (process.env.BENCH_VERBOSE) console.error(`round ${r}: ${t.name}`);
        try {
          await measure(client, all[t.name], iterations);
        } finally {
          await close();
        }
      }
    }
  } finally {
    await jvm.kill();
  }
  console.log(`Median round trip in µs over ${rounds} rounds x ${iterations} iterations (p95 in brackets); one JVM, targets alternated per round.`);
  console.log('| operation | direct | TCP pipe | proxy | proxy / direct | proxy / pipe |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const op of Object.keys(all.direct)) {
    const m = (t: string) => quantile(all[t][op], 0.5);
    const p = (t: string) => quantile(all[t][op], 0.95);
    const cell = (t: string) => `${fmt(m(t), 0)} (${fmt(p(t), 0)})`;
    console.log(`| ${op} | ${cell('direct')} | ${cell('pipe')} | ${cell('proxy')} | ${fmt(m('proxy') / m('direct'), 2)}x | ${fmt(m('proxy') / m('pipe'), 2)}x |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
