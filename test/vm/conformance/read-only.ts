// The calls a --read-only proxy must refuse: one per command rules.ts marks readOnly, each with arguments that a
// proxy without --read-only would accept, built in a fresh session over the same nodes.
import type { JdwpClient } from '../../../jdwp/client/client';
import type { ArrayID, ClassID, FrameID, InterfaceID, ObjectID, ThreadID } from '../../../jdwp/protocol/wire-types';
import { suspendedThreads } from '../support';
import { classFile } from './vm-set';
import { fieldOf, int, methodOf, SINGLE, slotOf, T, threadsByName, typeId, typeView } from './world';

/** What the refused calls act on, to check afterwards that nothing changed. */
export interface ReadOnlyStage {
  calls: Record<string, () => Promise<unknown>>;
  /**
   * Fixture.counter as the focus node sees it, main()'s args[0], the sleeper thread's status, and every suspended
   * thread with its count, read back after the calls.
   */
  observe(): Promise<{ counter: unknown; arg: unknown; sleeper: unknown; suspended: string[] }>;
  /** Resumes what the stage suspended. */
  release(): Promise<void>;
}

/** Suspends node-1's main thread and builds one call per read-only command. */
export async function readOnlyStage(vm: JdwpClient): Promise<ReadOnlyStage> {
  const fixture = await typeView(vm, 'Lfixture/Fixture;');
  const probe = await typeView(vm, 'Lconform/Probe;');
  const shape = await typeView(vm, 'Lconform/Probe$Shape;');
  const thread = await typeView(vm, 'Ljava/lang/Thread;');
  const byName = await threadsByName(vm);
  const main = byName.get('[node-1] main') as ThreadID;
  // node-1's sleeper was interrupted by the ThreadReference.Interrupt scenario; node-2's sleeps on.
  const sleeper = byName.get('[node-2] fixture-sleeper') as ThreadID;
  const oome = await typeId(vm, 'Ljava/lang/OutOfMemoryError;');
  const throwable = (await vm.ReferenceType.Instances(oome, 0)).instances.find((i) => slotOf(i.objectID) === slotOf(sleeper))!.objectID as ObjectID;
  await vm.ThreadReference.Suspend(main);
  const { frames } = await vm.ThreadReference.Frames(main, 0, -1);
  const mainFrame = frames.find((f) => f.location.methodID === methodOf(fixture, 'main'))!;
  const { slots } = await vm.Method.VariableTable(fixture.id, methodOf(fixture, 'main'));
  const argsSlot = slots.find((s) => s.name === 'args')!.slot;
  const readArgs = async () => (await vm.StackFrame.GetValues(main, mainFrame.frameID, [{ slot: argsSlot, sigbyte: T.ARRAY }])).values[0].value as ArrayID;
  const args = await readArgs();
  const { stringObject } = await vm.VirtualMachine.CreateString('1');
  const counter = fieldOf(fixture, 'counter');
  const intArray = await typeId(vm, '[I');
  const calls: Record<string, () => Promise<unknown>> = {
    'VirtualMachine.Exit': () => vm.VirtualMachine.Exit(0),
    'VirtualMachine.Suspend': () => vm.VirtualMachine.Suspend(),
    'VirtualMachine.SetDefaultStratum': () => vm.VirtualMachine.SetDefaultStratum('Fabric'),
    'ThreadReference.Stop': () => vm.ThreadReference.Stop(sleeper, throwable),
    'ThreadReference.Interrupt': () => vm.ThreadReference.Interrupt(sleeper),
    'VirtualMachine.RedefineClasses': () => vm.VirtualMachine.RedefineClasses([{ refType: fixture.id, classfile: [...classFile('fixture.Fixture')] }]),
    'ClassType.SetValues': () => vm.ClassType.SetValues(fixture.id as ClassID, [{ fieldID: counter, value: int(-1) }]),
    'ClassType.InvokeMethod': () => vm.ClassType.InvokeMethod(fixture.id as ClassID, main, methodOf(fixture, 'add'), [int(1), int(2)], SINGLE),
    'ClassType.NewInstance': () => vm.ClassType.NewInstance(probe.id as ClassID, main, methodOf(probe, '<init>()V'), [], SINGLE),
    'ArrayType.NewInstance': () => vm.ArrayType.NewInstance(intArray as never, 1),
    'InterfaceType.InvokeMethod': () => vm.InterfaceType.InvokeMethod(shape.id as InterfaceID, main, methodOf(shape, 'pid'), [], SINGLE),
    'ObjectReference.SetValues': () => vm.ObjectReference.SetValues(main as ObjectID, [{ fieldID: fieldOf(thread, 'priority'), value: int(1) }]),
    'ObjectReference.InvokeMethod': () => vm.ObjectReference.InvokeMethod(main as ObjectID, main, thread.id as ClassID, methodOf(thread, 'getName()Ljava/lang/String;'), [], SINGLE),
    'ThreadReference.ForceEarlyReturn': () => vm.ThreadReference.ForceEarlyReturn(main, { tag: T.VOID, value: undefined }),
    'ArrayReference.SetValues': () => vm.ArrayReference.SetValues(args, 0, [{ tag: T.OBJECT, value: stringObject }]),
    'StackFrame.SetValues': () => vm.StackFrame.SetValues(main, mainFrame.frameID, [{ slot: argsSlot, slotValue: { tag: T.ARRAY, value: 0n as ObjectID } }]),
    'StackFrame.PopFrames': () => vm.StackFrame.PopFrames(main, frames[0].frameID as FrameID),
  };
  return {
    calls,
    async observe() {
      const sleeperStatus = await vm.ThreadReference.Status(sleeper);
      const suspended = await suspendedThreads(vm);
      // Reading main's frame makes node-1 the focus node again, whose counter stands still while main is suspended.
      const elements = await vm.ArrayReference.GetValues(await readArgs(), 0, 1);
      const { values } = await vm.ReferenceType.GetValues(fixture.id, [{ fieldID: counter }]);
      const arg = await vm.StringReference.Value(elements.values.values[0].value as ObjectID);
      return { counter: values[0].value, arg: arg.stringValue, sleeper: sleeperStatus, suspended };
    },
    release: async () => {
      await vm.ThreadReference.Resume(main);
    },
  };
}
