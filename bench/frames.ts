// Round-trip latency of ThreadReference.Frames against a real JVM: the fixture's main thread is stopped at
// a breakpoint, then Frames(thread, 0, -1) is sent many times, one at a time and pipelined.
// Run: npx tsc -p . && node out/bench/frames.js [iterations] [window]
import * as os from 'node:os';
import { JdwpClient } from '../jdwp/client/client';
import type { Location } from '../jdwp/protocol/wire-types';
import { commandByName, JDWP } from '../jdwp/registry';
import type { Jvm } from '../jdwp/launch/java';
import { killAll, lineOf, startFixture } from '../test/support/fixtures';
import { codeIndexOfLine, EventQueue, fixtureClass, printed, stopAt } from '../test/jvm/debuggee';
import { fmt, quantile, table } from './support/stats';

const ITERATIONS = Number(process.argv[2] ?? 5000);
const WINDOW = Number(process.argv[3] ?? 16);

/** Latencies in µs of each request, and the wall time of the whole run. */
interface Run {
  micros: number[];
  wallMs: number;
}

function summary(label: string, { micros, wallMs }: Run): (string | number)[] {
  return [label, micros.length, fmt(quantile(micros, 0.5), 1), fmt(quantile(micros, 0.95), 1), fmt(quantile(micros, 0.99), 1), fmt((micros.length / wallMs) * 1000)];
}

const now = () => Number(process.hrtime.bigint()) / 1000;

/** Sends one request at a time; each latency is from send to decoded reply. */
async function sequential(send: () => Promise<unknown>, n: number): Promise<Run> {
  const micros: number[] = [];
  const start = now();
  for (let i = 0; i < n; i++) {
    const t = now();
    await send();
    micros.push(now() - t);
  }
  return { micros, wallMs: (now() - start) / 1000 };
}

/** Keeps `window` requests in flight; each latency is from its own send to its own reply. */
async function pipelined(send: () => Promise<unknown>, n: number, window: number): Promise<Run> {
  const micros: number[] = [];
  let issued = 0;
  const start = now();
  const lane = async () => {
    while (issued < n) {
      issued++;
      const t = now();
      await send();
      micros.push(now() - t);
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return { micros, wallMs: (now() - start) / 1000 };
}

async function main(): Promise<void> {
  const jvms: Jvm[] = [];
  let vm: JdwpClient | undefined;
  try {
    const jvm = await startFixture(jvms);
    await printed(jvm, 'fixture ready');
    vm = await JdwpClient.attach({ host: '127.0.0.1', port: jvm.port });
    const version = await vm.VirtualMachine.Version();
    const events = new EventQueue(vm);
    const f = await fixtureClass(vm);
    const work = f.methods.get('work')!;
    const index = await codeIndexOfLine(vm, f.classID, work, lineOf('fixture/Fixture.java', 'BREAK_LINE'));
    const location: Location = { typeTag: JDWP.TypeTag.CLASS, classID: f.classID, methodID: work, index };
    const { thread } = await stopAt(vm, events, location);
    const client = vm;
    const depth = (await client.ThreadReference.Frames(thread, 0, -1)).frames.length;

    const typed = () => client.ThreadReference.Frames(thread, 0, -1);
    const frames = commandByName('ThreadReference.Frames');
    const data = frames.out.encode(client.sizes, { thread, startFrame: 0, length: -1 });
    const raw = () => client.raw(frames.set.id, frames.spec.id, data);

    await sequential(typed, 500);
    const rows = [
      summary('typed, sequential', await sequential(typed, ITERATIONS)),
      summary('raw packet, sequential', await sequential(raw, ITERATIONS)),
      summary(`typed, pipelined (${WINDOW} in flight)`, await pipelined(typed, ITERATIONS, WINDOW)),
    ];
    await client.ThreadReference.Resume(thread);

    console.log(`${version.vmName} ${version.vmVersion}; node ${process.version}; ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log(`ThreadReference.Frames of a ${depth}-frame stack, thread suspended at a breakpoint, loopback TCP`);
    console.log(table(['mode', 'requests', 'median µs', 'p95 µs', 'p99 µs', 'requests/s'], rows));
  } finally {
    if (vm) await vm.dispose();
    await killAll(jvms);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
