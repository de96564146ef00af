// Runs the JDI check program (test/jdi/src/jdicheck), attached with the SocketAttach connector as IntelliJ does,
// one scenario per run, and reads its verdict: a "PASS name" or "FAIL name: reason" line per check.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileJava, javaExecutable } from '../../jdwp/launch/java';
import { ROOT } from '../support/fixtures';
import { Expect, sleep } from './support';

/** Where the program is compiled; each run's transcript and proxy log are kept there as SCENARIO.log. */
export const CHECK_CLASSES = path.join(ROOT, '.tmp', 'jdi-check');
/** Longest a scenario may run. */
const SCENARIO_MS = 40_000;

/** Compiles the JDI check program (the jdk.jdi module is visible to class-path code). */
export function checkClasses(): string {
  return compileJava(path.join(ROOT, 'test', 'jdi', 'src'), CHECK_CLASSES);
}

/** What one run of the check program printed. */
export interface CheckRun {
  code: number | null;
  lines: string[];
  transcript: string;
}

/**
 * Runs one scenario against the virtual VM on `port`. At each "READY tag" it runs the action for the tag, then
 * answers GO. `proxyLog` gives the proxy's log for failure messages.
 */
export async function runCheck(port: number, scenario: string, args: string[], proxyLog: () => string, actions: Record<string, () => Promise<void>> = {}): Promise<CheckRun> {
  const run = new Expect(javaExecutable('java'), ['-Xmx64m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-cp', CHECK_CLASSES, 'jdicheck.FabricJdiCheck', scenario, String(port), ...args]);
  try {
    for (const [tag, action] of Object.entries(actions)) {
      await run.expect(new RegExp(`^READY ${tag}$`, 'm'), SCENARIO_MS);
      await action();
      run.send('GO');
    }
    const code = await Promise.race([run.exited, sleep(SCENARIO_MS).then(() => 'timeout' as const)]);
    if (code === 'timeout') throw new Error(`${scenario} did not finish within ${SCENARIO_MS} ms\n${run.tail()}${proxyLog()}`);
    return { code, lines: run.transcript.split('\n'), transcript: run.transcript };
  } finally {
    await run.kill();
    fs.writeFileSync(path.join(CHECK_CLASSES, `${scenario}.log`), `${run.transcript}${proxyLog()}\n`);
  }
}

/** Asserts a run printed every expected PASS line, no FAIL line, and exited with 0. */
export function assertPassed(run: CheckRun, expected: string[], proxyLog: () => string): void {
  const context = `\n--- check program ---\n${run.transcript}${proxyLog()}`;
  assert.deepEqual(run.lines.filter((l) => l.startsWith('FAIL ')), [], `no check failed${context}`);
  for (const name of expected) assert.ok(run.lines.includes(`PASS ${name}`), `PASS ${name}${context}`);
  assert.equal(run.code, 0, `exit code${context}`);
}
