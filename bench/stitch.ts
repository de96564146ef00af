// Stitched stacks and remote steps, side by side in one run, over a chain of three HTTP services on three JVMs
// (test/fixtures/java/hopfix/Hop.java) behind one virtual VM:
//   - ThreadReference.Frames of a stopped thread with 0 (stitching off), 1 and 2 hops, warm and cold (first call
//     after a stop, which searches the caller);
//   - Step Into a remote call (front's call line to mid's handler) against a local Step Into (handle() into work());
//   - the latency of other requests (p50, p99) at a steady rate, with no followed request and with one stopped
//     in a followed step.
// Run: npx tsc -p . && node out/bench/stitch.js [stops] [rate]
import { JdwpClient } from '../jdwp/client/client';
import { lineLocation } from '../test/support/locations';
import type { ThreadID } from '../jdwp/protocol/wire-types';
import type { Jvm } from '../jdwp/launch/java';
import { JDWP } from '../jdwp/registry';
import type { Event_Composite_Event } from '../jdwp/protocol/spec-types';
import { VirtualVm } from '../jdwp/vm/server';
import { killAll } from '../test/support/fixtures';
import { callWork, hopLine, startChain } from '../test/vm/chain-support';
import { fmt, quantile, table } from './support/stats';

const STOPS = Number(process.argv[2] ?? 10);
const RATE = Number(process.argv[3] ?? 50);
const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;
const NAMES = ['front', 'mid', 'leaf'];
const EXCLUDES = ['java.*', 'javax.*', 'sun.*', 'com.sun.*', 'jdk.internal.*'];
const now = () => Number(process.hrtime.bigint()) / 1e6;

type Marker = 'LEAF_LINE' | 'CALL_LINE' | 'INTO_WORK_LINE';

function next(vm: JdwpClient, kind: number, requestID: number): Promise<{ thread: ThreadID }> {
  return new Promise((resolve) => {
    const on = (e: Event_Composite_Event) => {
      const ev = e.events.find((x) => x.eventKind === kind && x.requestID === requestID) as { thread: ThreadID } | undefined;
      if (ev) {
        vm.off('event', on);
        resolve(ev);
      }
    };
    vm.on('event', on);
  });
}

/** Stops a request's thread at a marker; `skip` earlier hits are let go (the call line runs on front, then mid). */
async function stop(vm: JdwpClient, url: string, marker: Marker, skip = 0): Promise<{ thread: ThreadID; done: Promise<unknown> }> {
  const { requestID } = await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: await lineLocation(vm, 'hopfix.Hop', hopLine(marker)) }]);
  let hit = next(vm, K.BREAKPOINT, requestID);
  const done = callWork(url);
  let { thread } = await hit;
  for (let i = 0; i < skip; i++) {
    hit = next(vm, K.BREAKPOINT, requestID);
    await vm.ThreadReference.Resume(thread);
    thread = (await hit).thread;
  }
  await vm.EventRequest.Clear(K.BREAKPOINT, requestID);
  return { thread, done };
}

async function stepTime(vm: JdwpClient, thread: ThreadID): Promise<{ ms: number; thread: ThreadID }> {
  const started = now();
  const { requestID } = await vm.EventRequest.Set(K.SINGLE_STEP, P.EVENT_THREAD, [
    { modKind: 10, thread, size: JDWP.StepSize.LINE, depth: JDWP.StepDepth.INTO },
    ...EXCLUDES.map((classPattern) => ({ modKind: 6, classPattern })),
  ] as never);
  const landed = next(vm, K.SINGLE_STEP, requestID);
  await vm.ThreadReference.Resume(thread);
  const ev = await landed;
  const ms = now() - started;
  await vm.EventRequest.Clear(K.SINGLE_STEP, requestID);
  return { ms, thread: ev.thread };
}

/** Sends requests at `rate` per second for `seconds`; resolves with each one's latency in ms. */
async function load(url: string, rate: number, seconds: number): Promise<number[]> {
  const latencies: Array<Promise<number>> = [];
  const end = now() + seconds * 1000;
  while (now() < end) {
    const t = now();
    latencies.push(callWork(url, 30_000).then(() => now() - t));
    await new Promise((r) => setTimeout(r, 1000 / rate));
  }
  return Promise.all(latencies);
}

