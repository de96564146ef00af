import type { WireRecord } from '../../codec/layout';
import { visibleAt } from '../../mirror/lines';
import { sigbyteOf } from '../../mirror/names';
import type { Value } from '../../protocol/wire-types';
import { commandByName, JDWP, type CommandInfo } from '../../registry';
import type { NodeLink } from '../node-link';
import { slotOf } from '../ids';
import { VIRTUAL_SIZES } from '../translate';
import type { Ctx, Handler } from './context';
import { forward, vtypeOf } from './route';
import { decodeOut, encodeReply } from './vm';

const T = JDWP.Tag;
const ACC_STATIC = 0x0008;

/** Object tags whose values have fields to show (strings are shown by their text instead). */
const EXPANDED = new Set<number>([T.OBJECT, T.ARRAY, T.THREAD, T.THREAD_GROUP, T.CLASS_LOADER, T.CLASS_OBJECT]);

/** The handler that serves a command as the debugger's own would be served. */
export type Serve = (info: CommandInfo) => Handler;

type Field = { fieldID: bigint; value: Value };
type Child = { object: bigint; type: bigint; arrayLength: number; fields: Field[]; elements: Value[] };

/** Each node's superclass chain of a virtual class (the class first, java.lang.Object last): hierarchies never change, not even by a redefinition. */
const chains = new WeakMap<NodeLink, Map<bigint, Promise<bigint[]>>>();

/**
 * Reads one stop, pipelined: the stack; then the hops, `this` and the visible locals' values (the variable table
 * comes from the per-symbol cache); then each object's type with the values of its declared type's fields (cached),
 * each array's length, and each string's text; then an array's first elements, the fields of an object whose
 * type was not the declared one, and the strings among them. Each read goes through the handler that serves the debugger's own
 * command, so the reply holds the IDs, stitching and cached data a debugger would get asking one by one.
 */
