import { JdwpReplyError } from '../errors';
import { JDWP } from '../registry';
import type { JdwpClient } from './client';

/**
 * True when the VM is the jdwp-fabric virtual VM. It names itself in VirtualMachine.Version; only then is the
 * Fabric set (128) probed, because HotSpot's agent (JDK 17) does not answer NOT_IMPLEMENTED to a command set it
 * does not know: it crashes or drops the connection.
 */
export async function isVirtualVm(vm: JdwpClient, version: { vmName: string; description: string }): Promise<boolean> {
  if (!version.vmName.includes('jdwp-fabric') && !version.description.includes('jdwp-fabric')) return false;
  try {
    await vm.Fabric.Nodes();
    return true;
  } catch (err) {
    if (err instanceof JdwpReplyError && err.errorCode === JDWP.Error.NOT_IMPLEMENTED) return false;
    throw err;
  }
}
