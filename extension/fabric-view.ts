import * as vscode from 'vscode';
import { DEBUG_TYPE } from './config';
import { FABRIC_VIEW_ID, DEFAULT_HEAP_POOL_TOP_N, FabricModel, present, statusText, type FabricItem } from './fabric-model';
import { ACTIVE_CONTEXT_KEY, TOP_N_SETTING } from './ids';
import { NODE_ATTRIBUTE } from '../adapter/node-sessions';

/** The cluster's session of a node's session (the view follows the cluster), else the session itself. */
function clusterOf(session: vscode.DebugSession): vscode.DebugSession {
  return session.configuration[NODE_ATTRIBUTE] && session.parentSession ? session.parentSession : session;
}

const REFRESH_DELAY_MS = 150;

/** The Fabric view and status bar item: follows the active jdwp-fabric session and shows its cluster. */
export class FabricView implements vscode.TreeDataProvider<FabricItem>, vscode.Disposable {
  private readonly models = new Map<string, { session: vscode.DebugSession; model: FabricModel }>();
  private readonly changed = new vscode.EventEmitter<FabricItem | undefined>();
  private readonly status = vscode.window.createStatusBarItem('jdwpFabric.status', vscode.StatusBarAlignment.Left, 50);
  private readonly tree: vscode.TreeView<FabricItem>;
  private readonly disposables: vscode.Disposable[] = [];
  private lastSessionId: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** Fires when the tree must be asked for its items again. */
  readonly onDidChangeTreeData = this.changed.event;

  constructor() {
    this.status.name = 'jdwp-fabric nodes';
    this.status.command = `${FABRIC_VIEW_ID}.focus`;
    this.status.tooltip = 'Nodes of the jdwp-fabric debug session; click to show the Fabric view';
    this.tree = vscode.window.createTreeView(FABRIC_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(
      this.tree,
      this.status,
      this.changed,
      vscode.debug.onDidStartDebugSession((s) => this.add(s)),
      vscode.debug.onDidTerminateDebugSession((s) => this.remove(s)),
      vscode.debug.onDidChangeActiveDebugSession(() => this.refreshSoon()),
    );
    for (const s of vscode.debug.activeDebugSession ? [vscode.debug.activeDebugSession] : []) this.add(s);
  }

  /** The session the view shows: the active one when it is ours, else the last one started. */
  private current(): { session: vscode.DebugSession; model: FabricModel } | undefined {
    const active = vscode.debug.activeDebugSession && clusterOf(vscode.debug.activeDebugSession);
    return (active && this.models.get(active.id)) ?? (this.lastSessionId ? this.models.get(this.lastSessionId) : undefined);
  }

  private add(session: vscode.DebugSession): void {
    if (session.type !== DEBUG_TYPE || this.models.has(session.id) || clusterOf(session) !== session) return;
    const topN = () => vscode.workspace.getConfiguration().get<number>(TOP_N_SETTING, DEFAULT_HEAP_POOL_TOP_N);
    const model = new FabricModel((command, args) => session.customRequest(command, args), topN);
    this.models.set(session.id, { session, model });
    this.lastSessionId = session.id;
    void vscode.commands.executeCommand('setContext', ACTIVE_CONTEXT_KEY, true);
    this.updateStatus();
  }

  private remove(session: vscode.DebugSession): void {
    if (!this.models.delete(session.id)) return;
    if (this.lastSessionId === session.id) this.lastSessionId = [...this.models.keys()].pop();
    if (!this.models.size) void vscode.commands.executeCommand('setContext', ACTIVE_CONTEXT_KEY, false);
    this.refreshSoon();
  }

  /** Fetches the current session's cluster again after a short delay that merges bursts of stop events. */
  refreshSoon(session?: vscode.DebugSession): void {
    if (session && session.type === DEBUG_TYPE) this.add(clusterOf(session));
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, REFRESH_DELAY_MS);
  }

  /** Fetches the current session's cluster again now. */
  async refresh(): Promise<void> {
    const entry = this.current();
    if (entry) await entry.model.refresh();
    this.updateStatus();
    this.changed.fire(undefined);
  }

  private updateStatus(): void {
    const entry = this.current();
    if (!entry) {
      this.status.hide();
      this.tree.description = undefined;
      return;
    }
    this.status.text = `$(server-environment) ${statusText(entry.model.nodes)}`;
    this.status.show();
    this.tree.description = entry.session.name;
  }

  /** The tree item of an element. */
  getTreeItem(item: FabricItem): vscode.TreeItem {
    const p = present(item);
    const treeItem = new vscode.TreeItem(
      p.label,
      p.collapsible === 'collapsed' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    treeItem.id = p.id;
    treeItem.description = p.description;
    treeItem.tooltip = p.tooltip;
    treeItem.contextValue = p.contextValue;
    if (p.icon) treeItem.iconPath = new vscode.ThemeIcon(p.icon);
    return treeItem;
  }

  /** The children of an element, or the top level; the heap pool of a node is fetched when it is expanded. */
  async getChildren(item?: FabricItem): Promise<FabricItem[]> {
    const entry = this.current();
    if (!entry) return [];
    if (item) return entry.model.children(item);
    const roots = await entry.model.roots();
    this.updateStatus();
    return roots;
  }

  /** Stops following sessions and removes the view's status bar item. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
