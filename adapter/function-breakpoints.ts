import type { DebugProtocol } from '@vscode/debugprotocol';
import type { RefType } from '../jdwp/mirror';
import { JDWP } from '../jdwp/registry';
import type { AdapterContext } from './context';
import { AdapterError, AdapterErrorCode, toAdapterError } from './errors';
import { behaviourOf, bindLoaded, clearRequests, dapBreakpoint, newBp, serial, state, unwatchGroup, watchGroup, type Bp, type Group } from './breakpoints';

/** Splits "pkg.Class.method" (or "Class#method") into class and method. */
export function parseFunctionName(name: string): { className: string; method: string } {
  const m = /^\s*([\w$.]+?)[.#]([\w$<>]+)\s*(?:\(\s*\))?\s*$/.exec(name);
  if (!m) throw new AdapterError(AdapterErrorCode.BAD_FUNCTION_NAME, `"${name}" is not "Class.method" (e.g. "com.acme.OrderService.place")`);
  return { className: m[1], method: m[2] };
}

/** The `setFunctionBreakpoints` request: a breakpoint at the first line of every method `Class.method`. */
export function setFunctionBreakpoints(ctx: AdapterContext, args: DebugProtocol.SetFunctionBreakpointsArguments): Promise<DebugProtocol.SetFunctionBreakpointsResponse['body']> {
  return serial(ctx, 'functions', async () => {
    const s = state(ctx);
    if (s.functions) {
      await clearRequests(ctx, s.functions.bps);
      await unwatchGroup(ctx, s.functions);
      s.functions = undefined;
    }
    const bps = args.breakpoints.map((fb) => {
      const behaviour = behaviourOf(fb);
      try {
        const { className, method } = parseFunctionName(fb.name);
        return Object.assign(newBp(ctx, 'function', fb.name, { ...behaviour, method }), { className });
      } catch (err) {
        const bp = newBp(ctx, 'function', fb.name, behaviour);
        bp.invalid = `${(err as Error).message} (jdwp-fabric error ${toAdapterError(err).code})`;
        return Object.assign(bp, { className: '' });
      }
    });
    if (bps.length === 0) return { breakpoints: [] };
    const valid = bps.filter((bp) => !bp.invalid);
    const patterns = [...new Set(valid.flatMap((bp) => (bp.className.includes('.') ? [bp.className] : [bp.className, `*.${bp.className}`])))];
    const matches = (type: RefType): Bp[] => valid.filter((bp) => type.name === bp.className || type.name.endsWith(`.${bp.className}`));
    const group: Group = { bps, patterns, prepareRequests: [], matches };
    s.functions = group;
    if (patterns.length) await watchGroup(ctx, group);
    const loaded = await loadedClassesNamed(ctx, [...new Set(valid.map((bp) => bp.className))]);
    await bindLoaded(ctx, valid, loaded, matches);
    return { breakpoints: bps.map((bp) => dapBreakpoint(ctx, bp)) };
  });
}

/** Loaded types by qualified name, or by simple name (any package) when the name has no dot. */
async function loadedClassesNamed(ctx: AdapterContext, names: string[]): Promise<RefType[]> {
  if (names.length === 0) return [];
  const qualified = names.filter((n) => n.includes('.'));
  const simple = names.filter((n) => !n.includes('.'));
  const found = await Promise.all(qualified.map((n) => ctx.mirror.classesByName(n)));
  if (simple.length) {
    const { classes } = await ctx.requireVm().VirtualMachine.AllClasses();
    const wanted = classes.filter((c) => c.status & JDWP.ClassStatus.PREPARED && simple.some((n) => c.signature.endsWith(`/${n};`) || c.signature === `L${n};`));
    found.push(await Promise.all(wanted.map((c) => ctx.mirror.type(c.typeID))));
  }
  return found.flat();
}
