import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ReferenceTypeID } from '../jdwp/protocol/wire-types';
import type { Event_Composite_Events, EventRequest_Set_Modifier } from '../jdwp/protocol/spec-types';
import { JDWP } from '../jdwp/registry';
import type { AdapterContext } from './context';
import type { StopDecision } from './events';
import { serial, state } from './breakpoints';

/** A class filter of an exception breakpoint: a name, "pkg.*" or "*Suffix". */
function filterMatches(pattern: string, name: string): boolean {
  if (pattern.endsWith('*')) return name.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return name.endsWith(pattern.slice(1));
  return name === pattern;
}

/** The `setExceptionBreakpoints` request: caught and uncaught, each with an optional list of exception classes. */
export function setExceptionBreakpoints(ctx: AdapterContext, args: DebugProtocol.SetExceptionBreakpointsArguments): Promise<DebugProtocol.SetExceptionBreakpointsResponse['body']> {
  return serial(ctx, 'exceptions', async () => {
    const s = state(ctx);
    const vm = ctx.requireVm();
    const old = s.exceptionRequests.splice(0);
    for (const id of old) ctx.events.off(id);
    await Promise.all(old.map((id) => vm.EventRequest.Clear(JDWP.EventKind.EXCEPTION, id).catch(() => undefined)));
    const options: DebugProtocol.ExceptionFilterOptions[] = [...(args.filterOptions ?? []), ...args.filters.map((filterId) => ({ filterId }))];
    const breakpoints: DebugProtocol.Breakpoint[] = [];
    for (const opt of options) {
      const caught = opt.filterId === 'caught';
      if (!caught && opt.filterId !== 'uncaught') {
        breakpoints.push({ verified: false, message: `unknown exception filter "${opt.filterId}"` });
        continue;
      }
      const classes = (opt.condition ?? '')
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean);
      const modifiers: EventRequest_Set_Modifier[] = [{ modKind: 8, exceptionOrNull: 0n as ReferenceTypeID, caught, uncaught: !caught }];
      const { requestID } = await vm.EventRequest.Set(JDWP.EventKind.EXCEPTION, JDWP.SuspendPolicy.EVENT_THREAD, modifiers);
      s.exceptionRequests.push(requestID);
      ctx.events.on(requestID, (e) => onException(ctx, e, classes, caught));
      breakpoints.push({ verified: true });
    }
    return { breakpoints };
  });
}

async function onException(ctx: AdapterContext, e: Event_Composite_Events, classes: string[], caught: boolean): Promise<StopDecision | undefined> {
  if (e.eventKind !== JDWP.EventKind.EXCEPTION) return undefined;
  const type = await ctx.mirror.typeOfObject(e.exception.objectID);
  if (classes.length) {
    const names = (await ctx.mirror.superclasses(type)).map((t) => t.name);
    if (!classes.some((c) => names.some((n) => filterMatches(c, n)))) return undefined;
  }
  const message = await ctx.mirror.throwableMessage(e.exception.objectID).catch(() => undefined);
  ctx.lastException.set(e.thread, { exception: e.exception.objectID, typeName: type.name, message, caught });
  return { reason: 'exception', description: `${caught ? 'Exception' : 'Uncaught exception'}: ${type.name}`, text: message ?? type.name };
}
