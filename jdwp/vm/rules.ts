/** How the virtual VM serves a command. */
export type RuleKind =
  | 'route'
  | 'route-cached'
  | 'focus'
  | 'fanout'
  | 'merge'
  | 'intersect'
  | 'answer'
  | 'refuse'
  | 'disconnect'
  | 'requests';

/** The rule of one command. */
export interface CommandRule {
  rule: RuleKind;
  /**
   * Refused under --read-only (NOT_IMPLEMENTED), because it changes the target: its state, heap, code or threads.
   * A read-only debugger may still observe, set breakpoints and tracepoints, suspend single threads and resume
   * what it suspended. The capabilities a read-only proxy announces follow from this property.
   */
  readOnly?: boolean;
  /**
   * The name of the handler that serves the command (jdwp/vm/handlers/index.ts looks it up and checks at load that
   * every name is known and every handler named). Without one, route, route-cached and focus commands are routed
   * and refuse commands refused; every other rule needs one.
   */
  handler?: string;
  /** What the rule means for this command, for the rule table in the docs. */
  note: string;
  /**
   * How long the command's reply from a node stays true (see ReplyLife); the fetch-ahead store keeps and answers
   * the replies of 'thread', 'node' and 'object' reads. A command without one changes the node (its values, code,
   * or lets threads run): sent to a node, by the debugger or the proxy, it drops what it could make stale.
   */
  life?: ReplyLife;
}

/**
 * How long a read's reply stays true: 'thread' while its thread stays suspended (frames, locals); 'node' while the
 * whole node stays suspended (heap values); 'object' for the object's life (a string's value, an object's type);
 * 'passive' a command that makes no kept reply stale and whose own reply is not kept (a read, an event request, a
 * suspend: a thread that stops more changes nothing a reply says).
 */
export type ReplyLife = 'thread' | 'node' | 'object' | 'passive';

const route = (note = 'to the node of its object, thread or frame ID', handler?: string, life: ReplyLife = 'passive'): CommandRule => (handler ? { rule: 'route', handler, note, life } : { rule: 'route', note, life });
const cached = (note = 'to a node that runs the type; cached once per symbol'): CommandRule => ({ rule: 'route-cached', note, life: 'passive' });
const focus = (note: string): CommandRule => ({ rule: 'focus', note, life: 'passive' });

