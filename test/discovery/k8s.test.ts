import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { V1Pod, V1PodList, V1Status } from '@kubernetes/client-node';
import { JdwpClient } from '../../jdwp/client/client';
import { nodesOfPod } from '../../jdwp/discovery/k8s';
import type { Jvm } from '../../jdwp/launch/java';
import { VirtualVm } from '../../jdwp/vm/server';
import { killAll, ROOT } from '../support/fixtures';
import { startNode } from '../vm/support';
import { FakeApiServer, orderPod, type Pod, type PortVia, writeKubeconfig } from './k8s-api';
import { breakAtFixture, freeTcpPort, HitRecorder, waitForNames } from './support';

// The stand-in's shapes are the client's own API types: these fail to compile if they drift.
const shapes: { pod: V1Pod; list: V1PodList; gone: V1Status } = {
  pod: orderPod('p', 1, 'containerPort'),
  list: { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [orderPod('p', 1, 'containerPort')] },
  gone: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 },
};

describe('discovery of nodes on Kubernetes (a stand-in API server, real JVMs on loopback)', function () {
  this.timeout(180_000);
  const jvms: Jvm[] = [];
  const api = new FakeApiServer();
  const log: string[] = [];
  let vm: VirtualVm | undefined;
  let debuggerClient: JdwpClient | undefined;
  let kubeconfig: string;

  before(async () => {
    await api.start();
    kubeconfig = writeKubeconfig(api, { token: 'a service account token', namespace: 'default' });
  });

  after(async () => {
    await debuggerClient?.dispose().catch(() => undefined);
    await vm?.close();
    await killAll(jvms);
    await api.close();
    fs.rmSync(path.dirname(kubeconfig), { recursive: true, force: true });
  });

  /** A fixture JVM on a fixed loopback port (as a container's), which it keeps after a debugger leaves. */
  async function podJvm(): Promise<Jvm> {
    const port = await freeTcpPort();
    return startNode(jvms, { listenAddress: `127.0.0.1:${port}` });
  }

  it('ships manifests: a service account that may only get, list and watch pods, and a Deployment that uses it', async () => {
    const { loadAllYaml } = await import('@kubernetes/client-node');
    const rbac = loadAllYaml(fs.readFileSync(path.join(ROOT, 'deploy', 'rbac.yaml'), 'utf8')) as any[];
    assert.deepEqual(rbac.map((o) => o.kind), ['ServiceAccount', 'Role', 'RoleBinding']);
    assert.deepEqual(JSON.parse(JSON.stringify(rbac[1].rules)), [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    assert.deepEqual([rbac[2].subjects[0].name, rbac[2].roleRef.name], [rbac[0].metadata.name, rbac[1].metadata.name]);
    const [deployment] = loadAllYaml(fs.readFileSync(path.join(ROOT, 'deploy', 'deployment.yaml'), 'utf8')) as any[];
    const pod = deployment.spec.template.spec;
    assert.equal(pod.serviceAccountName, rbac[0].metadata.name);
    const args: string[] = pod.containers[0].args;
    assert.equal(args[0], 'proxy');
    assert.match(args[args.indexOf('--discover') + 1], /^k8s:/);
    assert.equal(args[args.indexOf('--listen') + 1], '127.0.0.1:5005', 'the unauthenticated port stays on the pod\'s loopback');
  });

  it('reads each way a pod names its JDWP port, and only running, ready pods', () => {
    const ports = (pod: Pod, fallback?: number) => nodesOfPod(pod as V1Pod, fallback).map((n) => `${n.name}@${n.host}:${n.port}`);
    const vias: PortVia[] = ['containerPort', 'cloudCode', 'annotation'];
    for (const via of vias) assert.deepEqual(ports(orderPod('a', 7000, via)), ['a@127.0.0.1:7000'], via);
    assert.deepEqual(ports(orderPod('a', 7000, 'default')), []);
    assert.deepEqual(ports(orderPod('a', 7000, 'default'), 5005), ['a@127.0.0.1:5005']);
    assert.deepEqual(ports(orderPod('a', 7000, 'containerPort', false)), []);
    const pending = orderPod('a', 7000, 'containerPort');
    pending.status.phase = 'Pending';
    assert.deepEqual(ports(pending), []);
    const two = orderPod('a', 7000, 'containerPort');
    two.spec.containers.push({ name: 'sidecar', image: 's', ports: [{ name: 'jdwp', containerPort: 7001, protocol: 'TCP' }] });
    assert.deepEqual(ports(two), ['a/app@127.0.0.1:7000', 'a/sidecar@127.0.0.1:7001']);
    assert.equal(shapes.list.items.length, 1);
  });

  it('follows pods as they scale 1 -> 5 -> 2, through a dropped watch and a 410 Gone, a restart under the same name and a readiness flip', async () => {
    const [j0, ...others] = await Promise.all(Array.from({ length: 5 }, () => podJvm()));
    const vias: PortVia[] = ['cloudCode', 'annotation', 'default', 'containerPort'];
    api.setPod(orderPod('orders-0', j0.port, 'containerPort'));
    // A pod of another app is never a node.
    api.setPod({ ...orderPod('billing-0', j0.port, 'containerPort'), metadata: { ...orderPod('billing-0', j0.port, 'containerPort').metadata, labels: { app: 'billing' } } });
    vm = await VirtualVm.start({
      listen: '127.0.0.1:0',
      discover: ['k8s:shop/app=orders'],
      discovery: { kubeconfig, port: others[2].port },
      log: (line) => log.push(line),
      retryMs: { first: 100, max: 1_000 },
    });
    await waitForNames(vm, ['orders-0'], log);
    debuggerClient = await JdwpClient.attach({ host: '127.0.0.1', port: vm.address.port }, { requestTimeoutMs: 10_000 });
    const hits = new HitRecorder(debuggerClient);
    const bp = await breakAtFixture(debuggerClient);
    await hits.assertExactly(bp, ['orders-0']);

    // Scale to 5; one of them starts not ready, and becomes ready after a dropped watch.
    others.forEach((j, i) => api.setPod(orderPod(`orders-${i + 1}`, j.port, vias[i], i !== 3)));
    const five = ['orders-0', 'orders-1', 'orders-2', 'orders-3', 'orders-4'];
    await waitForNames(vm, five.slice(0, 4), log);
    api.dropWatches();
    api.setPod(orderPod('orders-4', others[3].port, 'containerPort'));
    await waitForNames(vm, five, log);
    await hits.assertExactly(bp, five);

    // The history is compacted while no watch is open: the next watch gets 410 Gone, and the source lists again.
    api.compact();
    api.dropWatches();
    api.deletePod('orders-4');
    await waitForNames(vm, five.slice(0, 4), log);
    api.goneAsHttp = true;
    api.compact();
    api.dropWatches();
    api.deletePod('orders-3');
    api.deletePod('orders-2');
    await waitForNames(vm, ['orders-0', 'orders-1'], log);
    await hits.assertExactly(bp, ['orders-0', 'orders-1']);
    const watches = api.requests.filter((r) => r.includes('watch=true'));
    const lists = api.requests.filter((r) => !r.includes('watch=true'));
    assert.ok(lists.length >= 3, `a list at start and after each 410: ${api.requests.join('\n')}`);
    assert.ok(watches.every((w) => /resourceVersion=\d+/.test(w) && w.includes('labelSelector=app%3Dorders')), watches.join('\n'));

    // orders-0 restarts under the same name: a new JVM on a new port.
    api.deletePod('orders-0');
    await waitForNames(vm, ['orders-1'], log);
    await j0.kill();
    const j0b = await podJvm();
    api.setPod(orderPod('orders-0', j0b.port, 'containerPort'));
    await waitForNames(vm, ['orders-0', 'orders-1'], log);
    await hits.assertExactly(bp, ['orders-0', 'orders-1']);
    assert.equal(vm.cluster.live().find((l) => l.name === 'orders-0')!.address, `127.0.0.1:${j0b.port}`);

    // Readiness flips off and on again.
    api.setPod(orderPod('orders-1', others[0].port, 'cloudCode', false));
    await waitForNames(vm, ['orders-0'], log);
    await hits.assertExactly(bp, ['orders-0']);
    api.setPod(orderPod('orders-1', others[0].port, 'cloudCode', true));
    await waitForNames(vm, ['orders-0', 'orders-1'], log);
    await hits.assertExactly(bp, ['orders-0', 'orders-1']);

    const joinsAndLeaves = log.filter((l) => / (joined|left) /.test(l)).map((l) => /node (\S+) (joined|left)/.exec(l)!.slice(1).join(' '));
    const count = (what: string) => joinsAndLeaves.filter((l) => l === what).length;
    assert.deepEqual(
      [count('orders-0 joined'), count('orders-0 left'), count('orders-1 joined'), count('orders-1 left'), count('orders-4 joined'), count('orders-4 left')],
      [2, 1, 2, 1, 1, 1],
      joinsAndLeaves.join('\n'),
    );
    assert.ok(log.some((l) => /node orders-2 left \(slot \d+\): gone from k8s:shop\/app=orders/.test(l)), log.join('\n'));
  });
});
