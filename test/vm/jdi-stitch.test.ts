// The JDI check program (test/jdi, scenario "stitch"), attached as IntelliJ does, over a chain of three HTTP
// services on three JVMs: thread identity, frame counts and values across two hops, Step Into a remote call and
// Step Out back to the caller.
import type { Jvm } from '../../jdwp/launch/java';
import { killAll } from '../support/fixtures';
import { callWork, hopLine, startChain } from './chain-support';
import { assertPassed, checkClasses, runCheck } from './jdi-check';
import { assertNothingSuspended, startProxy, type ProxyUnderTest } from './support';

const NAMES = ['front', 'mid', 'leaf'];

describe('JDI over a chain of HTTP services (stitched stacks, remote steps)', function () {
  this.timeout(120_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest | undefined;

  after(async () => {
    await proxy?.close().catch(() => undefined);
    await killAll(jvms);
  });

  it('walks a stack across two hops with each caller\'s values, and steps into the remote call and out of it', async () => {
    checkClasses();
    const chain = await startChain(jvms, NAMES);
    await callWork(chain.urls[0]);
    const started = await startProxy(chain.jvms, { nodes: chain.jvms.map((j, i) => `${NAMES[i]}=127.0.0.1:${j.port}`) });
    proxy = started;
    const proxyLog = () => `\n--- proxy log ---\n${started.log.join('\n')}`;
    const run = await runCheck(started.vm.address.port, 'stitch', [`leaf=${hopLine('LEAF_LINE')}`, `call=${hopLine('CALL_LINE')}`, `url=${chain.urls[0]}`], proxyLog);
    assertPassed(run, ['attach', 'stitched-stack-two-hops', 'step-into-remote-and-out', 'dispose'], proxyLog);
    await assertNothingSuspended(proxy.vm, 3);
  });
});
