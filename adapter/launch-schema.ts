/**
 * The launch configuration of the jdwp-fabric debug type, declared once: its attributes with their JSON schema
 * (package.json's `configurationAttributes` are generated from them and a test checks that they are), their
 * defaults, the suspend scopes and step filters, and the word splitter of command-line attributes. The
 * extension (extension/config.ts) and the adapter (adapter/config.ts) both validate against it.
 */

import { TOKEN_ENV } from '../jdwp/client/connect';
import { TLS_CA_ENV } from '../jdwp/guard/tls';

/** The requests a configuration can make. */
export type RequestKind = 'attach' | 'launch';

/** A JSON schema fragment, as VS Code reads it in `configurationAttributes`. */
export type JsonSchema = Record<string, unknown>;

/** One attribute: the requests that take it and its schema. */
export interface AttributeSpec {
  readonly requests: readonly RequestKind[];
  readonly schema: JsonSchema;
}

/** Stable numbered codes of launch configuration errors (31xx; the adapter uses 30xx), shown as "jdwp-fabric [code]: message". */
export const ConfigErrorCode = {
  /** `request` is neither "attach" nor "launch". */
  BAD_REQUEST: 3101,
  /** An attach configuration has none of `port`, `url`, `nodes` and `discover`. */
  MISSING_TARGET: 3102,
  /** An attach configuration has two of `port`, `url` and `nodes` (or `discover`). */
  CONFLICTING_TARGETS: 3103,
  /** `port` is not an integer from 1 to 65535. */
  BAD_PORT: 3104,
  /** An entry of `nodes` is not "host:port". */
  BAD_NODE: 3105,
  /** A launch configuration has no `mainClass`. */
  MISSING_MAIN_CLASS: 3106,
  /** An attribute has the wrong type or value. */
  BAD_ATTRIBUTE: 3107,
  /** `edges` is not a list of RPC edges (see docs/edges.md), or names an unreadable file. */
  BAD_EDGES: 3108,
  /** `url` is not a "ws://" or "wss://" URL. */
  BAD_URL: 3109,
} as const;

