import * as fs from 'node:fs';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { RefType } from '../jdwp/mirror';
import type { AdapterContext } from './context';
import { behaviourOf, bindLoaded, clearRequests, dapBreakpoint, loadedWithNested, newBp, serial, state, unwatchGroup, watchGroup, type Bp, type Group } from './breakpoints';
import { primaryClassOfSource, packageOfSource } from './sources';

/** The `setBreakpoints` request: line breakpoints of one source file, verified when bound and pending until their class loads. */
export function setBreakpoints(ctx: AdapterContext, args: DebugProtocol.SetBreakpointsArguments): Promise<DebugProtocol.SetBreakpointsResponse['body']> {
  const file = args.source.path;
  if (!file) {
    const bps = args.breakpoints ?? [];
    return Promise.resolve({ breakpoints: bps.map(() => ({ verified: false, message: 'breakpoints need a source file with a path' })) });
  }
  return serial(ctx, `source:${file}`, () => setSourceBreakpoints(ctx, file, args));
}

async function setSourceBreakpoints(ctx: AdapterContext, file: string, args: DebugProtocol.SetBreakpointsArguments): Promise<DebugProtocol.SetBreakpointsResponse['body']> {
  const s = state(ctx);
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // A file the adapter cannot read still names its class by file name; the package is then unknown.
  }
  const className = primaryClassOfSource(file, text);
  ctx.sources.remember(file, packageOfSource(text));
  const wanted = (args.breakpoints ?? args.lines?.map((line) => ({ line })) ?? []).map((b) => {
    const line = ctx.linesStartAt1 ? b.line : b.line + 1;
    const sb = b as DebugProtocol.SourceBreakpoint;
    return { line, behaviour: behaviourOf(sb), key: JSON.stringify([line, sb.condition, sb.hitCondition, sb.logMessage]) };
  });
  const group = s.bySource.get(file);
  const old = group?.bps ?? [];
  const keep = new Map(old.map((bp) => [bp.key, bp]));
  const bps: Bp[] = wanted.map((w) => {
    const same = keep.get(w.key);
    if (same) {
      keep.delete(w.key);
      return same;
    }
    return Object.assign(newBp(ctx, 'line', w.key, { ...w.behaviour, line: w.line }), { className });
  });
  await clearRequests(ctx, [...keep.values()]);
  const fresh = bps.filter((bp) => !old.includes(bp));
  const nestedPrefix = `${className}$`;
  const matches = (type: RefType): Bp[] => (type.name === className || type.name.startsWith(nestedPrefix) ? current.bps : []);
  const current: Group = group ?? { bps, patterns: [className, `${className}$*`], prepareRequests: [], matches };
  current.bps = bps;
  current.matches = matches;
  if (bps.length === 0) {
    await unwatchGroup(ctx, current);
    s.bySource.delete(file);
    return { breakpoints: [] };
  }
  s.bySource.set(file, current);
  if (!group) await watchGroup(ctx, current);
  if (fresh.length) await bindLoaded(ctx, fresh, await loadedWithNested(ctx, className), matches);
  return { breakpoints: bps.map((bp) => dapBreakpoint(ctx, bp)) };
}
