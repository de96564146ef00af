/** Command ids the extension registers; package.json contributes them under the same names. */
export const COMMANDS = {
  /** Fetches the Fabric view's nodes and divergent classes again. */
  refresh: 'jdwpFabric.refresh',
} as const;

/** The context key that is true while a jdwp-fabric debug session runs; it shows the Fabric view. */
export const ACTIVE_CONTEXT_KEY = 'jdwpFabric.active';

/** The setting that holds how many classes a heap pool lists. */
export const TOP_N_SETTING = 'jdwpFabric.heapPool.topN';

/** The setting that says where the debug adapter runs: "inline" (in the extension host) or "process". */
export const ADAPTER_SETTING = 'jdwpFabric.debugAdapter';

/** DAP messages after which the Fabric view fetches again. */
export function isRefreshTrigger(message: { type?: unknown; event?: unknown; command?: unknown; success?: unknown }): boolean {
  if (message.type === 'event') return message.event === 'stopped' || message.event === 'fabric.nodesChanged';
  return message.type === 'response' && message.success === true && (message.command === 'attach' || message.command === 'launch');
}