/** A configuration error: a stable code and a message that names the attribute. */
export class ConfigError extends Error {
  constructor(
    readonly code: (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode],
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Where a breakpoint or step suspends, with what each choice means. */
export const SUSPEND_SCOPES = {
  thread: 'A breakpoint hit suspends only the thread that hit it.',
  node: 'A breakpoint hit or pause suspends the JVM (node) where it happens; the other nodes keep running.',
  cluster: 'A breakpoint hit or pause suspends every node of the cluster.',
} as const;

/** Where a breakpoint or step suspends: the event thread, the node (one JVM) or the whole cluster. */
export type SuspendScope = keyof typeof SUSPEND_SCOPES;

/** The suspend scope when none is configured. */
export const DEFAULT_SUSPEND_SCOPE: SuspendScope = 'node';

/** Milliseconds to wait for the VM to answer when no timeout is configured. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The JDK packages that "$JDK" stands for in skipClasses. */
export const JDK_PACKAGES = ['java.*', 'javax.*', 'jdk.*', 'sun.*', 'com.sun.*', 'org.ietf.*', 'org.omg.*', 'org.w3c.*', 'org.xml.*'];

/** The classes stepping skips when no skipClasses are configured. */
export const DEFAULT_SKIP_CLASSES = ['java.*', 'jdk.*', 'sun.*'];

/** The step filters' switches, with their defaults and meanings. */
export const STEP_FILTER_FLAGS = {
  skipSynthetics: { default: true, description: "Skip synthetic methods (such as bridge methods and lambda bodies' accessors)." },
  skipStaticInitializers: { default: false, description: 'Skip static initializers.' },
  skipConstructors: { default: false, description: 'Skip constructors.' },
} as const;

/** Step filters, named as in VS Code's Java debugger. */
export type StepFilters = { skipClasses?: string[] } & { [F in keyof typeof STEP_FILTER_FLAGS]?: boolean };

/** A node's address in `nodes`: "host:port", the host in brackets for IPv6. */
export const NODE_ADDRESS_PATTERN = '^(\\[[^\\]]+\\]|[^:\\s]+):\\d+$';

/** The proxy's WebSocket endpoint in `url`: "ws://HOST:PORT/..." or "wss://HOST:PORT/...". */
export const WS_URL_PATTERN = '^wss?://[^/\\s?#]+(/\\S*)?$';

const BOTH: readonly RequestKind[] = ['attach', 'launch'];
const stringArray = { type: 'array', items: { type: 'string' } };
const commandLine = { type: ['string', 'array'], items: { type: 'string' } };

/** Every attribute, in the order package.json lists them. */
export const ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  hostName: {
    requests: ['attach'],
    schema: { type: 'string', default: 'localhost', description: 'Host of the jdwp-fabric proxy or of a JVM started with -agentlib:jdwp=...,server=y. Used with "port".' },
  },
  port: {
    requests: ['attach'],
    schema: { type: ['number', 'string'], default: 5005, description: 'JDWP port of the proxy or of one JVM. Use either "hostName"/"port", "url" or "nodes".' },
  },
  url: {
    requests: ['attach'],
    schema: {
      type: 'string',
      pattern: WS_URL_PATTERN,
      patternErrorMessage: 'ws://HOST:PORT/ or wss://HOST:PORT/',
      default: 'wss://localhost:5006/',
      description: 'The WebSocket endpoint of a jdwp-fabric proxy (its --listen-ws): "ws://HOST:PORT/", or "wss://HOST:PORT/" over TLS. Use instead of "hostName"/"port".',
    },
  },
  token: {
    requests: ['attach'],
    schema: {
      type: 'string',
      description: `With "url": the bearer token the proxy checks (its --token or --tokens). Default: $${TOKEN_ENV}. Rather than writing it here, use "\${env:NAME}".`,
    },
  },
  tlsCa: {
    requests: ['attach'],
    schema: {
      type: 'string',
      description: `With a "wss://" "url": the PEM file of the CA that signed the proxy's certificate. Default: $${TLS_CA_ENV}, else the system's trusted CAs.`,
    },
  },
  nodes: {
    requests: ['attach'],
    schema: {
      type: 'array',
      items: { type: 'string', pattern: NODE_ADDRESS_PATTERN, patternErrorMessage: 'host:port' },
      minItems: 1,
      default: ['localhost:5005', 'localhost:5006'],
      description: 'JDWP addresses ("host:port") of the JVMs of a cluster. The adapter starts a virtual VM over them, so the cluster debugs as one JVM.',
    },
  },
  discover: {
    requests: ['attach'],
    schema: {"type": "array", "items": {"type": "string", "pattern": "^(k8s|dns):.+$", "patternErrorMessage": "k8s:[NAMESPACE/]LABEL-SELECTOR or dns:NAME[:PORT]"}, "minItems": 1, "description": "Where to find the JVMs of a cluster, as the proxy's --discover: \"k8s:[NAMESPACE/]LABEL-SELECTOR\" (running, ready pods) or \"dns:NAME[:PORT]\" (A or SRV records). Nodes join and leave as the source changes. May go with \"nodes\"."},
  },
  mainClass: {
    requests: ['launch'],
    schema: { type: 'string', description: 'Fully qualified name of the class with main(), such as "demo.Gateway".' },
  },
  classPaths: {
    requests: ['launch'],
    schema: { ...stringArray, default: ['${workspaceFolder}/out'], description: 'Class path entries (directories or jars); relative ones are resolved against "cwd". Default: "cwd".' },
  },
  vmArgs: {
    requests: ['launch'],
    schema: { ...commandLine, default: '', description: 'Extra JVM options, as a command line string or an array, such as "-Xmx256m -Dname=value".' },
  },
  args: {
    requests: ['launch'],
    schema: { ...commandLine, default: '', description: 'Program arguments, as a command line string or an array.' },
  },
  cwd: {
    requests: ['launch'],
    schema: { type: 'string', default: '${workspaceFolder}', description: 'Working directory of the program. Default: the workspace folder.' },
  },
  env: {
    requests: ['launch'],
    schema: { type: 'object', additionalProperties: { type: 'string' }, default: {}, description: 'Extra environment variables of the program.' },
  },
  sourcePaths: {
    requests: BOTH,
    schema: {
      ...stringArray,
      default: ['${workspaceFolder}/src/main/java'],
      description: "Source roots searched by package path and SourceFile, before the workspace folders' own (src/main/java, src/test/java, src, or the folder itself).",
    },
  },
  stepFilters: {
    requests: BOTH,
    schema: {
      type: 'object',
      description: 'Classes and methods that stepping skips.',
      default: { skipClasses: DEFAULT_SKIP_CLASSES, skipSynthetics: STEP_FILTER_FLAGS.skipSynthetics.default },
      properties: {
        skipClasses: {
          ...stringArray,
          description: `Class name patterns to step through, such as "java.*"; "$JDK" stands for the JDK's packages. Default: ${JSON.stringify(DEFAULT_SKIP_CLASSES).replace(/,/g, ', ')}.`,
        },
        ...Object.fromEntries(Object.entries(STEP_FILTER_FLAGS).map(([name, flag]) => [name, { type: 'boolean', description: flag.description }])),
      },
    },
  },
  suspendScope: {
    requests: BOTH,
    schema: {
      type: 'string',
      enum: Object.keys(SUSPEND_SCOPES),
      enumDescriptions: Object.values(SUSPEND_SCOPES),
      default: DEFAULT_SUSPEND_SCOPE,
      description: `What a breakpoint hit suspends when the session spans several JVMs. Default: "${DEFAULT_SUSPEND_SCOPE}".`,
    },
  },
  timeout: {
    requests: BOTH,
    schema: {
      type: 'number',
      default: DEFAULT_TIMEOUT_MS,
      description: `Milliseconds to wait for the JVMs or the proxy to answer (connecting and each request). Default: ${DEFAULT_TIMEOUT_MS}.`,
    },
  },
  stopOnEntry: {
    requests: BOTH,
    schema: { type: 'boolean', default: false, description: 'Stop as soon as attached, or at the start of main when launching.' },
  },
  nodeSessions: {
    requests: ['attach'],
    schema: {
      type: 'boolean',
      default: true,
      description: "Through the virtual VM, show each node as its own session under the cluster's session in the Call Stack (cluster → node → threads). false keeps one flat list of every thread.",
    },
  },
  edges: {
    requests: ['attach'],
    schema: {"type": ["array", "string"], "items": {"type": "object", "required": ["name", "client", "server"], "additionalProperties": false, "properties": {"name": {"type": "string", "description": "A unique name for the edge."}, "client": {"type": "object", "required": ["method", "key"], "additionalProperties": false, "properties": {"method": {"type": "string", "description": "The declaring class and method, \"package.Class.method\" (nested classes with $)."}, "signature": {"type": "string", "description": "The method's JNI signature, when its name is overloaded, such as \"(Ljava/lang/String;)V\"."}, "key": {"type": "string", "description": "An expression in the method's frame (no method calls; argN is the Nth argument) giving the call's key, or an object holding the request's headers."}, "header": {"type": "string", "description": "The header that carries the key when \"key\" gives headers. Default: traceparent (W3C trace context)."}}, "description": "The method that sends a call, and how to read its key."}, "server": {"type": "object", "required": ["method", "key"], "additionalProperties": false, "properties": {"method": {"type": "string", "description": "The declaring class and method, \"package.Class.method\" (nested classes with $)."}, "signature": {"type": "string", "description": "The method's JNI signature, when its name is overloaded, such as \"(Ljava/lang/String;)V\"."}, "key": {"type": "string", "description": "An expression in the method's frame (no method calls; argN is the Nth argument) giving the call's key, or an object holding the request's headers."}, "header": {"type": "string", "description": "The header that carries the key when \"key\" gives headers. Default: traceparent (W3C trace context)."}, "mark": {"type": "object", "required": ["field", "carries"], "additionalProperties": false, "properties": {"field": {"type": "string", "description": "\"package.Class.field\": a String field its class writes from a local variable, only for requests that carry a mark."}, "carries": {"type": "string", "description": "Which mark the field holds: \"header:NAME\", \"baggage:KEY\" or \"trace\"."}}, "description": "A field written only for marked requests: a request scope of that mark watches its writes instead of checking every request."}}, "description": "The method that starts serving a call, and how to read the same key."}, "label": {"type": "string", "description": "What the stack shows between hops, a template in the client's frame such as \"RPC {arg0.name}\". Default: the edge's name."}}}, "default": [], "description": "With \"nodes\": RPC edges to stitch stacks and follow Step Into across, besides the presets; an array of edges or the path of a JSON file of them. See docs/edges.md."},
  },
  edgePresets: {
    requests: ['attach'],
    schema: {"type": "boolean", "default": true, "description": "With \"nodes\": use the preset edges (the JDK's HttpClient into com.sun.net.httpserver and into javax/jakarta servlets). Default: true."},
  },
  stitch: {
    requests: ['attach'],
    schema: {"type": "boolean", "default": true, "description": "With \"nodes\": a thread stopped in a server handler shows its caller's frames (on any node) after its own, with a label between hops. Default: true."},
  },
  requestScope: {
    requests: BOTH,
    schema: {
      type: 'string',
      description:
        'Stop only requests marked so, through the virtual VM: header:NAME=VALUE, baggage:KEY=VALUE, trace:TRACE-ID or expr:EXPRESSION (for example "header:X-Debug-Session=alice"). Other requests never pause at this session\'s breakpoints. Change it during a session with the request fabric.setRequestScope.',
    },
  },
  javaExec: {
    requests: ['launch'],
    schema: { type: 'string', description: 'The java executable. Default: $JAVA_HOME/bin/java, or java on the PATH.' },
  },
};

/** The attributes a launch request requires. */
export const LAUNCH_REQUIRED = ['mainClass'];

/** package.json's `configurationAttributes`, generated from ATTRIBUTES. */
export function configurationAttributes(): Record<RequestKind, JsonSchema> {
  const propertiesOf = (request: RequestKind) =>
    Object.fromEntries(Object.entries(ATTRIBUTES).filter(([, a]) => a.requests.includes(request)).map(([name, a]) => [name, a.schema]));
  return { attach: { properties: propertiesOf('attach') }, launch: { required: LAUNCH_REQUIRED, properties: propertiesOf('launch') } };
}

/**
 * Splits a command line into words as a shell does for plain words: whitespace separates, single and double
 * quotes group, a backslash escapes (inside double quotes too). An unclosed quote gets `unclosed(quote)` thrown.
 */
export function splitCommandLine(line: string, unclosed: (quote: string) => Error): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw unclosed(quote);
  if (inWord) words.push(word);
  return words;
}

/** The choices of an attribute as a message names them: "a", "b" or "c". */
export function choices(names: readonly string[]): string {
  const quoted = names.map((n) => `"${n}"`);
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}` : quoted.join('');
}

/** True for a configured suspend scope the schema knows. */
export function isSuspendScope(value: unknown): value is SuspendScope {
  return typeof value === 'string' && Object.hasOwn(SUSPEND_SCOPES, value);
}
