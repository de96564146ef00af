/**
 * Presenting target values: one-line previews, the children of objects, arrays and collections,
 * and JSON snapshots within budgets.
 *
 *   await preview(mirror, value, { thread })            // 'ArrayList size=3 ["x", "y", "z"]'
 *   await logicalChildren(mirror, listId, { thread, start: 0, count: 100 })
 *   await snapshotAll(mirror, [['order', v1], ['total', v2]], { thread, maxDepth: 3 })
 */
export { preview, previewShallow, previewPrimitive, isPrimitiveTag, type PreviewOptions } from './preview';
export { fieldChildren, staticChildren, arrayChildren, logicalChildren, type Child } from './children';
export { collectionView, readFields, type CollectionView, type ViewOptions } from './collections';
export { snapshot, snapshotAll, type Json, type SnapshotOptions, type SnapshotResult } from './snapshot';
export { kindOf, SAFE_TO_STRING, type ValueKind } from './kinds';
export { quoteString, quoteChar } from './text';
