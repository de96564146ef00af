import * as assert from 'node:assert/strict';
import { JdwpClient } from '../../jdwp/client/client';
import type { Jvm } from '../../jdwp/launch/java';
import { VirtualVm } from '../../jdwp/vm/server';
import { killAll } from '../support/fixtures';
import { startNode, startNodes } from '../vm/support';
import { Dnsmasq } from './dnsmasq';
import { breakAtFixture, HitRecorder, freeTcpPort, waitForNames } from './support';

describe('discovery of nodes by DNS (a real dnsmasq on loopback)', function () {
  this.timeout(120_000);
  const jvms: Jvm[] = [];
  const dns = new Dnsmasq();
  let vm: VirtualVm | undefined;
  let debuggerClient: JdwpClient | undefined;
  const log: string[] = [];

  async function startProxy(spec: string, dnsMaxTtlS: number): Promise<VirtualVm> {
    vm = await VirtualVm.start({
      listen: '127.0.0.1:0',
      discover: [spec],
      discovery: { dnsServer: dns.server, dnsMaxTtlS },
      log: (line) => log.push(line),
      retryMs: { first: 100, max: 1_000 },
    });
    return vm;
  }

  afterEach(async () => {
    await debuggerClient?.dispose().catch(() => undefined);
    debuggerClient = undefined;
    await vm?.close();
    vm = undefined;
    await killAll(jvms);
    await dns.stop();
    log.length = 0;
  });

  after(() => dns.dispose());

  it('follows the A records of a name as they change, at least every --dns-max-ttl whatever the TTL: nodes join and leave, the breakpoint follows', async () => {
    // Three JVMs on one port of three loopback addresses, as the pods behind a headless service.
    const port = await freeTcpPort();
    const hosts = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
    await Promise.all(hosts.map((h) => startNode(jvms, { listenAddress: `${h}:${port}` })));
    const name = (h: string) => `${h}:${port}`;
    // Records that live an hour: only --dns-max-ttl makes the proxy ask again.
    dns.ttl = 3600;
    await dns.start({ a: { 'jvms.test': [hosts[0]] } });
    const proxy = await startProxy(`dns:jvms.test:${port}`, 1);
    await waitForNames(proxy, [name(hosts[0])], log);

    debuggerClient = await JdwpClient.attach({ host: '127.0.0.1', port: proxy.address.port }, { requestTimeoutMs: 10_000 });
    const hits = new HitRecorder(debuggerClient);
    const bp = await breakAtFixture(debuggerClient);
    await hits.assertExactly(bp, [name(hosts[0])]);

    await dns.reloadHosts({ a: { 'jvms.test': hosts } });
    await waitForNames(proxy, hosts.map(name), log);
    await hits.assertExactly(bp, hosts.map(name));

    await dns.reloadHosts({ a: { 'jvms.test': [hosts[1]] } });
    await waitForNames(proxy, [name(hosts[1])], log);
    await hits.assertExactly(bp, [name(hosts[1])]);

    const lines = log.filter((l) => / (joined|left) /.test(l)).map((l) => l.replace(/ \(.*$/, ''));
    const joined = (h: string) => `[fabric] node ${name(h)} joined`;
    const left = (h: string) => `[fabric] node ${name(h)} left`;
    assert.equal(lines[0], joined(hosts[0]));
    assert.deepEqual([...lines].sort(), [joined(hosts[0]), joined(hosts[1]), joined(hosts[2]), left(hosts[0]), left(hosts[2])].sort());
    assert.ok(log.some((l) => l.includes(`node ${name(hosts[0])} left`) && l.includes('gone from dns:jvms.test')), log.join('\n'));
  });

  it('follows SRV records by their TTL, each target on its own port, and keeps the nodes when the server is down', async () => {
    const [a, b] = await startNodes(jvms, 2);
    const srv = (ports: Array<[string, number]>) => ({
      a: Object.fromEntries(ports.map(([t]) => [t, ['127.0.0.1']])),
      srv: ports.map(([target, port]) => ({ name: '_jdwp._tcp.orders.test', target, port })),
    });
    // Records that live a second, under a bound of a minute: their TTL makes the proxy ask again.
    dns.ttl = 1;
    await dns.start(srv([['pod-a.test', a.port]]));
    const proxy = await startProxy('dns:_jdwp._tcp.orders.test', 60);
    await waitForNames(proxy, [`pod-a.test:${a.port}`], log);
    debuggerClient = await JdwpClient.attach({ host: '127.0.0.1', port: proxy.address.port }, { requestTimeoutMs: 10_000 });
    const hits = new HitRecorder(debuggerClient);
    const bp = await breakAtFixture(debuggerClient);

    await dns.restart(srv([['pod-a.test', a.port], ['pod-b.test', b.port]]));
    await waitForNames(proxy, [`pod-a.test:${a.port}`, `pod-b.test:${b.port}`], log);
    await hits.assertExactly(bp, [`pod-a.test:${a.port}`, `pod-b.test:${b.port}`]);

    // A DNS server that stops answering is not a source that lost its nodes.
    await dns.stop();
    await new Promise((r) => setTimeout(r, 3_000));
    assert.deepEqual(proxy.cluster.live().map((l) => l.name).sort(), [`pod-a.test:${a.port}`, `pod-b.test:${b.port}`]);
    assert.ok(log.some((l) => l.startsWith('[fabric] discover dns:_jdwp._tcp.orders.test error:') && l.includes('keeping the nodes found last')), log.join('\n'));

    await dns.start(srv([['pod-b.test', b.port]]));
    await waitForNames(proxy, [`pod-b.test:${b.port}`], log);
    await hits.assertExactly(bp, [`pod-b.test:${b.port}`]);
  });
});
