// The edges of the virtual VM's life (issue 8, item 6): VMDeath when the proxy stops, a node that exits, the
// virtual VM that dies with its last node (--exit-with-last-node), and nodes held at their start until a debugger
// attaches (--hold-start). A raw JDWP client records every event in order, and when its connection closed.
import * as assert from 'node:assert/strict';
import { JdwpClient } from '../../jdwp/client/client';
import * as path from 'node:path';
import { compileJava, javaExecutable, type Jvm } from '../../jdwp/launch/java';
import { JdwpConnection } from '../../jdwp/client/connection';
import type { CommandPacket } from '../../jdwp/codec/packet';
import type { ThreadID } from '../../jdwp/protocol/wire-types';
import { COMPOSITE, JDWP } from '../../jdwp/registry';
import { dialTcp } from '../../jdwp/transport/tcp';
import { VIRTUAL_SIZES } from '../../jdwp/vm/translate';
import type { Event_Composite_Event } from '../../jdwp/protocol/spec-types';
import { ExitCode } from '../../cli/exit-codes';
import { killAll, ROOT } from '../support/fixtures';
import { startCli, waitForLine } from '../cli/support';
import { Expect, printed, sleep, startProxy, type ProxyUnderTest } from './support';
import { startStormNode, startStormNodes } from './storm-support';

const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;
const NAMES: Record<number, string> = { [K.VM_START]: 'VMStart', [K.VM_DEATH]: 'VMDeath', [K.THREAD_START]: 'ThreadStart', [K.THREAD_DEATH]: 'ThreadDeath', [K.CLASS_PREPARE]: 'ClassPrepare' };

/** A client of the proxy with every event it got, in order ("VMDeath 0", "ThreadDeath 3", ...), then "closed". */
interface Recorder {
  client: JdwpClient;
  log: string[];
  composites: Event_Composite_Event[];
  closed: Promise<void>;
}

