// The proxy's live mirror against the nodes' own answers, under churn: threads that start and end, classes loaded
// in loaders of their own, prepared, initialized and unloaded, a node that leaves and one that joins, a
// redefinition, and on a JDK 21+ node virtual threads (which the mirror leaves out, as AllThreads does).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JdwpClient } from '../../jdwp/client/client';
import { startJvm, type Jvm } from '../../jdwp/launch/java';
import type { Method_LineTable_Reply } from '../../jdwp/protocol/spec-types';
import type { ReferenceTypeID } from '../../jdwp/protocol/wire-types';
import type { NodeLink } from '../../jdwp/vm/node-link';
import { VirtualVm } from '../../jdwp/vm/server';
import { fixtureClasses, killAll, tmpDir } from '../support/fixtures';
import { seededRandom } from '../support/random';
import { printed, sleep } from './support';

const SIGNATURES = ['Lchurn/Plugin;', 'Lchurn/Churn;', 'Ljava/lang/String;', 'Lchurn/Absent;', '[Lchurn/Plugin;'];
const JDK21 = ['/usr/lib/jvm/temurin-25-jdk-amd64', '/usr/lib/jvm/java-21-openjdk-amd64', '/usr/lib/jvm/temurin-21-jdk-amd64']
  .map((home) => path.join(home, 'bin', 'java'))
  .find((java) => fs.existsSync(java));

/** A churn node: its JVM, the command file it follows and how many commands it has been given. */
interface ChurnNode {
  jvm: Jvm;
  commands: string;
  given: number;
  modern: boolean;
}

