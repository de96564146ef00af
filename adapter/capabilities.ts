import type { DebugProtocol } from '@vscode/debugprotocol';

/** The exception breakpoint filter for exceptions that a catch block handles. */
export const CAUGHT_FILTER = 'caught';
/** The exception breakpoint filter for exceptions that nothing catches. */
export const UNCAUGHT_FILTER = 'uncaught';

/** What the adapter tells the client in the initialize response. */
export function capabilities(): DebugProtocol.Capabilities {
  return {
    supportsConfigurationDoneRequest: true,
    supportsFunctionBreakpoints: true,
    supportsConditionalBreakpoints: true,
    supportsHitConditionalBreakpoints: true,
    supportsLogPoints: true,
    supportsEvaluateForHovers: true,
    supportsSetVariable: true,
    supportsRestartFrame: true,
    supportsTerminateRequest: true,
    supportTerminateDebuggee: true,
    supportsDelayedStackTraceLoading: true,
    supportsExceptionInfoRequest: true,
    supportsExceptionFilterOptions: true,
    supportsSingleThreadExecutionRequests: true,
    supportsClipboardContext: true,
    exceptionBreakpointFilters: [
      {
        filter: CAUGHT_FILTER,
        label: 'Caught Exceptions',
        description: 'Stop when an exception is thrown that a catch block will handle',
        default: false,
        supportsCondition: true,
        conditionDescription: 'Exception classes to stop on, comma-separated (e.g. "java.io.IOException, com.acme.*"); subclasses match',
      },
      {
        filter: UNCAUGHT_FILTER,
        label: 'Uncaught Exceptions',
        description: 'Stop when an exception is thrown that nothing catches',
        default: true,
        supportsCondition: true,
        conditionDescription: 'Exception classes to stop on, comma-separated (e.g. "java.lang.IllegalStateException"); subclasses match',
      },
    ],
  };
}