/** Attaches, listening from the handshake on (a VMStart may come before anything is asked). */
async function record(proxy: ProxyUnderTest): Promise<Recorder> {
  const socket = await dialTcp({ host: '127.0.0.1', port: proxy.vm.address.port }, 10_000);
  const connection = new JdwpConnection(socket, { role: 'debugger', label: 'recorder', requestTimeoutMs: 10_000 });
  const log: string[] = [];
  const composites: Event_Composite_Event[] = [];
  connection.on('command', (packet: CommandPacket) => {
    const e = COMPOSITE.out.decode(packet.data, 0, packet.data.length, VIRTUAL_SIZES) as unknown as Event_Composite_Event;
    composites.push(e);
    for (const ev of e.events) log.push(`${NAMES[ev.eventKind] ?? ev.eventKind} ${ev.requestID}`);
  });
  const closed = new Promise<void>((resolve) => connection.once('close', () => resolve()));
  void closed.then(() => log.push('closed'));
  const client = new JdwpClient(connection);
  await connection.ready;
  client.sizes = await client.VirtualMachine.IDSizes();
  return { client, log, composites, closed };
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('the edges of the virtual VM life', function () {
  this.timeout(90_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest | undefined;
  let rec: Recorder | undefined;

  afterEach(async () => {
    rec?.client.close();
    rec = undefined;
    await proxy?.close().catch(() => undefined);
    proxy = undefined;
    await killAll(jvms);
  });

  function context(): string {
    return `\n--- events ---\n${rec?.log.join('\n')}\n--- proxy log ---\n${proxy?.log.join('\n')}`;
  }

  it('a stopping proxy sends the unasked VMDeath and one per VM_DEATH request before it closes the connection', async () => {
    proxy = await startProxy(await startStormNodes(jvms, 1, 0));
    rec = await record(proxy);
    const { requestID } = await rec.client.EventRequest.Set(K.VM_DEATH, P.NONE, []);
    await proxy.close();
    await rec.closed;
    const deaths = rec.log.filter((l) => l.startsWith('VMDeath'));
    assert.deepEqual(deaths.sort(), [`VMDeath 0`, `VMDeath ${requestID}`].sort(), `both VMDeaths${context()}`);
    assert.equal(rec.log[rec.log.length - 1], 'closed', `nothing after the close${context()}`);
    assert.ok(rec.log.indexOf('closed') > rec.log.indexOf('VMDeath 0'), `VMDeath before the close${context()}`);
  });

  it('a node that exits ends its threads with ThreadDeath and no VMDeath; the virtual VM goes on', async () => {
    const nodes = await startStormNodes(jvms, 2, 0);
    proxy = await startProxy(nodes);
    rec = await record(proxy);
    await rec.client.EventRequest.Set(K.THREAD_DEATH, P.NONE, []);
    await rec.client.EventRequest.Set(K.VM_DEATH, P.NONE, []);
    const listed = (await rec.client.VirtualMachine.AllThreads()).threads as bigint[];
    const before = listed.length;
    nodes[1].process.kill('SIGTERM');
    await until('node-2 to leave', () => proxy!.vm.cluster.live().length === 1);
    await sleep(500);
    assert.deepEqual(rec.log.filter((l) => l.startsWith('VMDeath')), [], `no VMDeath while a node lives${context()}`);
    const after = (await rec.client.VirtualMachine.AllThreads()).threads.length;
    assert.ok(rec.log.filter((l) => l.startsWith('ThreadDeath')).length >= before - after && after < before, `ThreadDeath for node-2's threads${context()}`);
    assert.ok(!rec.log.includes('closed'), `the debugger stays attached${context()}`);
    // As on one JVM, a thread that ended still has its name (those that also started and ended during the
    // shutdown may have been collected, as on one JVM).
    const dead = rec.composites
      .flatMap((c) => c.events)
      .filter((e) => e.eventKind === K.THREAD_DEATH)
      .map((e) => (e as { thread: bigint }).thread)
      .filter((t) => listed.includes(t));
    const names = await Promise.all(dead.map((t) => rec!.client.ThreadReference.Name(t as ThreadID).then((r) => r.threadName))).catch((err: Error) => assert.fail(`${err.message}${context()}`));
    assert.ok(names.length > 0 && names.every((n) => n.startsWith('[node-2] ')), `names of node-2's ended threads: ${names.join(', ')}${context()}`);
    assert.ok(names.some((n) => n === '[node-2] worker-1'), `worker-1 among them: ${names.join(', ')}`);
  });

  it('--exit-with-last-node: ThreadDeath for the last node threads, then VMDeath, then the connection closes', async () => {
    const nodes = await startStormNodes(jvms, 1, 0);
    proxy = await startProxy(nodes, { exitWithLastNode: true });
    rec = await record(proxy);
    await rec.client.EventRequest.Set(K.THREAD_DEATH, P.NONE, []);
    const { requestID } = await rec.client.EventRequest.Set(K.VM_DEATH, P.NONE, []);
    nodes[0].process.kill('SIGTERM');
    await rec.closed;
    await proxy.vm.died;
    const firstDeath = rec.log.findIndex((l) => l.startsWith('VMDeath'));
    assert.ok(firstDeath > 0 && rec.log.slice(0, firstDeath).every((l) => l.startsWith('ThreadDeath')), `ThreadDeaths first${context()}`);
    assert.deepEqual(rec.log.slice(firstDeath).sort(), [`VMDeath 0`, `VMDeath ${requestID}`, 'closed'].sort(), `then both VMDeaths and the close, nothing else${context()}`);
  });

  it('jdwp-fabric proxy --exit-with-last-node exits with 0 once its last node has left', async () => {
    const [node] = await startStormNodes(jvms, 1, 0);
    const cli = startCli(['proxy', '--listen', '127.0.0.1:0', '--exit-with-last-node', '--node', `node-1=127.0.0.1:${node.port}`]);
    try {
      await waitForLine(cli, 'stderr', (l) => l.includes('node node-1 joined'));
      node.process.kill('SIGTERM');
      const code = await Promise.race([cli.exited, sleep(15_000).then(() => 'timeout')]);
      assert.equal(code, ExitCode.OK, cli.stderr.join('\n'));
      assert.ok(cli.stderr.some((l) => l.includes('the virtual VM dies with it')), cli.stderr.join('\n'));
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  /** Runs the JDI check program's vm-death scenario; at its READY, `die` ends the virtual VM. */
  async function jdiVmDeath(die: () => Promise<void>): Promise<string> {
    const classes = compileJava(path.join(ROOT, 'test', 'jdi', 'src'), path.join(ROOT, '.tmp', 'jdi-check'));
    const run = new Expect(javaExecutable('java'), ['-Xmx64m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-cp', classes, 'jdicheck.FabricJdiCheck', 'vm-death', String(proxy!.vm.address.port)]);
    try {
      await run.expect(/^READY die$/m, 20_000);
      await die();
      run.send('GO');
      const code = await Promise.race([run.exited, sleep(30_000).then(() => 'timeout')]);
      const transcript = run.transcript;
      assert.deepEqual(transcript.split('\n').filter((l) => l.startsWith('FAIL ')), [], `JDI saw it as of one JVM\n${transcript}${context()}`);
      assert.equal(code, 0, `exit code\n${transcript}${context()}`);
      return transcript;
    } finally {
      await run.kill();
    }
  }

  it('JDI: a stopping proxy gives VMDeath (unasked and requested), then VMDisconnect', async () => {
    proxy = await startProxy(await startStormNodes(jvms, 1, 0));
    const p = proxy;
    await jdiVmDeath(() => p.close());
  });

  it('JDI: with --exit-with-last-node, ThreadDeaths, then VMDeath, then VMDisconnect when the last node exits', async () => {
    const nodes = await startStormNodes(jvms, 1, 0);
    proxy = await startProxy(nodes, { exitWithLastNode: true });
    const transcript = await jdiVmDeath(async () => {
      nodes[0].process.kill('SIGTERM');
    });
    assert.match(transcript, /INFO events \[ThreadDeath/, 'ThreadDeath events came first');
  });

  it('--hold-start: nodes started with suspend=y wait for the debugger, which gets one VMStart and sets requests before they run', async () => {
    const nodes = await Promise.all([startStormNode(jvms, false, { suspend: true }), startStormNode(jvms, true, { suspend: true })]);
    proxy = await startProxy(nodes, { holdStart: true });
    await sleep(1_000);
    for (const n of nodes) assert.ok(!n.output.includes('storm ready'), `a held node does not run before a debugger attaches${context()}`);
    rec = await record(proxy);
    await until('a VMStart', () => rec!.log.length > 0, 5_000).catch((err: Error) => assert.fail(`${err.message}${context()}`));
    const start = rec.composites[0];
    assert.equal(start.events[0].eventKind, K.VM_START, `the first event is VMStart${context()}`);
    assert.equal(start.suspendPolicy, P.ALL, `VMStart suspends all${context()}`);
    const { requestID } = await rec.client.EventRequest.Set(K.CLASS_PREPARE, P.NONE, [{ modKind: 5, classPattern: 'fixture.Storm' }]);
    await rec.client.VirtualMachine.Resume();
    // The class loads after the request was set (the second node's ClassPrepare of the same class is absorbed).
    await until('a ClassPrepare of fixture.Storm', () => rec!.log.includes(`ClassPrepare ${requestID}`));
    await Promise.all(nodes.map((n) => printed(n, 'storm ready')));
    assert.equal(rec.log.filter((l) => l.startsWith('VMStart')).length, 1, `one VMStart${context()}`);
  });
});
