import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JdwpClient } from '../../jdwp/client/client';
import { connectVm } from '../../jdwp/client/connect';
import type { ClassID, MethodID, ThreadID } from '../../jdwp/protocol/wire-types';
import { JdwpReplyError } from '../../jdwp/errors';
import { AuditLog } from '../../jdwp/guard/audit';
import { TokenStore } from '../../jdwp/guard/tokens';
import type { Jvm } from '../../jdwp/launch/java';
import { JDWP } from '../../jdwp/registry';
import type { Event_Composite_Event } from '../../jdwp/protocol/spec-types';
import { runCli } from '../cli/support';
import { killAll, lineOf, tmpDir } from '../support/fixtures';
import { debuggerGone, startNodes, startProxy, type ProxyUnderTest } from '../vm/support';

const K = JDWP.EventKind;
const P = JDWP.SuspendPolicy;
const T = JDWP.Tag;

/** The fixture's class, its method `name`, and the code index of BREAK_LINE when it is `work`. */
async function fixtureMethod(vm: JdwpClient, name: string): Promise<{ classID: ClassID; methodID: MethodID; index: bigint }> {
  const { classes } = await vm.VirtualMachine.ClassesBySignature('Lfixture/Fixture;');
  const classID = classes[0].typeID as ClassID;
  const { declared } = await vm.ReferenceType.Methods(classID);
  const methodID = declared.find((m) => m.name === name)!.methodID as MethodID;
  let index = 0n;
  if (name === 'work') {
    const { lines } = await vm.Method.LineTable(classID, methodID);
    index = lines.find((l) => l.lineNumber === lineOf('fixture/Fixture.java', 'BREAK_LINE'))!.lineCodeIndex;
  }
  return { classID, methodID, index };
}

describe('the audit log', function () {
  this.timeout(90_000);
  const jvms: Jvm[] = [];
  let proxy: ProxyUnderTest;
  let dir: string;
  let file: string;

  before(async () => {
    dir = tmpDir('audit-');
    file = path.join(dir, 'audit.jsonl');
    const tokens = path.join(dir, 'tokens.json');
    const hash = (t: string) => createHash('sha256').update(t).digest('hex');
    fs.writeFileSync(tokens, JSON.stringify([{ name: 'alice', sha256: hash('alice token'), role: 'full' }, { name: 'bob', sha256: hash('bob token'), role: 'read-only' }]));
    await startNodes(jvms, 2);
    proxy = await startProxy(jvms, { listenWs: '127.0.0.1:0', tokens: new TokenStore(tokens), audit: AuditLog.open(file) });
  });

  after(async () => {
    await proxy?.close();
    await killAll(jvms);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an audit file it cannot open with error 1061', async () => {
    const run = await runCli(['proxy', '--listen', '127.0.0.1:0', '--audit', path.join(dir, 'no-such-dir', 'audit.jsonl')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr.join('\n'), /error 1061: cannot open the audit log/);
  });

  it('has exactly one line per session start and end and per command that changes the target, refused ones too, and nothing of the application\'s memory', async () => {
    // alice (full): a breakpoint, an invocation and a static field set on the node that hit, the breakpoint cleared.
    let vm = await connectVm(proxy.vm.wsUrl!, { token: 'alice token', requestTimeoutMs: 10_000 });
    const work = await fixtureMethod(vm, 'work');
    const add = await fixtureMethod(vm, 'add');
    const hit = new Promise<ThreadID>((resolve) => {
      vm.on('event', (e: Event_Composite_Event) => {
        for (const ev of e.events) if (ev.eventKind === K.BREAKPOINT) resolve(ev.thread as ThreadID);
      });
    });
    const { requestID } = await vm.EventRequest.Set(K.BREAKPOINT, P.EVENT_THREAD, [{ modKind: 7, loc: { typeTag: 1, classID: work.classID, methodID: work.methodID, index: work.index } }, { modKind: 1, count: 1 }]);
    const thread = await hit;
    const { threadName } = await vm.ThreadReference.Name(thread);
    const node = /^\[([^\]]+)\]/.exec(threadName)![1];
    const sum = await vm.ClassType.InvokeMethod(work.classID, thread, add.methodID, [{ tag: T.INT, value: 40 }, { tag: T.INT, value: 2 }], JDWP.InvokeOptions.INVOKE_SINGLE_THREADED);
    assert.equal(sum.returnValue.value, 42);
    const { declared } = await vm.ReferenceType.Fields(work.classID);
    const counter = declared.find((f) => f.name === 'counter')!.fieldID;
    await vm.ClassType.SetValues(work.classID, [{ fieldID: counter, value: { tag: T.INT, value: 987654 } }]);
    await vm.ThreadReference.Resume(thread);
    await vm.EventRequest.Clear(K.BREAKPOINT, requestID);
    await vm.dispose();
    await debuggerGone(proxy.vm);

    // bob (read-only): an invocation and an Exit are refused.
    vm = await connectVm(proxy.vm.wsUrl!, { token: 'bob token', requestTimeoutMs: 10_000 });
    await assert.rejects(vm.ClassType.InvokeMethod(work.classID, thread, add.methodID, [{ tag: T.INT, value: 1 }, { tag: T.INT, value: 2 }], 0), (e) => e instanceof JdwpReplyError && e.errorName === 'NOT_IMPLEMENTED');
    await assert.rejects(vm.VirtualMachine.Exit(3), (e) => e instanceof JdwpReplyError && e.errorName === 'NOT_IMPLEMENTED');
    await vm.VirtualMachine.AllThreads();
    await vm.dispose();
    await debuggerGone(proxy.vm);

    const text = fs.readFileSync(file, 'utf8');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    for (const l of lines) assert.ok(!Number.isNaN(Date.parse(l.time)), l.time);
    const strip = ({ time, session, ...rest }: Record<string, unknown>) => rest;
    const at = { class: 'fixture.Fixture' };
    assert.deepEqual(lines.map(strip), [
      { event: 'session-start', who: 'alice', role: 'full' },
      { event: 'command', who: 'alice', command: 'EventRequest.Set', kind: 'breakpoint', ...at, method: 'work', node: null, outcome: 'ok' },
      { event: 'command', who: 'alice', command: 'ClassType.InvokeMethod', node, thread: String(thread), ...at, method: 'add', outcome: 'ok' },
      { event: 'command', who: 'alice', command: 'ClassType.SetValues', node: null, ...at, fields: ['counter'], outcome: 'ok' },
      { event: 'command', who: 'alice', command: 'EventRequest.Clear', kind: 'breakpoint', ...at, method: 'work', node: null, outcome: 'ok' },
      { event: 'session-end', who: 'alice', reason: 'Dispose' },
      { event: 'session-start', who: 'bob', role: 'read-only' },
      { event: 'command', who: 'bob', command: 'ClassType.InvokeMethod', node, thread: String(thread), ...at, method: 'add', outcome: 'refused', error: 'NOT_IMPLEMENTED' },
      { event: 'command', who: 'bob', command: 'VirtualMachine.Exit', node: null, outcome: 'refused', error: 'NOT_IMPLEMENTED' },
      { event: 'session-end', who: 'bob', reason: 'Dispose' },
    ]);
    assert.ok(lines.every((l) => typeof l.session === 'string' && l.session.startsWith('ws 127.0.0.1:')));
    assert.ok(!/987654|"42"|:42[,}]/.test(text), 'no value of the application');
  });
});