function stopSnapshot(serve: Serve): Handler {
  /** A command's reply as the debugger would get it; with `on`, from that node (about `type`) rather than where its rule routes it. */
  const ask = async <T = WireRecord>(ctx: Ctx, name: string, out: WireRecord, on?: { link: NodeLink; type: bigint }): Promise<T> => {
    const info = commandByName(name);
    const data = info.out.encode(VIRTUAL_SIZES, out);
    const reply = on ? await forward(ctx, on.link, info, data, vtypeOf(ctx, on.type)) : await serve(info)(ctx, info, data);
    return info.reply!.decode(reply, 0, reply.length, VIRTUAL_SIZES) as T;
  };

  const superChain = (ctx: Ctx, link: NodeLink, type: bigint): Promise<bigint[]> => {
    let perNode = chains.get(link);
    if (!perNode) chains.set(link, (perNode = new Map()));
    let chain = perNode.get(type);
    if (!chain) {
      chain = ask<{ superclass: bigint }>(ctx, 'ClassType.Superclass', { clazz: type }, { link, type }).then(async ({ superclass }) => [type, ...(superclass ? await superChain(ctx, link, superclass) : [])]);
      perNode.set(type, chain);
      chain.catch(() => perNode!.delete(type));
    }
    return chain;
  };

  const instanceFields = async (ctx: Ctx, link: NodeLink, type: bigint): Promise<bigint[]> => {
    const chain = await superChain(ctx, link, type);
    const declared = await Promise.all(chain.map((t) => ask<{ declared: Array<{ fieldID: bigint; modBits: number }> }>(ctx, 'ReferenceType.Fields', { refType: t })));
    return declared.flatMap((d) => d.declared.filter((f) => (f.modBits & ACC_STATIC) === 0).map((f) => f.fieldID));
  };

  return async (ctx, info, data) => {
    const { thread, maxFrames, maxChildren } = decodeOut<{ thread: bigint; maxFrames: number; maxChildren: number }>(info, data);
    const { frames } = await ask<{ frames: Array<{ frameID: bigint; location: { classID: bigint; methodID: bigint; index: bigint } }> }>(ctx, 'ThreadReference.Frames', { thread, startFrame: 0, length: -1 });
    const top = frames[0];
    const texts = new Map<bigint, Promise<string | undefined>>();
    const text = (v: Value) => {
      const id = v.value as bigint;
      if (v.tag === T.STRING && id !== 0n && !texts.has(id)) texts.set(id, ask<{ stringValue: string }>(ctx, 'StringReference.Value', { stringObject: id }).then((r) => r.stringValue, () => undefined));
    };
    const children = new Map<bigint, Promise<Child | undefined>>();
    const expand = (v: Value, guess: () => bigint | undefined) => {
      const id = v.value as bigint;
      if (!EXPANDED.has(v.tag) || id === 0n || children.has(id)) return;
      children.set(id, child(v, guess()).catch(() => undefined));
    };
    /**
     * An object's type, and its fields or an array's length and first elements. The values of a guessed type's
     * fields (the declared one) are read with the type: when the guess is right, as it mostly is, they save a round trip.
     */
    const child = async (v: Value, guess: bigint | undefined): Promise<Child> => {
      const object = v.value as bigint;
      const link = ctx.cluster.link(slotOf(object));
      const fieldsOf = async (type: bigint) => {
        const ids = link ? await instanceFields(ctx, link, type) : [];
        if (ids.length === 0 || ids.length > maxChildren) return [];
        const { values } = await ask<{ values: Value[] }>(ctx, 'ObjectReference.GetValues', { object, fields: ids.map((fieldID) => ({ fieldID })) });
        return ids.map((fieldID, i) => ({ fieldID, value: values[i] }));
      };
      const typed = ask<{ typeID: bigint }>(ctx, 'ObjectReference.ReferenceType', { object }).then((r) => r.typeID);
      if (v.tag === T.ARRAY) {
        const [type, { arrayLength }] = await Promise.all([typed, ask<{ arrayLength: number }>(ctx, 'ArrayReference.Length', { arrayObject: object })]);
        const n = Math.min(arrayLength, Math.max(0, maxChildren));
        const elements = n ? (await ask<{ values: { values: Value[] } }>(ctx, 'ArrayReference.GetValues', { arrayObject: object, firstIndex: 0, length: n })).values.values : [];
        elements.forEach(text);
        return { object, type, arrayLength, fields: [], elements };
      }
      const [type, guessed] = await Promise.all([typed, guess ? fieldsOf(guess).catch(() => undefined) : undefined]);
      const fields = type === guess && guessed ? guessed : await fieldsOf(type);
      fields.forEach((f) => text(f.value));
      return { object, type, arrayLength: -1, fields, elements: [] };
    };
    /** The one class of a signature on the object's node, if there is exactly one (an interface has no fields to guess). */
    const declared = (v: Value, signature: string): bigint | undefined => {
      const link = ctx.cluster.link(slotOf(v.value as bigint));
      const types = link ? ctx.cluster.registry.withSignature(signature).filter((t) => t.members.has(link)) : [];
      return types.length === 1 && types[0].tag === JDWP.TypeTag.CLASS ? types[0].vid : undefined;
    };

    const [hops, thisObject, variables] = await Promise.all([
      ask<{ hops: WireRecord[] }>(ctx, 'Fabric.CallerChain', { thread }).then((r) => r.hops),
      top ? ask<{ objectThis: { tag: number; objectID: bigint } }>(ctx, 'StackFrame.ThisObject', { thread, frame: top.frameID }).then((r) => r.objectThis) : { tag: T.OBJECT, objectID: 0n },
      top ? locals(ctx, thread, top, maxChildren) : undefined,
    ]);
    const values = variables?.values ?? [];
    const self = { tag: thisObject.tag, value: thisObject.objectID };
    text(self);
    expand(self, () => top?.location.classID);
    values.forEach((v, i) => {
      text(v);
      expand(v, () => declared(v, variables!.visible[i].signature));
    });
    const objects = (await Promise.all(children.values())).filter((c): c is Child => c !== undefined);
    const strings = [];
    for (const [string, value] of texts) {
      const t = await value;
      if (t !== undefined) strings.push({ string, value: t });
    }
    return encodeReply(info, {
      frameCount: frames.length,
      frames: maxFrames < 0 ? frames : frames.slice(0, maxFrames),
      hops,
      hasVariables: variables !== undefined,
      thisObject,
      locals: (variables?.visible ?? []).map((v, i) => ({ name: v.name, signature: v.signature, slot: v.slot, value: values[i] })),
      objects,
      strings,
    });

    /** The top frame's visible locals (this excepted, at most `max`) and their values; undefined without a variable table. */
    async function locals(c: Ctx, t: bigint, frame: (typeof frames)[number], max: number) {
      const { classID, methodID, index } = frame.location;
      let table: { argCnt: number; slots: Array<{ codeIndex: bigint; name: string; signature: string; length: number; slot: number }> };
      try {
        table = await ask(c, 'Method.VariableTableWithGeneric', { refType: classID, methodID });
      } catch (err) {
        const code = (err as { errorCode?: number }).errorCode;
        if (code === JDWP.Error.ABSENT_INFORMATION || code === JDWP.Error.NATIVE_METHOD) return undefined;
        throw err;
      }
      const visible = visibleAt({ argCount: table.argCnt, variables: table.slots.map((s) => ({ ...s, isArgument: s.slot < table.argCnt })) }, index)
        .filter((v) => v.name !== 'this')
        .slice(0, Math.max(0, max));
      const got = visible.length ? await ask<{ values: Value[] }>(c, 'StackFrame.GetValues', { thread: t, frame: frame.frameID, slots: visible.map((v) => ({ slot: v.slot, sigbyte: sigbyteOf(v.signature) })) }) : { values: [] };
      return { visible, values: got.values };
    }
  };
}

/** Handlers of stop snapshots, by the names their rules give them; `serve` gives each read the handler the debugger's own command gets. */
export function snapshotHandlers(serve: Serve): Record<string, Handler> {
  return { stopSnapshot: stopSnapshot(serve) };
}
