import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ObjectID, ReferenceTypeID, ThreadID, Value } from '../jdwp/protocol/wire-types';
import { Tag } from '../jdwp/codec/tags';
import { displayName, isJdwpError, signatureToName } from '../jdwp/mirror';
import type { AdapterContext, FrameRef } from './context';
import { AdapterError, AdapterErrorCode } from './errors';
import { collectionPage, describeValue } from './values';
import { arrayChildren, fieldChildren, staticChildren, type Child } from '../jdwp/values';
import { insideInvocation } from './stack';

/** What a variablesReference stands for. Every container remembers its thread: it dies when the thread resumes. */
export type Container =
  | { kind: 'locals'; thread: ThreadID; frame: FrameRef }
  | { kind: 'statics'; thread: ThreadID; typeID: ReferenceTypeID }
  | { kind: 'object'; thread: ThreadID; object: ObjectID }
  | { kind: 'collection'; thread: ThreadID; object: ObjectID; size: number }
  | { kind: 'fields'; thread: ThreadID; object: ObjectID }
  | { kind: 'array'; thread: ThreadID; object: ObjectID; length: number };

/** The name of the child that shows an object's fields under a logical (collection) view. */
export const RAW_VIEW = '[raw]';

/** The container a variablesReference stands for; fails clearly once it is gone. */
export function container(ctx: AdapterContext, ref: number): Container {
  const c = ctx.vars.get(ref) as Container | undefined;
  if (!c) throw new AdapterError(AdapterErrorCode.UNKNOWN_VARIABLES, `variables reference ${ref} is unknown or no longer valid (the thread has resumed)`);
  return c;
}

/** The DAP variable for a value: its preview, type, and a reference when it has children. */
export async function variableOf(ctx: AdapterContext, thread: ThreadID, name: string, value: Value, declaredSignature?: string, allowInvoke = true): Promise<DebugProtocol.Variable> {
  const d = await describeValue(ctx, thread, value, allowInvoke && ctx.model.canInvoke(thread));
  const v: DebugProtocol.Variable = { name, value: d.text, variablesReference: 0 };
  v.type = d.typeName ?? (declaredSignature ? signatureToName(declaredSignature) : undefined);
  if (d.arrayLength !== undefined) {
    v.indexedVariables = d.arrayLength;
    if (d.arrayLength > 0) v.variablesReference = ctx.vars.create({ kind: 'array', thread, object: value.value as ObjectID, length: d.arrayLength } satisfies Container);
  } else if (d.collection) {
    v.indexedVariables = d.collection.size;
    v.namedVariables = 1;
    v.variablesReference = ctx.vars.create({ kind: 'collection', thread, object: value.value as ObjectID, size: d.collection.size } satisfies Container);
  } else if (d.expandable) {
    v.variablesReference = ctx.vars.create({ kind: 'object', thread, object: value.value as ObjectID } satisfies Container);
  }
  return v;
}

/** The `scopes` request: Locals (with `this`) and Static of the frame's class; none for a label frame. */
export async function scopes(ctx: AdapterContext, args: DebugProtocol.ScopesArguments): Promise<DebugProtocol.ScopesResponse['body']> {
  if (ctx.isLabelFrame(args.frameId)) return { scopes: [] };
  const frame = ctx.frame(args.frameId);
  const type = await ctx.mirror.type(frame.location.classID);
  const statics = type.fields.filter((f) => f.isStatic);
  const result: DebugProtocol.Scope[] = [
    { name: 'Locals', presentationHint: 'locals', variablesReference: ctx.vars.create({ kind: 'locals', thread: frame.thread, frame } satisfies Container), expensive: false },
  ];
  if (statics.length) {
    result.push({
      name: `Static (${displayName(type.name)})`,
      variablesReference: ctx.vars.create({ kind: 'statics', thread: frame.thread, typeID: type.id } satisfies Container),
      namedVariables: statics.length,
      expensive: false,
    });
  }
  return { scopes: result };
}

/** The `variables` request: a container's children; arrays page with start and count. */
export async function variables(ctx: AdapterContext, args: DebugProtocol.VariablesArguments): Promise<DebugProtocol.VariablesResponse['body']> {
  const c = container(ctx, args.variablesReference);
  try {
    return { variables: await children(ctx, c, args) };
  } catch (err) {
    if (isJdwpError(err, 'THREAD_NOT_SUSPENDED', 'OPAQUE_FRAME', 'INVALID_FRAMEID') && ctx.mirror.invoking(c.thread)) throw insideInvocation();
    if (isJdwpError(err, 'INVALID_FRAMEID') && c.kind === 'locals' && c.frame.callerThread !== undefined) {
      throw new AdapterError(AdapterErrorCode.UNKNOWN_FRAME, "the caller's frames are gone: its node left, or its thread ran on");
    }
    if (isJdwpError(err, 'THREAD_NOT_SUSPENDED', 'INVALID_FRAMEID')) throw new AdapterError(AdapterErrorCode.THREAD_NOT_SUSPENDED, 'the thread has resumed; its variables are gone');
    throw err;
  }
}

async function children(ctx: AdapterContext, c: Container, args: DebugProtocol.VariablesArguments): Promise<DebugProtocol.Variable[]> {
  const m = ctx.mirror;
  switch (c.kind) {
    case 'locals': {
      const [thisObject, visible] = await Promise.all([m.thisObject(frameInfo(c.frame)), m.visibleVariables(c.frame.location)]);
      const vars = visible?.filter((v) => v.name !== 'this');
      const values = await m.localValues(frameInfo(c.frame), vars ?? []);
      const out: DebugProtocol.Variable[] = [];
      if (thisObject !== undefined) out.push(await variableOf(ctx, c.thread, 'this', { tag: Tag.OBJECT, value: thisObject }));
      out.push(...(await Promise.all((vars ?? []).map((v, i) => variableOf(ctx, c.thread, v.name, values[i], v.signature)))));
      for (const v of out) v.evaluateName = v.name;
      return out;
    }
    case 'statics':
      return childVariables(ctx, c.thread, await staticChildren(m, await m.type(c.typeID)));
    case 'object':
    case 'fields':
      return childVariables(ctx, c.thread, await fieldChildren(m, c.object));
    case 'collection': {
      const raw: DebugProtocol.Variable = {
        name: RAW_VIEW,
        value: '',
        variablesReference: ctx.vars.create({ kind: 'fields', thread: c.thread, object: c.object } satisfies Container),
        presentationHint: { kind: 'virtual' },
      };
      if (args.filter === 'named') return [raw];
      const start = Math.max(0, args.start ?? 0);
      const count = Math.min(args.filter === 'indexed' && args.count ? args.count : c.size - start, c.size - start);
      const elements = count > 0 ? await childVariables(ctx, c.thread, await collectionPage(ctx, c.thread, c.object, start, count)) : [];
      return args.filter === 'indexed' ? elements : [...elements, raw];
    }
    case 'array': {
      const start = Math.max(0, args.start ?? 0);
      const count = Math.min(args.count && args.count > 0 ? args.count : c.length - start, c.length - start);
      if (args.filter === 'named' || count <= 0) return [];
      return childVariables(ctx, c.thread, await arrayChildren(m, c.object, start, count));
    }
  }
}

function childVariables(ctx: AdapterContext, thread: ThreadID, children: Child[]): Promise<DebugProtocol.Variable[]> {
  return Promise.all(children.map((child) => variableOf(ctx, thread, child.name, child.value, child.signature)));
}

/** The mirror's view of a frame reference. */
export function frameInfo(f: FrameRef) {
  return { thread: f.thread, depth: f.depth, id: f.frameID, location: f.location };
}