/** The explicit rule of every command of the protocol and of the Fabric set. */
export const COMMAND_RULES: Readonly<Record<string, CommandRule>> = {
  'VirtualMachine.Version': { rule: 'answer', handler: 'version', note: 'names the virtual VM and its node count; versions are the lowest of the nodes', life: 'passive' },
  'VirtualMachine.ClassesBySignature': { rule: 'merge', handler: 'classesBySignature', note: 'every node, from its class mirror where that knows the signature and every status is final; one entry per (signature, symbol hash)', life: 'passive' },
  'VirtualMachine.AllClasses': { rule: 'merge', handler: 'allClasses', note: 'every node; one entry per (signature, symbol hash)', life: 'passive' },
  'VirtualMachine.AllThreads': { rule: 'merge', handler: 'allThreads', note: 'the union of every node\'s threads, from the proxy\'s thread mirror (a node that lists virtual threads is asked)', life: 'passive' },
  'VirtualMachine.TopLevelThreadGroups': { rule: 'answer', handler: 'topLevelThreadGroups', note: 'the "cluster" group, whose children are one group per node named after the node (--thread-groups per-node: the node groups)', life: 'passive' },
  'VirtualMachine.Dispose': { rule: 'disconnect', handler: 'dispose', note: 'clears the debugger\'s requests and resumes what it suspended; nodes stay connected' },
  'VirtualMachine.IDSizes': { rule: 'answer', handler: 'idSizes', note: 'every ID is 8 bytes', life: 'passive' },
  'VirtualMachine.Suspend': { rule: 'fanout', readOnly: true, handler: 'suspend', note: 'every node; refused under --read-only, since it stops the whole cluster (a read-only debugger suspends single threads, or is suspended by its breakpoints)', life: 'passive' },
  'VirtualMachine.Resume': { rule: 'fanout', handler: 'resume', note: 'the nodes of the oldest VM-wide suspension the debugger holds (an event set of policy ALL, or its Suspend), else every node; allowed under --read-only: a node resumes only what this debugger suspended' },
  'VirtualMachine.Exit': { rule: 'refuse', readOnly: true, handler: 'exit', note: 'NOT_IMPLEMENTED unless --allow-exit, which sends it to every node' },
  'VirtualMachine.CreateString': { rule: 'answer', handler: 'createString', note: 'a proxy string, created on the node where it is first used; allowed under --read-only, since every command that could store it or pass it to code is refused there' },
  'VirtualMachine.Capabilities': { rule: 'intersect', handler: 'capabilities', note: 'what every node can do, as each answered when it joined (less under --read-only)', life: 'passive' },
  'VirtualMachine.ClassPaths': focus('from the focus node'),
  'VirtualMachine.DisposeObjects': { rule: 'route', handler: 'disposeObjects', note: 'each object to its own node, never with a count above the times the debugger was handed it' },
  'VirtualMachine.HoldEvents': { rule: 'fanout', handler: 'holdEvents', note: 'every node' },
  'VirtualMachine.ReleaseEvents': { rule: 'fanout', handler: 'releaseEvents', note: 'every node' },
  'VirtualMachine.CapabilitiesNew': { rule: 'intersect', handler: 'capabilities', note: 'what every node can do, as each answered when it joined (less under --read-only)', life: 'passive' },
  'VirtualMachine.RedefineClasses': { rule: 'fanout', readOnly: true, handler: 'redefineClasses', note: 'to every node that runs the symbol: cluster-wide hot swap' },
  'VirtualMachine.SetDefaultStratum': { rule: 'fanout', readOnly: true, handler: 'fanoutEmpty', note: 'every node; refused under --read-only, since it changes what every node reports to every client' },
  'VirtualMachine.AllClassesWithGeneric': { rule: 'merge', handler: 'allClassesWithGeneric', note: 'every node; one entry per (signature, symbol hash)', life: 'passive' },
  'VirtualMachine.InstanceCounts': { rule: 'merge', handler: 'instanceCounts', note: 'every node that runs each type; counts summed', life: 'passive' },
  'VirtualMachine.AllModules': { rule: 'merge', handler: 'allModules', note: 'every node; the union of their modules', life: 'passive' },

  'ReferenceType.Signature': { rule: 'answer', handler: 'signature', note: 'from the virtual type', life: 'passive' },
  'ReferenceType.ClassLoader': focus('per node: from the focus node if it runs the type'),
  'ReferenceType.Modifiers': cached(),
  'ReferenceType.Fields': cached(),
  'ReferenceType.Methods': cached(),
  'ReferenceType.GetValues': { ...focus('static values are per node: from the focus node if it runs the type'), life: 'node' },
  'ReferenceType.SourceFile': cached(),
  'ReferenceType.NestedTypes': focus('from the focus node if it runs the type'),
  'ReferenceType.Status': focus('per node: from the focus node if it runs the type'),
  'ReferenceType.Interfaces': focus('from the focus node if it runs the type'),
  'ReferenceType.ClassObject': focus('per node: from the focus node if it runs the type'),
  'ReferenceType.SourceDebugExtension': cached(),
  'ReferenceType.SignatureWithGeneric': cached(),
  'ReferenceType.FieldsWithGeneric': cached(),
  'ReferenceType.MethodsWithGeneric': cached(),
  'ReferenceType.Instances': { rule: 'merge', handler: 'instances', note: 'every node that runs the type; up to maxInstances in all', life: 'passive' },
  'ReferenceType.ClassFileVersion': cached(),
  'ReferenceType.ConstantPool': cached(),
  'ReferenceType.Module': focus('per node: from the focus node if it runs the type'),

  'ClassType.Superclass': focus('from the focus node if it runs the type'),
  'ClassType.SetValues': { rule: 'focus', readOnly: true, note: 'static values are per node: on the focus node' },
  'ClassType.InvokeMethod': { rule: 'route', readOnly: true, note: 'to the node of the thread' },
  'ClassType.NewInstance': { rule: 'route', readOnly: true, note: 'to the node of the thread' },
  'ArrayType.NewInstance': { rule: 'focus', readOnly: true, note: 'on the focus node (allocates in the target: refused under --read-only)' },
  'InterfaceType.InvokeMethod': { rule: 'route', readOnly: true, note: 'to the node of the thread' },

  'Method.LineTable': cached(),
  'Method.VariableTable': cached(),
  'Method.Bytecodes': cached(),
  'Method.IsObsolete': focus('from the focus node if it runs the type'),
  'Method.VariableTableWithGeneric': cached(),

  'ObjectReference.ReferenceType': route(undefined, 'objectReferenceType', 'object'),
  'ObjectReference.GetValues': route(undefined, undefined, 'node'),
  'ObjectReference.SetValues': { rule: 'route', readOnly: true, note: 'to the node of the object' },
  'ObjectReference.MonitorInfo': route(),
  'ObjectReference.InvokeMethod': { rule: 'route', readOnly: true, note: 'to the node of the object (the thread must be there too)' },
  'ObjectReference.DisableCollection': route('to the node of the object; undone when the debugger leaves, so allowed under --read-only', 'disableCollection'),
  'ObjectReference.EnableCollection': { rule: 'route', handler: 'enableCollection', note: 'to the node of its object, thread or frame ID' },
  'ObjectReference.IsCollected': route(undefined, 'isCollected'),
  'ObjectReference.ReferringObjects': route(),

  'StringReference.Value': route('to the node of the string; proxy strings answer themselves', 'stringValue', 'object'),

  'ThreadReference.Name': route('to the node of the thread; the name is prefixed with "[node] "', 'threadName'),
  'ThreadReference.Suspend': route('to the node of the thread; allowed under --read-only, as reading frames needs it and Resume or leaving undoes it'),
  'ThreadReference.Resume': { rule: 'route', note: 'to the node of its object, thread or frame ID' },
  'ThreadReference.Status': route(),
  'ThreadReference.ThreadGroup': route(),
  'ThreadReference.Frames': route('to the node of the thread; a thread serving an RPC call whose caller waits gets the caller\'s frames after its own, hop by hop (stitched stack; the callers stay suspended while it is stopped)', 'frames', 'thread'),
  'ThreadReference.FrameCount': route('to the node of the thread; counts the stitched stack', 'frameCount', 'thread'),
  'ThreadReference.OwnedMonitors': route(),
  'ThreadReference.CurrentContendedMonitor': route(),
  'ThreadReference.Stop': { rule: 'route', readOnly: true, note: 'to the node of the thread; the throwable must be an object of that node' },
  'ThreadReference.Interrupt': { rule: 'route', readOnly: true, note: 'to the node of the thread' },
  'ThreadReference.SuspendCount': route(),
  'ThreadReference.OwnedMonitorsStackDepthInfo': route(),
  'ThreadReference.ForceEarlyReturn': { rule: 'route', readOnly: true, note: 'to the node of the thread' },
  'ThreadReference.IsVirtual': route(),

  'ThreadGroupReference.Name': route('the root and node groups answer in the proxy; others go to their node', 'groupName'),
  'ThreadGroupReference.Parent': route('a node\'s own top-level groups have the node group as parent; node groups the "cluster" group', 'groupParent'),
  'ThreadGroupReference.Children': route('the root\'s children are the node groups; a node group\'s are the node\'s top-level groups', 'groupChildren'),

  'ArrayReference.Length': route(undefined, undefined, 'object'),
  'ArrayReference.GetValues': route(undefined, undefined, 'node'),
  'ArrayReference.SetValues': { rule: 'route', readOnly: true, handler: 'arraySetValues', note: 'to the node of the array' },

  'ClassLoaderReference.VisibleClasses': route(),

  'EventRequest.Set': { rule: 'requests', handler: 'set', note: 'every node that could match, narrowed by its modifiers; replicated to nodes that join or load the type later; Count counts across the cluster; allowed under --read-only (breakpoints and tracepoints observe, and the debugger resumes what they suspend)', life: 'passive' },
  'EventRequest.Clear': { rule: 'requests', handler: 'clear', note: 'every node the request is bound on', life: 'passive' },
  'EventRequest.ClearAllBreakpoints': { rule: 'requests', handler: 'clearAllBreakpoints', note: 'every node', life: 'passive' },

  'StackFrame.GetValues': route('to the node of the thread; a caller frame of a stitched stack to its own node and thread', 'onFrame', 'thread'),
  'StackFrame.SetValues': { rule: 'route', readOnly: true, handler: 'onFrame', note: 'to the node of the thread; a caller frame of a stitched stack to its own node and thread' },
  'StackFrame.ThisObject': route('to the node of the thread; a caller frame of a stitched stack to its own node and thread', 'onFrame', 'thread'),
  'StackFrame.PopFrames': { rule: 'route', readOnly: true, handler: 'onFrame', note: 'to the node of the thread; OPAQUE_FRAME for a caller frame of a stitched stack' },

  'ClassObjectReference.ReflectedType': route(),
  'ModuleReference.Name': route(),
  'ModuleReference.ClassLoader': route(),

  'Event.Composite': { rule: 'refuse', note: 'only ever sent by a VM; NOT_IMPLEMENTED from a debugger' },

  'Fabric.Nodes': { rule: 'answer', handler: 'nodes', note: 'each node\'s name, address, VM version, state and thread count' },
  'Fabric.SymbolInfo': { rule: 'answer', handler: 'symbolInfo', note: 'a type\'s symbol hash and every version of its class with their nodes' },
  'Fabric.SetBreakpointBySymbol': { rule: 'requests', handler: 'setBreakpointBySymbol', note: 'a line breakpoint on one symbol (or every version), present and future nodes' },
  'Fabric.HeapPools': { rule: 'merge', handler: 'heapPools', note: 'per node, the top N classes by instance count' },
  'Fabric.RequestInfo': { rule: 'answer', handler: 'requestInfo', note: 'on how many nodes a request is bound' },
  'Fabric.DivergentClasses': { rule: 'merge', handler: 'divergentClasses', note: 'classes loaded in more than one version across the nodes' },
  'Fabric.DisableOnNode': { rule: 'requests', handler: 'disableOnNode', note: 'clears a request on one node and keeps it off there' },
  'Fabric.CallerChain': { rule: 'answer', handler: 'callerChain', note: 'the hops of a thread\'s stitched stack: where each caller\'s frames start, its node, thread, edge and label' },
  'Fabric.Edges': { rule: 'merge', handler: 'edges', note: 'every RPC edge, and on which live nodes its client and server sides are bound' },
  'Fabric.SetRequestScope': { rule: 'requests', handler: 'setRequestScope', note: 'scopes the debugger\'s breakpoints to threads serving marked requests (entry checks at every server side, ThreadOnly requests per in-scope thread)' },
  'Fabric.RequestScopeInfo': { rule: 'answer', handler: 'requestScopeInfo', note: 'the session\'s request scope and, per node, its checks, matches, in-scope threads and cost' },
  'Fabric.StopSnapshot': { rule: 'route', handler: 'stopSnapshot', note: 'to the node of the thread: its stitched frames, the top frame\'s this and locals, one level of their children and their strings, read pipelined' },
};
