/**
 * The session mirror: a JDI-like, cached model of one target VM over a JdwpClient.
 *
 *   const mirror = new VmMirror(client);
 *   const [type] = await mirror.classesByName('demo.Orders');
 *   const locations = await mirror.locationsOfLine(type, 42);
 *   // ... on a Breakpoint event for `thread`:
 *   const [top] = await mirror.frames(thread, 0, 20);
 *   const vars = await mirror.visibleVariables(top.location);
 *   const values = await mirror.localValues(top, vars ?? []);
 *   // ... when the thread resumes:
 *   mirror.invalidateThread(thread);
 */
export { VmMirror } from './vm-mirror';
export { threadStatusName, type ThreadInfo } from './thread-mirror';
export type { MirrorOptions } from './type-mirror';
export type { FrameInfo } from './frames';
export type { InvokeOptions } from './invoke';
export {
  InvocationException, InvocationPending, InvocationTimeout, INVOCATION_EXCEPTION_CODE, INVOCATION_PENDING_CODE, INVOCATION_TIMEOUT_CODE,
} from './errors';
export {
  Modifier, isJdwpError, locationKey, sameLocation,
  type FieldInfo, type MethodInfo, type RefType, type LineTable, type LocalVariable, type VariableTable,
} from './type-info';
export {
  signatureToName, nameToSignature, simpleName, displayName, packageOf, outermostName, componentSignature,
  parseMethodSignature, isPrimitiveSignature, isReferenceSignature, type MethodSignature,
} from './names';
export { lineAt, firstIndexOfLine, linesOf, visibleAt } from './lines';