async function main(): Promise<void> {
  const jvms: Jvm[] = [];
  const proxies: VirtualVm[] = [];
  try {
    const chain = await startChain(jvms, NAMES);
    for (let i = 0; i < 20; i++) await callWork(chain.urls[0]);
    const proxy = await VirtualVm.start({ listen: '127.0.0.1:0', nodes: chain.jvms.map((j, i) => `${NAMES[i]}=127.0.0.1:${j.port}`), log: () => undefined });
    proxies.push(proxy);
    await proxy.waitForNodes(3, 30_000);
    const client = await JdwpClient.attach({ host: '127.0.0.1', port: proxy.address.port });
    const framesRows: Array<Array<string | number>> = [];
    const measureFrames = async (client: JdwpClient, label: string, marker: Marker, skip: number) => {
      const cold: number[] = [];
      const warm: number[] = [];
      let count = 0;
      for (let s = 0; s < STOPS; s++) {
        const { thread, done } = await stop(client, chain.urls[0], marker, skip);
        let t = now();
        count = (await client.ThreadReference.Frames(thread, 0, -1)).frames.length;
        cold.push(now() - t);
        for (let i = 0; i < 20; i++) {
          t = now();
          await client.ThreadReference.Frames(thread, 0, -1);
          warm.push(now() - t);
        }
        await client.ThreadReference.Resume(thread);
        await done;
      }
      framesRows.push([label, count, fmt(quantile(cold, 0.5), 2), fmt(quantile(warm, 0.5), 2)]);
      return { cold: quantile(cold, 0.5), warm: quantile(warm, 0.5) };
    };

    proxy.cluster.options.stitch = false;
    const base = await measureFrames(client, 'leaf, stitching off', 'LEAF_LINE', 0);
    proxy.cluster.options.stitch = true;
    await measureFrames(client, 'front at its call (no caller: searched)', 'CALL_LINE', 0);
    const one = await measureFrames(client, 'mid at its call (1 hop)', 'CALL_LINE', 1);
    const two = await measureFrames(client, 'leaf (2 hops)', 'LEAF_LINE', 0);
    console.log('\nThreadReference.Frames through the virtual VM (ms, median)');
    console.log(table(['stack', 'frames', 'cold (first call)', 'warm'], framesRows));
    console.log(`ratios to stitching off: 1 hop cold ${fmt(one.cold / base.cold, 1)}x warm ${fmt(one.warm / base.warm, 2)}x; 2 hops cold ${fmt(two.cold / base.cold, 1)}x warm ${fmt(two.warm / base.warm, 2)}x`);

    const local: number[] = [];
    const remote: number[] = [];
    for (let s = 0; s < STOPS; s++) {
      let { thread, done } = await stop(client, chain.urls[0], 'INTO_WORK_LINE');
      const l = await stepTime(client, thread);
      local.push(l.ms);
      await client.ThreadReference.Resume(l.thread);
      await done;
      ({ thread, done } = await stop(client, chain.urls[0], 'CALL_LINE'));
      const r = await stepTime(client, thread);
      remote.push(r.ms);
      await client.ThreadReference.Resume(r.thread);
      await done;
    }
    console.log('\nStep Into (ms from the step request to the SingleStep event)');
    console.log(table(['step', 'p50', 'max'], [
      ['local: handle() into work()', fmt(quantile(local, 0.5), 2), fmt(Math.max(...local), 2)],
      ['remote: front\'s call into mid\'s handler', fmt(quantile(remote, 0.5), 2), fmt(Math.max(...remote), 2)],
    ]));
    console.log(`ratio remote/local p50: ${fmt(quantile(remote, 0.5) / quantile(local, 0.5), 1)}x`);

    const alone = await load(chain.urls[0], RATE, 4);
    const followed = await stop(client, chain.urls[0], 'CALL_LINE');
    const landed = await stepTime(client, followed.thread);
    await client.ThreadReference.Frames(landed.thread, 0, -1);
    const during = await load(chain.urls[0], RATE, 4);
    await client.ThreadReference.Resume(landed.thread);
    await followed.done;
    console.log(`\nOther requests at ${RATE}/s through front -> mid -> leaf (ms)`);
    console.log(table(['', 'requests', 'p50', 'p99'], [
      ['no followed request', alone.length, fmt(quantile(alone, 0.5), 2), fmt(quantile(alone, 0.99), 2)],
      ['one request stopped in a followed step', during.length, fmt(quantile(during, 0.5), 2), fmt(quantile(during, 0.99), 2)],
    ]));
    await client.dispose();
  } finally {
    await Promise.all(proxies.map((p) => p.close().catch(() => undefined)));
    await killAll(jvms);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
