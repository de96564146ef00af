import * as vscode from 'vscode';
import { NODE_EVENTS_ATTRIBUTE } from '../adapter/node-sessions';
import { ConfigError } from '../adapter/launch-schema';
import { DEFAULT_CONFIGURATION, isEmptyConfiguration, resolveConfiguration } from './config';

/** Fills in the defaults of jdwp-fabric configurations and rejects invalid ones with a numbered message. */
export class FabricConfigurationProvider implements vscode.DebugConfigurationProvider {
  /** Without launch.json, attaches to localhost:5005. */
  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration {
    return isEmptyConfiguration(config) ? { ...DEFAULT_CONFIGURATION } : config;
  }

  /** Validates the configuration once variables are substituted, and fills in the defaults. */
  async resolveDebugConfigurationWithSubstitutedVariables(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | null | undefined> {
    try {
      const resolved = resolveConfiguration(config, {
        folder: folder?.uri.fsPath,
        folders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
      });
      // The extension starts node sessions itself (extension.ts), with a Debug Console merged into the cluster's.
      return { ...resolved, [NODE_EVENTS_ATTRIBUTE]: true };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const choice = await vscode.window.showErrorMessage(`jdwp-fabric [${err.code}]: ${err.message}`, 'Open launch.json');
      // null makes VS Code open launch.json, undefined just cancels the start.
      return choice ? null : undefined;
    }
  }
}
