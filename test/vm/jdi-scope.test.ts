// The JDI check program (scenario "scope"), attached as IntelliJ does, to a proxy started with
// --request-scope header:X-Debug-Session=alice over the demo flow under load: it knows nothing of scopes, and its
// breakpoint in the orders handler stops only marked requests.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { demoMarker, startFlowCluster, type FlowCluster } from '../../cli/demo-cluster';
import { LoadGenerator } from '../../cli/load';
import { compileJava, javaExecutable } from '../../jdwp/launch/java';
import { ROOT } from '../support/fixtures';
import { Expect } from './support';

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
    const classes = compileJava(path.join(ROOT, 'test', 'jdi', 'src'), path.join(ROOT, '.tmp', 'jdi-check'));
    const load = LoadGenerator.start({ targets: flow.gatewayUrls, rate: 30, concurrency: 30, markEvery: 5 });
    const run = new Expect(javaExecutable('java'), ['-Xmx64m', '-cp', classes, 'jdicheck.FabricJdiCheck', 'scope', String(flow.proxy!.address.port), `line=${demoMarker('DEMO_BREAKPOINT').line}`, 'hits=4']);
    let code: number | null;
    try {
      code = await run.exited;
    } finally {
      await run.kill();
      load.stop();
    }
    const lines = run.transcript.split('\n');
    const context = `\n--- check program ---\n${run.transcript}\n--- proxy log ---\n${log.join('\n')}`;
    assert.deepEqual(lines.filter((l) => l.startsWith('FAIL ')), [], context);
    for (const name of ['attach', 'only-marked-requests-stop', 'dispose']) assert.ok(lines.includes(`PASS ${name}`), `PASS ${name}${context}`);
    assert.equal(code, 0, context);
    assert.equal(load.stats().failed, 0);
  });
});
