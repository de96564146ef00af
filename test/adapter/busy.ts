// Support of the adapter's concurrency tests: busy service nodes (test/fixtures/java/busyfix), an adapter session
// over them, requests with a time limit, and reads of a stopped thread's state as a client would make them.
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Jvm } from '../../jdwp/launch/java';
import { fixtureClasses, lineOf, ROOT, startFixture } from '../support/fixtures';
import { printed, versionTwoClasses } from '../vm/support';
import type { RecordingClient } from './harness';

/** The service's source file, where the tests set their breakpoints. */
export const SERVICE = path.join(ROOT, 'test/fixtures/java/busyfix/Service.java');

/** The line of a marker comment in busyfix/Service.java. */
export function serviceLine(marker: string): number {
  return lineOf('busyfix/Service.java', marker);
}

/** Starts a busy node: `workers` threads that each handle a request every `pauseMs` ms; `v2` runs the changed build of Service. */
export async function startBusyNode(jvms: Jvm[], options: { workers?: number; pauseMs?: number; v2?: boolean } = {}): Promise<Jvm> {
  const classPath = options.v2 ? [versionTwoClasses(), fixtureClasses()] : [fixtureClasses()];
  const jvm = await startFixture(jvms, 'busyfix.Busy', { classPath, args: [String(options.workers ?? 3), String(options.pauseMs ?? 20)] });
  await printed(jvm, 'busy ready');
  return jvm;
}

/** A request's answer within `ms`, or a rejection that says which request was too slow. */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a client reads of a stopped thread: its top frame, and the locals of that frame by name. */
export interface StoppedView {
  frames: DebugProtocol.StackFrame[];
  locals: Map<string, DebugProtocol.Variable>;
}

/** Reads a stopped thread as a client does: stackTrace, scopes, variables, each within `ms`. */
export async function readStopped(dc: RecordingClient, threadId: number, ms = 5_000): Promise<StoppedView> {
  const st = await within(ms, `stackTrace of thread ${threadId}`, dc.stackTraceRequest({ threadId, startFrame: 0, levels: 20 }));
  const frames = st.body.stackFrames;
  if (!frames.length) throw new Error(`thread ${threadId} answered no frames`);
  const scopes = await within(ms, 'scopes', dc.scopesRequest({ frameId: frames[0].id }));
  const vars = await within(ms, 'variables', dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference }));
  return { frames, locals: new Map(vars.body.variables.map((v) => [v.name, v])) };
}

/** The `id` field of the local `r` (a busyfix.Request) of a stopped view. */
export async function requestId(dc: RecordingClient, view: StoppedView, ms = 5_000): Promise<number> {
  const r = view.locals.get('r');
  if (!r || !r.variablesReference) throw new Error(`no expandable local r among ${[...view.locals.keys()].join(', ')}`);
  const fields = await within(ms, 'variables of r', dc.variablesRequest({ variablesReference: r.variablesReference }));
  const id = fields.body.variables.find((v) => v.name === 'id');
  if (!id) throw new Error(`r has no field id: ${fields.body.variables.map((v) => v.name).join(', ')}`);
  return Number(id.value);
}
