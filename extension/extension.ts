import * as vscode from 'vscode';
import { FabricDebugSession } from '../adapter/session';
import { DEBUG_TYPE } from './config';
import { FabricView } from './fabric-view';
import { COMMANDS, isRefreshTrigger } from './ids';
import { FabricConfigurationProvider } from './provider';

/** Registers the jdwp-fabric debugger (its adapter runs inside the extension host), the Fabric view and its command. */
export function activate(context: vscode.ExtensionContext): void {
  const view = new FabricView();
  context.subscriptions.push(
    view,
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new FabricConfigurationProvider()),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: () => new vscode.DebugAdapterInlineImplementation(new FabricDebugSession()),
    }),
    vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (message) => {
          if (isRefreshTrigger(message)) view.refreshSoon(session);
        },
      }),
    }),
    vscode.commands.registerCommand(COMMANDS.refresh, () => view.refresh()),
  );
}

/** Nothing to do: every resource is in the context's subscriptions. */
export function deactivate(): void {}
