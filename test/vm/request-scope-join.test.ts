// A request scope reaches a node that joins after it was set, once that node loads its server side: unmarked
// requests there never stop, a marked one does.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { JdwpClient } from '../../jdwp/client/client';
import type { Jvm } from '../../jdwp/launch/java';
import type { ThreadID } from '../../jdwp/protocol/wire-types';
import { JDWP } from '../../jdwp/registry';
import type { Event_Composite_Event } from '../../jdwp/protocol/spec-types';
import { killAll } from '../support/fixtures';
import { lineLocation } from '../support/locations';
import { hopLine, startHop } from './chain-support';
import { assertNothingSuspended, attachAfterDebugger, sleep, startProxy, type ProxyUnderTest } from './support';

const K = JDWP.EventKind;

function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(`${url}/work`, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

describe('a request scope and a node that joins later', function () {
  this.timeout(120_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest | undefined;

  after(async () => {
    await proxy?.close().catch(() => undefined);
    await killAll(jvms);
  });

  it('arms the scope on the new node once it loads its server side, and stops only the marked request there', async () => {
    const first = await startHop(jvms, 'a');
    await get(first.url);
    proxy = await startProxy([first.jvm], { nodes: [`a=127.0.0.1:${first.jvm.port}`], scopeBudget: 10 });
    const vm: JdwpClient = await attachAfterDebugger(proxy.vm);
    const stops: string[] = [];
    vm.on('event', (e: Event_Composite_Event) => {
      for (const ev of e.events) {
        if (ev.eventKind !== K.BREAKPOINT) continue;
        const thread = (ev as { thread: ThreadID }).thread;
        void vm.ThreadReference.Name(thread).then(({ threadName }) => {
          stops.push(threadName);
          return vm.ThreadReference.Resume(thread);
        }).catch(() => undefined);
      }
    });
    try {
      await vm.Fabric.SetRequestScope('header:X-Debug-Session=alice');
      await vm.EventRequest.Set(K.BREAKPOINT, JDWP.SuspendPolicy.EVENT_THREAD, [{ modKind: 7, loc: await lineLocation(vm, 'hopfix.Hop', hopLine('LEAF_LINE')) }]);
      const late = await startHop(jvms, 'b');
      proxy.vm.addNode(`b=127.0.0.1:${late.jvm.port}`);
      await proxy.vm.waitForNodes(2, 30_000);
      // Unmarked requests load b's server side; the scope's checks reach it within a few seconds.
      let checked = false;
      for (let i = 0; i < 40 && !checked; i++) {
        assert.equal(await get(late.url), 200);
        checked = ((await vm.Fabric.RequestScopeInfo()).nodes.find((n) => n.node === 'b')?.checks ?? 0) > 0;
        if (!checked) await sleep(250);
      }
      assert.ok(checked, 'b is checked');
      assert.deepEqual(stops, [], 'unmarked requests never stop');
      assert.equal(await get(late.url, { 'X-Debug-Session': 'alice' }), 200);
      for (let i = 0; i < 40 && !stops.length; i++) await sleep(50);
      assert.equal(stops.length, 1, JSON.stringify(stops));
      assert.match(stops[0], /^\[b\] /);
    } finally {
      await vm.dispose();
    }
    await assertNothingSuspended(proxy.vm, 2);
  });
});
