import * as assert from 'node:assert/strict';
import type * as net from 'node:net';
import { JdwpClient } from '../../jdwp/client/client';
import { FabricErrorCode, JdwpReplyError, type FabricError } from '../../jdwp/errors';
import { JDWP } from '../../jdwp/registry';
import { tagOfSignature } from '../../jdwp/codec/tags';
import type { ArrayID, ClassID, FrameID, Location, MethodID, ObjectID, StringID, ThreadID, Value } from '../../jdwp/protocol/wire-types';
import type { Jvm } from '../../jdwp/launch/java';
import { FIXTURE_PRIMITIVE_LOCALS, fixturePrimitiveValues, killAll, lineOf } from '../support/fixtures';
import { codeIndexOfLine, connectFixture, EventQueue, fixtureClass, isKind, lineOfIndex, stopAt, type ConnectMode, type FixtureClass } from './debuggee';

const BREAK_LINE = lineOf('fixture/Fixture.java', 'BREAK_LINE');
const ch = (c: string) => c.charCodeAt(0);

for (const mode of ['attach', 'dial-in'] as ConnectMode[]) {
  describe(`typed client against a real JVM (${mode})`, function () {
    this.timeout(20_000);
    const jvms: Jvm[] = [];
    const servers: net.Server[] = [];
    let vm: JdwpClient;
    let jvm: Jvm;
    let events: EventQueue;
    let fixture: FixtureClass;
    let main: ThreadID;
    let sleeper: ThreadID;
    let stop: { thread: ThreadID; location: Location };
    let frame0: FrameID;
    let locals: Map<string, Value>;
    const method = (name: string): MethodID => {
      const id = fixture.methods.get(name);
      assert.ok(id !== undefined, `method ${name}`);
      return id;
    };

    before(async () => {
      ({ vm, jvm } = await connectFixture(jvms, mode, servers));
      events = new EventQueue(vm);
    });

    after(async () => {
      vm?.close();
      for (const s of servers) s.close();
      await killAll(jvms);
    });

    it('reads Version, IDSizes, Capabilities and CapabilitiesNew', async () => {
      const [version, sizes, caps, capsNew] = await Promise.all([
        vm.VirtualMachine.Version(),
        vm.VirtualMachine.IDSizes(),
        vm.VirtualMachine.Capabilities(),
        vm.VirtualMachine.CapabilitiesNew(),
      ]);
      const feature = Number(/^(\d+)/.exec(version.vmVersion)?.[1]);
      assert.equal(version.jdwpMajor, feature, `JDWP major matches the JDK feature release ${version.vmVersion}`);
      assert.ok(version.description.includes(version.vmVersion), version.description);
      assert.match(version.vmName, /VM/);
      for (const [k, v] of Object.entries(sizes)) assert.ok(Number.isInteger(v) && v >= 1 && v <= 8, `${k}=${v}`);
      assert.deepEqual(vm.sizes, sizes, 'the client uses the sizes the VM reports');
      assert.equal(Object.keys(capsNew).length, 32);
      for (const k of Object.keys(caps)) assert.equal((capsNew as unknown as Record<string, boolean>)[k], (caps as unknown as Record<string, boolean>)[k], k);
      assert.equal(capsNew.canGetBytecodes, true);
      assert.equal(capsNew.canRedefineClasses, true);
      assert.ok(Object.values(capsNew).every((v) => typeof v === 'boolean'));
    });

    it('lists AllThreads with their names and groups', async () => {
      const { threads } = await vm.VirtualMachine.AllThreads();
      const named = await Promise.all(
        threads.map(async (t) => {
          const [{ threadName }, { group }] = await Promise.all([vm.ThreadReference.Name(t), vm.ThreadReference.ThreadGroup(t)]);
          return { t, threadName, group, groupName: (await vm.ThreadGroupReference.Name(group)).groupName };
        }),
      );
      const byName = new Map(named.map((n) => [n.threadName, n]));
      assert.ok(byName.has('main') && byName.has('fixture-sleeper'), [...byName.keys()].join(', '));
      main = byName.get('main')!.t;
      sleeper = byName.get('fixture-sleeper')!.t;
      assert.equal(byName.get('main')!.groupName, 'main');
      const { groups } = await vm.VirtualMachine.TopLevelThreadGroups();
      assert.deepEqual(await Promise.all(groups.map(async (g) => (await vm.ThreadGroupReference.Name(g)).groupName)), ['system']);
      const children = await vm.ThreadGroupReference.Children(groups[0]);
      assert.ok(children.childGroups.includes(byName.get('main')!.group), 'main is a child group of system');
    });

    it('finds classes by signature, their methods, line tables and variable tables', async () => {
      fixture = await fixtureClass(vm);
      const { classes } = await vm.VirtualMachine.ClassesBySignature('Lfixture/Fixture;');
      assert.equal(classes[0].refTypeTag, JDWP.TypeTag.CLASS);
      assert.equal(classes[0].status & JDWP.ClassStatus.INITIALIZED, JDWP.ClassStatus.INITIALIZED);
      assert.deepEqual((await vm.VirtualMachine.ClassesBySignature('Lno/Such;')).classes, []);
      for (const m of ['<init>', 'twice', 'add', 'work', 'main']) method(m);
      const generic = await vm.ReferenceType.MethodsWithGeneric(fixture.classID);
      assert.deepEqual(new Map(generic.declared.map((m) => [m.name, m.methodID])), fixture.methods);
      assert.equal(generic.declared.find((m) => m.name === 'add')!.signature, '(II)I');
      assert.equal(generic.declared.find((m) => m.name === 'add')!.genericSignature, '');

      const lines = await vm.Method.LineTable(fixture.classID, method('work'));
      assert.ok(lines.lines.some((l) => l.lineNumber === BREAK_LINE), `line ${BREAK_LINE} in work()`);
      assert.ok(lines.start >= 0n && lines.end > lines.start);
      const vars = await vm.Method.VariableTable(fixture.classID, method('work'));
      assert.equal(vars.argCnt, 1);
      const sig = new Map(vars.slots.map((s) => [s.name, s.signature]));
      assert.deepEqual(
        ['round', 'z', 'b', 'c', 's', 'i', 'l', 'f', 'd', 'str', 'arr', 'obj'].map((n) => sig.get(n)),
        ['I', 'Z', 'B', 'C', 'S', 'I', 'J', 'F', 'D', 'Ljava/lang/String;', '[I', 'Lfixture/Fixture;'],
      );
    });

    it('stops at a breakpoint set by EventRequest.Set and receives its Breakpoint composite', async () => {
      const index = await codeIndexOfLine(vm, fixture.classID, method('work'), BREAK_LINE);
      const location: Location = { typeTag: JDWP.TypeTag.CLASS, classID: fixture.classID, methodID: method('work'), index };
      stop = await stopAt(vm, events, location);
      assert.equal(stop.thread, main, 'the main thread hit it');
      assert.deepEqual(stop.location, location);
      const { suspendCount } = await vm.ThreadReference.SuspendCount(main);
      assert.equal(suspendCount, 1, 'suspended by the event');
    });

    it('reads Frames and the locals of every kind with StackFrame.GetValues', async () => {
      const [{ frames }, { frameCount }] = await Promise.all([vm.ThreadReference.Frames(main, 0, -1), vm.ThreadReference.FrameCount(main)]);
      assert.equal(frames.length, frameCount);
      assert.deepEqual(frames[0].location, stop.location);
      assert.equal(frames[1].location.methodID, method('main'));
      frame0 = frames[0].frameID;
      assert.deepEqual((await vm.ThreadReference.Frames(main, 1, 1)).frames, [frames[1]]);

      const vars = await vm.Method.VariableTable(fixture.classID, method('work'));
      const live = vars.slots.filter((s) => s.codeIndex <= stop.location.index && stop.location.index < s.codeIndex + BigInt(s.length));
      const { values } = await vm.StackFrame.GetValues(main, frame0, live.map((s) => ({ slot: s.slot, sigbyte: tagOfSignature(s.signature) })));
      locals = new Map(live.map((s, k) => [s.name, values[k]]));
      const round = locals.get('round')!;
      assert.equal(round.tag, ch('I'));
      const r = round.value as number;
      assert.deepEqual(FIXTURE_PRIMITIVE_LOCALS.map((n) => locals.get(n)), fixturePrimitiveValues(r));
      assert.equal(locals.get('str')!.tag, ch('s'), 'a String comes back tagged STRING');
      assert.equal(locals.get('arr')!.tag, ch('['), 'an array comes back tagged ARRAY');
      assert.equal(locals.get('obj')!.tag, ch('L'));
      assert.ok(!locals.has('total'), 'total is not live before its line runs');
    });

    it('reads a String, an int[] and the Fixture object', async () => {
      const r = locals.get('round')!.value as number;
      const str = locals.get('str')!.value as StringID;
      assert.equal((await vm.StringReference.Value(str)).stringValue, `round-${r}`);

      const arr = locals.get('arr')!.value as ArrayID;
      assert.equal((await vm.ArrayReference.Length(arr)).arrayLength, 3);
      assert.deepEqual(await vm.ArrayReference.GetValues(arr, 0, 3), {
        values: { tag: ch('I'), values: [1, 2, 3].map((value) => ({ tag: ch('I'), value })) },
      });

      const obj = locals.get('obj')!.value as ObjectID;
      const { refTypeTag, typeID } = await vm.ObjectReference.ReferenceType(obj);
      assert.equal(refTypeTag, JDWP.TypeTag.CLASS);
      assert.equal(typeID, fixture.classID);
      const { declared } = await vm.ReferenceType.Fields(fixture.classID);
      const field = new Map(declared.map((f) => [f.name, f.fieldID]));
      const { values } = await vm.ObjectReference.GetValues(obj, ['id', 'name', 'next'].map((n) => ({ fieldID: field.get(n)! })));
      assert.deepEqual(values[0], { tag: ch('I'), value: r });
      assert.equal(values[1].tag, ch('s'));
      assert.equal((await vm.StringReference.Value(values[1].value as StringID)).stringValue, `obj-${r}`);
      assert.deepEqual(values[2], { tag: ch('L'), value: 0n }, 'next is null');
      const statics = await vm.ReferenceType.GetValues(fixture.classID, [{ fieldID: field.get('greeting')! }]);
      assert.equal((await vm.StringReference.Value(statics.values[0].value as StringID)).stringValue, 'hello');
    });

    it('invokes a static method with ClassType.InvokeMethod and an instance method twice with ObjectReference.InvokeMethod', async () => {
      const single = JDWP.InvokeOptions.INVOKE_SINGLE_THREADED;
      const sum = await vm.ClassType.InvokeMethod(fixture.classID as ClassID, main, method('add'), [{ tag: ch('I'), value: 40 }, { tag: ch('I'), value: 2 }], single);
      assert.deepEqual(sum.returnValue, { tag: ch('I'), value: 42 });
      assert.equal(sum.exception.objectID, 0n);
      const obj = locals.get('obj')!.value as ObjectID;
      for (const x of [21, -8]) {
        const twice = await vm.ObjectReference.InvokeMethod(obj, main, fixture.classID, method('twice'), [{ tag: ch('I'), value: x }], single);
        assert.deepEqual(twice.returnValue, { tag: ch('I'), value: 2 * x });
        assert.equal(twice.exception.objectID, 0n);
      }
      assert.equal((await vm.ThreadReference.SuspendCount(main)).suspendCount, 1, 'still suspended after the invokes');
    });

    it('steps over one line with a SingleStep request', async () => {
      const { requestID } = await vm.EventRequest.Set(JDWP.EventKind.SINGLE_STEP, JDWP.SuspendPolicy.EVENT_THREAD, [
        { modKind: 10, thread: main, size: JDWP.StepSize.LINE, depth: JDWP.StepDepth.OVER },
        { modKind: 1, count: 1 },
      ]);
      await vm.ThreadReference.Resume(main);
      const { event } = await events.next(isKind(JDWP.EventKind.SINGLE_STEP, requestID));
      await vm.EventRequest.Clear(JDWP.EventKind.SINGLE_STEP, requestID);
      assert.equal(event.thread, main);
      assert.equal(event.location.methodID, method('work'));
      assert.equal(await lineOfIndex(vm, fixture.classID, method('work'), event.location.index), BREAK_LINE + 1);
    });

    it('suspends and resumes one thread', async () => {
      const status = async (t: ThreadID) => {
        const [{ suspendCount }, { suspendStatus }] = await Promise.all([vm.ThreadReference.SuspendCount(t), vm.ThreadReference.Status(t)]);
        return { suspendCount, suspended: (suspendStatus & JDWP.SuspendStatus.SUSPEND_STATUS_SUSPENDED) !== 0 };
      };
      assert.deepEqual(await status(main), { suspendCount: 1, suspended: true }, 'suspended by the step');
      await vm.ThreadReference.Resume(main);
      assert.deepEqual(await status(main), { suspendCount: 0, suspended: false });
      await vm.ThreadReference.Suspend(sleeper);
      await vm.ThreadReference.Suspend(sleeper);
      assert.deepEqual(await status(sleeper), { suspendCount: 2, suspended: true });
      assert.equal((await vm.ThreadReference.Status(sleeper)).threadStatus, JDWP.ThreadStatus.SLEEPING);
      assert.deepEqual(await status(main), { suspendCount: 0, suspended: false }, 'the other thread runs on');
      await vm.ThreadReference.Resume(sleeper);
      await vm.ThreadReference.Resume(sleeper);
      assert.deepEqual(await status(sleeper), { suspendCount: 0, suspended: false });
    });

    it('suspends and resumes the whole VM', async () => {
      const counts = async () => Promise.all([main, sleeper].map(async (t) => (await vm.ThreadReference.SuspendCount(t)).suspendCount));
      await vm.VirtualMachine.Suspend();
      assert.deepEqual(await counts(), [1, 1]);
      const { frames } = await vm.ThreadReference.Frames(main, 0, 1);
      assert.equal(frames.length, 1, 'a suspended thread shows its frames');
      await vm.VirtualMachine.Resume();
      assert.deepEqual(await counts(), [0, 0]);
      await assert.rejects(vm.ThreadReference.Frames(main, 0, 1), (e: JdwpReplyError) => e.errorName === 'THREAD_NOT_SUSPENDED');
    });

    it('turns error replies into typed errors and keeps a raw escape hatch', async () => {
      await assert.rejects(vm.ThreadReference.Name(0x7eadbeefn as ThreadID), (e: unknown) => {
        assert.ok(e instanceof JdwpReplyError);
        assert.equal(e.code, FabricErrorCode.JDWP_ERROR);
        assert.ok([JDWP.Error.INVALID_OBJECT, JDWP.Error.INVALID_THREAD].includes(e.errorCode as 20 | 10), `code ${e.errorCode}`);
        assert.equal(e.errorName, e.errorCode === 20 ? 'INVALID_OBJECT' : 'INVALID_THREAD');
        return true;
      });
      const reply = await vm.raw(1, 1, Buffer.alloc(0));
      assert.equal(reply.errorCode, 0);
      const len = reply.data.readInt32BE(0);
      assert.equal(reply.data.toString('utf8', 4, 4 + len), (await vm.VirtualMachine.Version()).description);
    });

    it('disposes, leaving the VM running' + (mode === 'attach' ? ' and ready for another attach' : ''), async () => {
      await vm.dispose();
      assert.ok(vm.connection.closed);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(jvm.process.exitCode, null, 'the JVM still runs');
      if (mode === 'dial-in') return; // A JVM started with server=n dials once; there is nothing to attach to again.
      // The agent listens again once it has cleaned up after the last debugger; give it a moment.
      let again: JdwpClient | undefined;
      for (let tries = 0; !again; tries++) {
        again = await JdwpClient.attach({ host: '127.0.0.1', port: jvm.port }).catch((e: unknown) => {
          if (tries >= 50 || (e as FabricError).code !== FabricErrorCode.CONNECT_FAILED) throw e;
          return new Promise<undefined>((r) => setTimeout(() => r(undefined), 100));
        });
      }
      try {
        const f = await fixtureClass(again);
        const { declared } = await again.ReferenceType.Fields(f.classID);
        const counter = [{ fieldID: declared.find((d) => d.name === 'counter')!.fieldID }];
        const read = async () => (await again.ReferenceType.GetValues(f.classID, counter)).values[0].value as number;
        const first = await read();
        let later = first;
        for (let waited = 0; later === first && waited < 5000; waited += 50) {
          await new Promise((r) => setTimeout(r, 50));
          later = await read();
        }
        assert.ok(later > first, `the fixture loop keeps running (${first} -> ${later})`);
      } finally {
        await again.dispose();
      }
    });
  });
}
