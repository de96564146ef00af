import * as assert from 'node:assert/strict';
import { connectVm } from '../../jdwp/client/connect';
import { FabricError, FabricErrorCode } from '../../jdwp/errors';
import type { Jvm } from '../../jdwp/launch/java';
import { VirtualVm } from '../../jdwp/vm/server';
import { killAll } from '../support/fixtures';
import { startNodes, startProxy, type ProxyUnderTest } from './support';

const TOKEN = 'a token for the virtual VM';

describe('the virtual VM over WebSocket', function () {
  this.timeout(60_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest;

  before(async () => {
    await startNodes(jvms, 2);
    proxy = await startProxy(jvms, { listenWs: '127.0.0.1:0', token: TOKEN });
  });

  after(async () => {
    await proxy?.close();
    await killAll(jvms);
  });

  it('serves a debugger that presents the token on ws://, as one VM over every node', async () => {
    const vm = await connectVm(proxy.vm.wsUrl!, { token: TOKEN });
    try {
      const { threads } = await vm.VirtualMachine.AllThreads();
      const names = await Promise.all(threads.map((t) => vm.ThreadReference.Name(t)));
      assert.ok(names.some((n) => n.threadName.startsWith('[node-1] ')) && names.some((n) => n.threadName.startsWith('[node-2] ')));
    } finally {
      await vm.dispose();
    }
  });

  it('turns away a wrong or missing token with TOKEN_REJECTED', async () => {
    for (const token of ['wrong', undefined]) {
      await assert.rejects(connectVm(proxy.vm.wsUrl!, { token, handshakeTimeoutMs: 3_000 }), (e) => e instanceof FabricError && e.code === FabricErrorCode.TOKEN_REJECTED);
    }
  });

  it('refuses to listen beyond loopback without a token', async () => {
    await assert.rejects(VirtualVm.start({ listen: '127.0.0.1:0', listenWs: '0.0.0.0:0', log: () => {} }), (e) => e instanceof FabricError && e.code === FabricErrorCode.TOKEN_REQUIRED);
  });
});
