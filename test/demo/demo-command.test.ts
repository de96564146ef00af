// `jdwp-fabric demo` as a user runs it: a child process that starts the flow, prints how to attach, keeps load
// flowing, and stops everything on Ctrl-C.
import * as assert from 'node:assert/strict';
import { demoMarker } from '../../cli/demo-cluster';
import { ExitCode } from '../../cli/exit-codes';
import { checkout } from '../../cli/load';
import { assertNothingSuspended, runCli, startCli, waitForLine } from '../cli/support';
import { parseAddress } from '../../jdwp/transport/tcp';

describe('jdwp-fabric demo', function () {
  this.timeout(90_000);

  it('refuses an unknown option with the usage and exit code 2', async () => {
    const r = await runCli(['demo', '--nodes', '3']);
    assert.equal(r.code, ExitCode.USAGE);
    assert.match(r.stderr.join('\n'), /unknown option --nodes[\s\S]*--per-service N/);
  });

  it('starts the flow on a free port, prints how to attach, serves checkouts, and stops everything on SIGINT', async () => {
    const run = startCli(['demo', '--per-service', '1', '--port', '0', '--rate', '10']);
    try {
      await waitForLine(run, 'stdout', (l) => l.startsWith('Ctrl-C stops'), 60_000);
      const out = run.stdout.join('\n');
      const at = /behind one virtual JVM at (\S+)\.$/m.exec(out)![1];
      const { line } = demoMarker('DEMO_BREAKPOINT');
      assert.ok(out.includes(`stop at demo.Orders:${line}`), out);
      assert.ok(out.includes(`trace --connect ${at} --at demo.Orders:${line}`), out);
      const urls = [...out.matchAll(/^ {2}(gateway|orders|inventory)-1 +(http:\S+)$/gm)].map((m) => m[2]);
      assert.equal(urls.length, 3, out);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const answer = await checkout(urls.find((u) => u.endsWith('/checkout'))!, { form: 'customer=ken&item=plum&qty=2' });
      assert.equal(answer.status, 200, answer.error ?? answer.body);
      const orders = JSON.parse(answer.body!).next;
      assert.equal(orders.next.service, 'inventory');
      assert.ok(orders.order >= 5, `order #${orders.order}: the load generator placed orders before ours`);
      await assertNothingSuspended(() => parseAddress(at), 'the demo flow');

      run.child.kill('SIGINT');
      assert.equal(await run.exited, ExitCode.OK);
      assert.ok(run.stdout.includes('Stopping the demo flow...'));
      for (const url of urls) {
        const after = await checkout(url, { timeoutMs: 2000 });
        assert.match(after.error ?? '', /ECONNREFUSED/, `${url} is down after Ctrl-C`);
      }
    } finally {
      if (run.child.exitCode === null) {
        run.child.kill('SIGTERM');
        await run.exited;
      }
    }
  });
});
