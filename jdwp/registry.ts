import { Layout } from './codec/layout';
import type { CommandSetSpec, CommandSpec } from './protocol/kinds';
import { COMMAND_SETS, CONSTANTS } from './protocol/spec-table';
import { FABRIC_COMMAND_SETS } from './protocol/fabric-table';

/** A command of the table with its compiled layouts. */
export interface CommandInfo {
  readonly set: CommandSetSpec;
  readonly spec: CommandSpec;
  /** "CommandSet.Command", as the spec spells it. */
  readonly fullName: string;
  /** (set id << 8) | command id. */
  readonly key: number;
  /** The layout of the command packet's data (the event layout for Event.Composite). */
  readonly out: Layout;
  /** The layout of the reply's data; null for Event.Composite, which has no reply. */
  readonly reply: Layout | null;
}

const byKey = new Map<number, CommandInfo>();
const byName = new Map<string, CommandInfo>();

for (const set of [...COMMAND_SETS, ...FABRIC_COMMAND_SETS]) {
  for (const spec of set.commands) {
    const fullName = `${set.name}.${spec.name}`;
    const info: CommandInfo = {
      set,
      spec,
      fullName,
      key: (set.id << 8) | spec.id,
      out: new Layout(spec.out ?? spec.event ?? [], `${fullName} out`),
      reply: spec.reply ? new Layout(spec.reply, `${fullName} reply`) : null,
    };
    byKey.set(info.key, info);
    byName.set(fullName, info);
  }
}

/** The command with the given set and command numbers, if the table has it. */
export function commandById(setId: number, cmdId: number): CommandInfo | undefined {
  return byKey.get((setId << 8) | cmdId);
}

/** The command named "CommandSet.Command"; throws if the table lacks it. */
export function commandByName(fullName: string): CommandInfo {
  const info = byName.get(fullName);
  if (!info) throw new Error(`no such JDWP command: ${fullName}`);
  return info;
}

/** Every command of the table in spec order, then the vendor Fabric set. */
export function allCommands(): CommandInfo[] {
  return [...byKey.values()];
}

/** The Event.Composite command, which carries every event. */
export const COMPOSITE = commandByName('Event.Composite');

/** JDWP constants: Error, EventKind, Tag, TypeTag, SuspendPolicy, StepSize, StepDepth and the rest. */
export const JDWP = CONSTANTS;

/** The modifier kinds of EventRequest.Set by name (ThreadOnly: 3, LocationOnly: 7, ...), read from its out layout. */
export const MOD_KIND: Readonly<Record<string, number>> = (() => {
  const modifiers = commandByName('EventRequest.Set').spec.out!.find((f) => f.name === 'modifiers');
  const select = modifiers?.kind === 'repeat' ? modifiers.of : undefined;
  if (select?.kind !== 'select') throw new Error('EventRequest.Set has no modifier select in the protocol table');
  return Object.freeze(Object.fromEntries(select.alts.map((a) => [a.name, a.value])));
})();
