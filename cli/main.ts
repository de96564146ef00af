import { inspect } from './inspect';
import { proxy } from './proxy';
import { demo } from './demo';
import { trace } from './trace';
import { script } from './script';
import { edges } from './edges';
import { runDebugAdapter } from '../adapter/main';

const USAGE = `usage: jdwp-fabric <command> [options]

commands:
  demo                  start the demo flow (gateway -> orders -> inventory, 2 JVMs each) behind the virtual VM, with load
  proxy --listen ...    serve one virtual JVM over many JVM nodes (see proxy --help)
  inspect HOST:PORT     attach to a JVM (or the virtual VM) and print its version, threads and class count
  trace --connect ...   non-breaking snapshots, tracepoints and logpoints as JSON lines (see trace --help)
  script FILE           run a JSON script of trace probes (see script --help)
  edges --check|--list  RPC edges: where a running cluster binds them, or the presets as JSON (see edges --help)
  dap                   speak the Debug Adapter Protocol on stdin and stdout (for editors)

Run "jdwp-fabric <command> --help" for a command's options.`;

/** The CLI entry point; resolves with the process exit code (`dap` never resolves: the session ends the process). */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'inspect':
      return inspect(rest);
    case 'proxy':
      return proxy(rest);
    case 'demo':
      return demo(rest);
    case 'trace':
      return trace(rest);
    case 'script':
      return script(rest);
    case 'edges':
      return edges(rest);
    case 'dap':
      runDebugAdapter();
      return new Promise<number>(() => {});
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`jdwp-fabric: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}
