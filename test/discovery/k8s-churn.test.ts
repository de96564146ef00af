import * as fs from 'node:fs';
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import { JdwpClient } from '../../jdwp/client/client';
import type { Jvm } from '../../jdwp/launch/java';
import { VirtualVm } from '../../jdwp/vm/server';
import { killAll } from '../support/fixtures';
import { seededRandom } from '../support/random';
import { startNode } from '../vm/support';
import { FakeApiServer, orderPod, type PortVia, writeKubeconfig } from './k8s-api';
import { breakAtFixture, freeTcpPort, HitRecorder, waitForNames } from './support';

/** The seed of the run: DISCOVERY_SEED when set, else a fresh one. */
const SEED = process.env.DISCOVERY_SEED ? Number(process.env.DISCOVERY_SEED) : Math.floor(Math.random() * 2 ** 31);
/** Steps of the run: DISCOVERY_STEPS, default 12. */
const STEPS = Number(process.env.DISCOVERY_STEPS ?? 12);

describe('discovery on Kubernetes under seeded random churn (stand-in API server, real JVMs)', function () {
  this.timeout(300_000);
  const jvms: Jvm[] = [];
  const api = new FakeApiServer();
  const log: string[] = [];
  let vm: VirtualVm | undefined;
  let client: JdwpClient | undefined;
  let kubeconfig: string;

  before(async () => {
    await api.start();
    kubeconfig = writeKubeconfig(api, { token: 't' });
  });

  after(async () => {
    await client?.dispose().catch(() => undefined);
    await vm?.close();
    await killAll(jvms);
    await api.close();
    fs.rmSync(path.dirname(kubeconfig), { recursive: true, force: true });
  });

  it(`keeps the node set and the breakpoint equal to the ready pods after every step (DISCOVERY_SEED=${SEED})`, async () => {
    const random = seededRandom(SEED);
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
    const ports = await Promise.all(Array.from({ length: 4 }, () => freeTcpPort()));
    await Promise.all(ports.map((p) => startNode(jvms, { listenAddress: `127.0.0.1:${p}` })));
    const vias: PortVia[] = ['containerPort', 'cloudCode', 'annotation'];
    /** Pod name to [JVM port, ready]; each JVM backs at most one pod at a time. */
    const pods = new Map<string, { port: number; ready: boolean }>();
    const put = (name: string, port: number, ready: boolean) => {
      pods.set(name, { port, ready });
      api.setPod(orderPod(name, port, pick(vias), ready));
    };
    put('orders-a', ports[0], true);
    vm = await VirtualVm.start({ listen: '127.0.0.1:0', discover: ['k8s:shop/app=orders'], discovery: { kubeconfig }, log: (l) => log.push(l), retryMs: { first: 100, max: 1_000 } });
    const ready = () => [...pods].filter(([, p]) => p.ready).map(([n]) => n);
    await waitForNames(vm, ready(), log);
    client = await JdwpClient.attach({ host: '127.0.0.1', port: vm.address.port }, { requestTimeoutMs: 10_000 });
    const hits = new HitRecorder(client);
    const bp = await breakAtFixture(client);
    let next = 0;
    for (let step = 0; step < STEPS; step++) {
      const free = ports.filter((p) => ![...pods.values()].some((x) => x.port === p));
      const actions: Array<() => string> = [];
      if (free.length) actions.push(() => { const name = `orders-${(next++).toString(36)}`; put(name, pick(free), random() < 0.8); return `add ${name}`; });
      if (pods.size) {
        actions.push(() => { const name = pick([...pods.keys()]); pods.delete(name); api.deletePod(name); return `delete ${name}`; });
        actions.push(() => { const name = pick([...pods.keys()]); const p = pods.get(name)!; put(name, p.port, !p.ready); return `flip ${name}`; });
        if (free.length) actions.push(() => { const name = pick([...pods.keys()]); put(name, pick(free), true); return `restart ${name} elsewhere`; });
      }
      actions.push(() => { api.dropWatches(); return 'drop the watch'; });
      actions.push(() => { api.compact(); api.dropWatches(); return 'compact (410 Gone)'; });
      const did = pick(actions)();
      try {
        await waitForNames(vm, ready(), log, 20_000);
        // A pod restarted under its name must be its new JVM: each node at its pod's current address.
        const want = ready().map((n) => `${n}@127.0.0.1:${pods.get(n)!.port}`).sort().join(',');
        const have = () => vm!.cluster.live().filter((l) => l.joined).map((l) => `${l.name}@${l.address}`).sort().join(',');
        const deadline = Date.now() + 20_000;
        while (have() !== want) {
          if (Date.now() > deadline) throw new Error(`nodes ${have()} instead of ${want}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        if (step % 3 === 2 || step === STEPS - 1) await hits.assertExactly(bp, ready());
      } catch (err) {
        throw new Error(`DISCOVERY_SEED=${SEED}, step ${step} (${did}): ${(err as Error).message}`);
      }
    }
    assert.ok(log.some((l) => / joined /.test(l)));
  });
});
