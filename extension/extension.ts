import * as vscode from 'vscode';
import { FabricDebugSession } from '../adapter/session';
import { NODE_SESSION_EVENT, NODE_SESSION_FAILED, nodeTargetOf } from '../adapter/node-sessions';
import { DEBUG_TYPE } from './config';
import { FabricView } from './fabric-view';
import { ADAPTER_SETTING, COMMANDS, isRefreshTrigger } from './ids';
import { FabricConfigurationProvider } from './provider';

/**
 * The debug adapter of a new session: inline in the extension host, or the bundled standalone adapter as a
 * process. A node's session (started by the cluster's session) connects to the port its parent serves it on.
 */
function adapterDescriptor(context: vscode.ExtensionContext, session: vscode.DebugSession): vscode.DebugAdapterDescriptor {
  const node = nodeTargetOf(session.configuration);
  if (node) return new vscode.DebugAdapterServer(node.port, node.host);
  if (vscode.workspace.getConfiguration().get<string>(ADAPTER_SETTING) === 'process') {
    // In desktop VS Code the extension host's executable is Electron, which runs as plain Node with this variable.
    return new vscode.DebugAdapterExecutable(process.execPath, [context.asAbsolutePath('dist/adapter.js')], { env: { ELECTRON_RUN_AS_NODE: '1' } });
  }
  return new vscode.DebugAdapterInlineImplementation(new FabricDebugSession());
}

/**
 * Starts a node's session under the cluster's session that asked for it, sharing its Debug Console (where logpoints
 * print); tells the cluster's session when VS Code refuses, so that it lists every thread itself again.
 */
async function startNodeSession(parent: vscode.DebugSession, configuration: vscode.DebugConfiguration): Promise<void> {
  let message = 'VS Code did not start it';
  try {
    const options: vscode.DebugSessionOptions = { parentSession: parent, consoleMode: vscode.DebugConsoleMode.MergeWithParent, lifecycleManagedByParent: false };
    if (await vscode.debug.startDebugging(parent.workspaceFolder, configuration, options)) return;
  } catch (err) {
    message = err instanceof Error ? err.message : String(err);
  }
  await Promise.resolve(parent.customRequest(NODE_SESSION_FAILED, { name: configuration.name, message })).catch(() => undefined);
}

/** Registers the jdwp-fabric debugger, the Fabric view, the status bar item and the refresh command. */
export function activate(context: vscode.ExtensionContext): void {
  const view = new FabricView();
  context.subscriptions.push(
    view,
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new FabricConfigurationProvider()),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: (session) => adapterDescriptor(context, session),
    }),
    vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (message) => {
          if (isRefreshTrigger(message)) view.refreshSoon(session);
        },
      }),
    }),
    vscode.commands.registerCommand(COMMANDS.refresh, () => view.refresh()),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type === DEBUG_TYPE && e.event === NODE_SESSION_EVENT) void startNodeSession(e.session, e.body.configuration);
    }),
  );
}

/** Nothing to do: every resource is in the context's subscriptions. */
export function deactivate(): void {}
