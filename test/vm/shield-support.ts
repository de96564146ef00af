// Shared helpers of the shield tests (one-packet regressions, read-only proof, fuzzer): raw commands through the
// proxy, and the check that every node behind it is alive and answers.
import * as assert from 'node:assert/strict';
import type { JdwpClient } from '../../jdwp/client/client';
import type { Jvm } from '../../jdwp/launch/java';
import { commandByName, JDWP } from '../../jdwp/registry';
import { VIRTUAL_SIZES } from '../../jdwp/vm/translate';
import type { VirtualVm } from '../../jdwp/vm/server';

/** The JDWP error name of a code, e.g. 20 gives INVALID_OBJECT. */
export function errorName(code: number): string {
  return Object.entries(JDWP.Error).find(([, v]) => v === code)?.[0] ?? String(code);
}

/** The out data of a command, encoded from a record as the table lays it out with 8-byte IDs. */
export function outData(command: string, rec: Record<string, unknown>): Buffer {
  return commandByName(command).out.encode(VIRTUAL_SIZES, rec);
}

/** Sends raw out data of a named command and resolves with the name of the error it answered ('NONE' for success). */
export async function send(vm: JdwpClient, command: string, data: Buffer): Promise<string> {
  const info = commandByName(command);
  const reply = await vm.raw(info.set.id, info.spec.id, data, { timeoutMs: 15_000 });
  return reply.errorCode === 0 ? 'NONE' : errorName(reply.errorCode);
}

/** True while the process runs (kill -0 succeeds and it has not exited). */
export function pidAlive(jvm: Jvm): boolean {
  if (jvm.process.exitCode !== null || jvm.process.signalCode !== null || jvm.process.pid === undefined) return false;
  try {
    process.kill(jvm.process.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Asserts that every node's JVM is alive and that each answers VirtualMachine.Version over the proxy's own link. */
export async function assertNodesAnswer(proxy: VirtualVm, jvms: Jvm[], what: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 150));
  const dead = jvms.filter((j) => !pidAlive(j)).map((j) => `pid ${j.process.pid} (${j.process.exitCode ?? j.process.signalCode}): ${j.output.slice(-5).join(' | ')}`);
  assert.deepEqual(dead, [], `${what}: nodes died`);
  const live = proxy.cluster.live();
  assert.equal(live.length, jvms.length, `${what}: nodes still joined`);
  await Promise.all(live.map((l) => l.client.VirtualMachine.Version()));
}