describe('the live mirror against the nodes, under churn', function () {
  this.timeout(240_000);
  const jvms: Jvm[] = [];
  let vm: VirtualVm | undefined;
  let debugger_: JdwpClient | undefined;
  const dir = tmpDir('mirror-churn');
  let nextNode = 0;

  async function startChurn(modern = false): Promise<ChurnNode> {
    const commands = path.join(dir, `node-${nextNode++}.commands`);
    fs.writeFileSync(commands, '');
    const jvm = await startJvm({
      classPath: [fixtureClasses()],
      mainClass: 'churn.Churn',
      args: [commands],
      mode: 'dial',
      dialAddress: `127.0.0.1:${vm!.acceptAddress!.port}`,
      java: modern ? JDK21 : undefined,
    });
    jvms.push(jvm);
    await printed(jvm, 'churn ready');
    return { jvm, commands, given: 0, modern };
  }

  async function command(node: ChurnNode, line: string): Promise<void> {
    fs.appendFileSync(node.commands, line + '\n');
    await printed(node.jvm, `done ${++node.given}`);
  }

  after(async () => {
    await debugger_?.dispose().catch(() => undefined);
    await vm?.close();
    await killAll(jvms);
  });

  /** The differences between what the proxy answers from its mirror and what the nodes answer themselves, now. */
  async function differences(): Promise<string[]> {
    const out: string[] = [];
    const links = vm!.cluster.live().filter((l) => l.joined);
    const fromProxy = new Set((await debugger_!.VirtualMachine.AllThreads()).threads.map(String));
    const fromNodes = new Set<string>();
    for (const link of links) {
      const { threads } = await link.client.VirtualMachine.AllThreads();
      for (const t of threads) fromNodes.add(String(link.ids.toVirtual(t)));
    }
    for (const t of fromProxy) if (!fromNodes.has(t)) out.push(`AllThreads lists ${t}, which no node lists`);
    for (const t of fromNodes) if (!fromProxy.has(t)) out.push(`AllThreads misses ${t}`);
    for (const link of links) {
      for (const signature of SIGNATURES) {
        const mirrored = rows(await link.classesBySignature(signature));
        const own = rows((await link.client.VirtualMachine.ClassesBySignature(signature)).classes);
        if (mirrored !== own) out.push(`${link.name} ${signature}: mirror [${mirrored}], node [${own}]`);
      }
    }
    const virtual = new Set((await debugger_!.VirtualMachine.ClassesBySignature('Lchurn/Plugin;')).classes.map((c) => String(c.typeID)));
    const expected = new Set<string>();
    for (const link of links) {
      for (const c of (await link.client.VirtualMachine.ClassesBySignature('Lchurn/Plugin;')).classes) {
        expected.add(String((await vm!.cluster.registry.resolve(link, c.typeID, { signature: 'Lchurn/Plugin;', tag: c.refTypeTag })).vid));
      }
    }
    if ([...virtual].sort().join() !== [...expected].sort().join()) out.push(`ClassesBySignature(churn.Plugin): proxy [${[...virtual]}], nodes [${[...expected]}]`);
    return out;
  }

  function rows(classes: Array<{ typeID: bigint; status: number; refTypeTag: number }>): string {
    return classes
      .map((c) => `${c.typeID}/${c.refTypeTag}/${c.status}`)
      .sort()
      .join(' ');
  }

  /** Waits until the mirror agrees with the nodes (their events may still be on the wire); fails with what differs. */
  async function agree(step: string, seed: number): Promise<number> {
    const t0 = Date.now();
    let diff: string[] = [];
    while (Date.now() - t0 < 5_000) {
      diff = await differences();
      if (!diff.length) return Date.now() - t0;
      await sleep(50);
    }
    assert.fail(`seed ${seed}, after ${step}: the mirror does not agree with the nodes:\n${diff.join('\n')}`);
  }

  /** True when the mirror answers the signature without asking the node. */
  function mirrorAnswers(link: NodeLink, signature: string): boolean {
    return Array.isArray(link.classes.lookup(signature, () => Promise.reject(new Error('asked the node'))));
  }

  it('agrees with every node after each of a seeded run of random steps, and answers from itself where it can', async () => {
    const seed = Number(process.env.MIRROR_SEED ?? Date.now() % 100_000);
    const random = seededRandom(seed);
    vm = await VirtualVm.start({ listen: '127.0.0.1:0', accept: '127.0.0.1:0', nodes: [], log: () => undefined });
    const nodes = [await startChurn(), await startChurn(), ...(JDK21 ? [await startChurn(true)] : [])];
    await vm.waitForNodes(nodes.length, 30_000);
    debugger_ = await JdwpClient.attach({ host: '127.0.0.1', port: vm.address.port });
    await agree('attach', seed);
    const loaders = new Map<ChurnNode, string[]>();
    const prepared = new Map<ChurnNode, string[]>();
    let names = 0;
    let redefined = false;
    let slowest = 0;
    let slowestStep = '';
    const done = new Map<string, number>();
    for (let step = 0; step < 36; step++) {
      const node = nodes[Math.floor(random() * nodes.length)];
      const pick = random();
      let what: string;
      if (pick < 0.2) what = `start ${1 + Math.floor(random() * 4)}`;
      else if (pick < 0.35) what = `stop ${1 + Math.floor(random() * 3)}`;
      else if (pick < 0.5) what = `load l${names++}`;
      else if (pick < 0.6) what = `prepare l${names++}`;
      else if (pick < 0.68 && prepared.get(node)?.length) what = `init ${prepared.get(node)!.shift()}`;
      else if (pick < 0.8 && loaders.get(node)?.length) {
        const name = loaders.get(node)!.splice(Math.floor(random() * loaders.get(node)!.length), 1)[0];
        prepared.set(node, (prepared.get(node) ?? []).filter((n) => n !== name));
        what = `drop ${name}`;
      }
      else if (pick < 0.86 && node.modern) what = `virtual ${5 + Math.floor(random() * 20)}`;
      else if (pick < 0.9 && step > 10) what = 'replace';
      else if (pick < 0.94 && !redefined) what = 'redefine';
      else what = `start 1`;
      if (what === 'replace') {
        // A node leaves and another joins.
        const i = nodes.indexOf(node);
        const before = vm.cluster.live().length;
        await node.jvm.kill();
        for (let k = 0; k < 100 && vm.cluster.live().length >= before; k++) await sleep(50);
        nodes[i] = await startChurn(node.modern);
        await vm.waitForNodes(nodes.length, 30_000);
        loaders.delete(node);
        prepared.delete(node);
      } else if (what === 'redefine') {
        const { classes } = await debugger_.VirtualMachine.ClassesBySignature('Lchurn/Churn;');
        const bytes = fs.readFileSync(path.join(fixtureClasses(), 'churn', 'Churn.class'));
        await debugger_.VirtualMachine.RedefineClasses(classes.map((c) => ({ refType: c.typeID, classfile: [...bytes] })));
        const type = classes[0].typeID as ReferenceTypeID;
        const { declared } = await debugger_.ReferenceType.Methods(type);
        const park = declared.find((m) => m.name === 'park')!;
        const viaProxy: Method_LineTable_Reply = await debugger_.Method.LineTable(type, park.methodID);
        for (const link of vm.cluster.live()) {
          const raw = vm.cluster.registry.byId.get(type)!.members.get(link)!;
          const own = (await link.client.ReferenceType.Methods(raw as ReferenceTypeID)).declared.find((m) => m.name === 'park')!;
          const table: Method_LineTable_Reply = await link.client.Method.LineTable(raw as ReferenceTypeID, own.methodID);
          assert.deepEqual(viaProxy.lines.map((l) => l.lineNumber), table.lines.map((l) => l.lineNumber), `seed ${seed}: a line table after RedefineClasses`);
        }
        redefined = true;
      } else {
        await command(node, what);
        const [verb, name] = what.split(' ');
        if (verb === 'load') loaders.set(node, [...(loaders.get(node) ?? []), name]);
        if (verb === 'prepare') {
          loaders.set(node, [...(loaders.get(node) ?? []), name]);
          prepared.set(node, [...(prepared.get(node) ?? []), name]);
        }
      }
      done.set(what.split(' ')[0], (done.get(what.split(' ')[0]) ?? 0) + 1);
      const took = await agree(`step ${step}: ${what} on node ${nodes.indexOf(node) + 1}`, seed);
      if (took >= slowest) [slowest, slowestStep] = [took, what];
    }
    for (const link of vm.cluster.live()) {
      assert.ok(mirrorAnswers(link, 'Lchurn/Churn;'), `${link.name}: an initialized class is answered from the mirror`);
      assert.ok(!mirrorAnswers(link, '[Lchurn/Plugin;'), `${link.name}: an array class is always asked`);
    }
    if (JDK21) {
      const modern = vm.cluster.live().find((l) => l.version.jdwpMajor >= 21)!;
      assert.equal(modern.listsVirtualThreads, false);
    }
    console.log(`      (seed ${seed}; steps ${[...done].map(([k, n]) => `${k} ${n}`).join(', ')}; the mirror agreed with the nodes at most ${slowest} ms after each step (${slowestStep})${JDK21 ? '' : '; no JDK 21+ here: no virtual threads'})`);
  });
});
