import type { JdwpClient } from '../../jdwp/client/client';
import type { Location } from '../../jdwp/protocol/wire-types';
import { JDWP } from '../../jdwp/registry';

/** The first location of a source line in a loaded class (by its Java name), in whichever method has code there. */
export async function lineLocation(vm: JdwpClient, className: string, line: number): Promise<Location> {
  const { classes } = await vm.VirtualMachine.ClassesBySignature(`L${className.replace(/\./g, '/')};`);
  if (!classes.length) throw new Error(`${className} is not loaded`);
  const type = classes[0].typeID;
  for (const m of (await vm.ReferenceType.Methods(type)).declared) {
    const { lines } = await vm.Method.LineTable(type, m.methodID).catch(() => ({ lines: [] as Array<{ lineNumber: number; lineCodeIndex: bigint }> }));
    const row = lines.find((l) => l.lineNumber === line);
    if (row) return { typeTag: JDWP.TypeTag.CLASS, classID: type as never, methodID: m.methodID, index: row.lineCodeIndex };
  }
  throw new Error(`no code at ${className}:${line}`);
}
