// The JDI check program (scenario "scope"), attached as IntelliJ does, to a proxy started with
// --request-scope header:X-Debug-Session=alice over the demo flow under load: it knows nothing of scopes, and its
// breakpoint in the orders handler stops only marked requests.
import * as assert from 'node:assert/strict';
import { demoMarker, startFlowCluster, type FlowCluster } from '../../cli/demo-cluster';
import { LoadGenerator } from '../../cli/load';
import { assertPassed, checkClasses, runCheck } from './jdi-check';

describe('JDI through a request-scoped proxy (demo flow under load)', function () {
  this.timeout(120_000);
  let flow: FlowCluster;
  const log: string[] = [];

  before(async () => {
    flow = await startFlowCluster({ perService: 1, proxy: { requestScope: 'header:X-Debug-Session=alice', scopeBudget: 10 }, log: (l) => log.push(l) });
  });
  after(async () => {
    await flow?.stop();
  });

  it('stops only requests marked X-Debug-Session: alice', async () => {
    checkClasses();
    const proxyLog = () => `\n--- proxy log ---\n${log.join('\n')}`;
    const load = LoadGenerator.start({ targets: flow.gatewayUrls, rate: 30, concurrency: 30, markEvery: 5 });
    let run;
    try {
      run = await runCheck(flow.proxy!.address.port, 'scope', [`line=${demoMarker('DEMO_BREAKPOINT').line}`, 'hits=4'], proxyLog);
    } finally {
      load.stop();
    }
    assertPassed(run, ['attach', 'only-marked-requests-stop', 'dispose'], proxyLog);
    assert.equal(load.stats().failed, 0);
  });
});
