// The proxy's memory (RSS) while it routes up to 1M breakpoint events: a breakpoint in a hot loop, each hit resumed
// at once by the client. The proxy runs as its own process; its RSS is read from /proc at checkpoints (1k, 10k,
// then every tenth of the total).
// Run: npx tsc -p . && node out/bench/proxy-memory.js [events=100000]   (1000000: about 5 minutes)
import type { ThreadID } from '../jdwp/protocol/wire-types';
import { JDWP } from '../jdwp/registry';
import { attachRetrying, benchLine, lineLocation, rssMiB, startBenchJvm, startProxyProcess } from './proxy-support';
import { fmt } from './support/stats';

const total = Number(process.argv[2] ?? 100_000);
const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;

async function main(): Promise<void> {
  const jvm = await startBenchJvm('full');
  const proxy = await startProxyProcess([jvm]);
  const vm = await attachRetrying(proxy.port);
  const rows: Array<[number, number, number]> = [];
  const started = Date.now();
  try {
    let classes: Array<{ typeID: never }> = [];
    while (!classes.length) classes = (await vm.VirtualMachine.ClassesBySignature('Lbenchfix/BenchLoop;')).classes as never;
    const type = classes[0].typeID;
    const { declared } = await vm.ReferenceType.Fields(type);
    const hotSpin = declared.find((f) => f.name === 'hotSpin')!.fieldID;
    await vm.ClassType.SetValues(type, [{ fieldID: hotSpin, value: { tag: JDWP.Tag.BOOLEAN, value: true } }]);
    const loc = await lineLocation(vm, type, 'hot', benchLine('HOT_LINE'));
    rows.push([0, rssMiB(proxy.pid), 0]);
    await new Promise<void>((resolve, reject) => {
      let seen = 0;
      let id = -1;
      const checkpoints = new Set([1_000, 10_000, ...Array.from({ length: 10 }, (_, i) => Math.round((total * (i + 1)) / 10))].filter((n) => n <= total));
      vm.on('event', (e: { events: Array<{ eventKind: number; thread?: ThreadID }> }) => {
        const ev = e.events.find((x) => x.eventKind === K.BREAKPOINT);
        if (!ev) return;
        seen++;
        if (checkpoints.has(seen)) rows.push([seen, rssMiB(proxy.pid), (Date.now() - started) / 1000]);
        if (seen === total) {
          vm.EventRequest.Clear(K.BREAKPOINT, id).then(() => vm.ThreadReference.Resume(ev.thread!)).then(() => resolve(), reject);
          return;
        }
        vm.ThreadReference.Resume(ev.thread!).catch(reject);
      });
      vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc }]).then((r) => (id = r.requestID), reject);
    });
    await vm.ClassType.SetValues(type, [{ fieldID: hotSpin, value: { tag: JDWP.Tag.BOOLEAN, value: false } }]);
  } finally {
    await vm.dispose();
    await proxy.close();
    await jvm.kill();
  }
  console.log(`Proxy RSS while routing ${fmt(total)} breakpoint events (hit, then resume by the client), one node.`);
  console.log('| events | proxy RSS (MiB) | seconds |');
  console.log('|---:|---:|---:|');
  for (const [n, rss, s] of rows) console.log(`| ${fmt(n)} | ${fmt(rss, 1)} | ${fmt(s, 1)} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
