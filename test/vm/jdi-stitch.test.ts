// The JDI check program (test/jdi, scenario "stitch"), attached as IntelliJ does, over a chain of three HTTP
// services on three JVMs: thread identity, frame counts and values across two hops, Step Into a remote call and
// Step Out back to the caller.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { compileJava, javaExecutable, type Jvm } from '../../jdwp/launch/java';
import { killAll, ROOT } from '../support/fixtures';
import { callWork, hopLine, startChain } from './chain-support';
import { assertNothingSuspended, Expect, startProxy, type ProxyUnderTest } from './support';

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
    const classes = compileJava(path.join(ROOT, 'test', 'jdi', 'src'), path.join(ROOT, '.tmp', 'jdi-check'));
    const chain = await startChain(jvms, NAMES);
    await callWork(chain.urls[0]);
    proxy = await startProxy(chain.jvms, { nodes: chain.jvms.map((j, i) => `${NAMES[i]}=127.0.0.1:${j.port}`) });
    const run = new Expect(javaExecutable('java'), [
      '-Xmx64m',
      '-cp',
      classes,
      'jdicheck.FabricJdiCheck',
      'stitch',
      String(proxy.vm.address.port),
      `leaf=${hopLine('LEAF_LINE')}`,
      `call=${hopLine('CALL_LINE')}`,
      `url=${chain.urls[0]}`,
    ]);
    let code: number | null;
    try {
      code = await run.exited;
    } finally {
      await run.kill();
    }
    const lines = run.transcript.split('\n');
    const context = `\n--- check program ---\n${run.transcript}\n--- proxy log ---\n${proxy.log.join('\n')}`;
    assert.deepEqual(lines.filter((l) => l.startsWith('FAIL ')), [], `no check failed${context}`);
    for (const name of ['attach', 'stitched-stack-two-hops', 'step-into-remote-and-out', 'dispose']) assert.ok(lines.includes(`PASS ${name}`), `PASS ${name}${context}`);
    assert.equal(code, 0, context);
    await assertNothingSuspended(proxy.vm, 3);
  });
});
