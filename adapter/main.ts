import { DebugSession } from '@vscode/debugadapter';
import { FabricDebugSession } from './session';

/** Runs the debug adapter on stdin and stdout (`jdwp-fabric dap`); with `--server=PORT` it serves DAP on a TCP port. */
export function runDebugAdapter(): void {
  DebugSession.run(FabricDebugSession);
}

export { FabricDebugSession };
