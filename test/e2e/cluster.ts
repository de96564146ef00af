import * as path from 'node:path';
import { SMALL_JVM_FLAGS, compileJava, startJvm, type Jvm } from '../../jdwp/launch/java';

/** The demo cluster the end-to-end run debugs. */
export interface DemoCluster {
  /** "host:port" of each node's JDWP agent. */
  nodes: string[];
  /** The node names, as the demo service calls itself (-Ddemo.node). */
  names: string[];
  close(): Promise<void>;
}

/** Compiles the demo service and starts it on `count` JVMs with their JDWP agents listening on loopback ports. */
export async function startDemoNodes(root: string, count: number): Promise<DemoCluster> {
  const classes = compileJava(path.join(root, 'demo', 'src'), path.join(root, '.tmp', 'classes', 'demo-e2e'));
  const names = Array.from({ length: count }, (_, i) => `node-${i + 1}`);
  const jvms: Jvm[] = [];
  const close = async () => {
    await Promise.all(jvms.splice(0).map((j) => j.kill()));
  };
  try {
    for (const name of names) {
      jvms.push(
        await startJvm({
          classPath: [classes],
          mainClass: 'demo.OrderService',
          args: ['200', '2'],
          vmArgs: [...SMALL_JVM_FLAGS, `-Ddemo.node=${name}`],
        }),
      );
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { nodes: jvms.map((j) => `127.0.0.1:${j.port}`), names, close };
}
