import * as path from 'node:path';
import { compileJava, startJvm, type Jvm, type JvmOptions } from '../../jdwp/launch/java';

/** The project root, from out/test/support. */
export const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Compiles the Java fixtures under test/fixtures/java once and returns the class directory. */
export function fixtureClasses(): string {
  return compileJava(path.join(ROOT, 'test', 'fixtures', 'java'), path.join(ROOT, '.tmp', 'classes', 'fixtures'));
}

/** The line of a marker comment in a fixture source file, e.g. lineOf('fixture/Fixture.java', 'BREAK_LINE'). */
export function lineOf(relativeSource: string, marker: string): number {
  const text = require('node:fs').readFileSync(path.join(ROOT, 'test', 'fixtures', 'java', relativeSource), 'utf8') as string;
  const idx = text.split('\n').findIndex((l) => l.includes(marker));
  if (idx < 0) throw new Error(`marker ${marker} not in ${relativeSource}`);
  return idx + 1;
}

/** Starts a fixture JVM and registers it for cleanup. */
export async function startFixture(jvms: Jvm[], mainClass = 'fixture.Fixture', options: Partial<JvmOptions> = {}): Promise<Jvm> {
  const jvm = await startJvm({ classPath: [fixtureClasses()], mainClass, ...options });
  jvms.push(jvm);
  return jvm;
}

/** Kills every JVM in the list. */
export async function killAll(jvms: Jvm[]): Promise<void> {
  await Promise.all(jvms.splice(0).map((j) => j.kill()));
}

/** The primitive locals of Fixture.work at its BREAK_LINE, in declaration order. */
export const FIXTURE_PRIMITIVE_LOCALS = ['z', 'b', 'c', 's', 'i', 'l', 'f', 'd'] as const;

/** The values Fixture.work holds in its primitive locals at BREAK_LINE in a given round, as JDWP tagged values. */
export function fixturePrimitiveValues(round: number): Array<{ tag: number; value: unknown }> {
  const t = (c: string) => c.charCodeAt(0);
  return [
    { tag: t('Z'), value: round % 2 === 0 },
    { tag: t('B'), value: 7 },
    { tag: t('C'), value: t('x') },
    { tag: t('S'), value: 300 },
    { tag: t('I'), value: round },
    { tag: t('J'), value: 1234567890123n },
    { tag: t('F'), value: 1.5 },
    { tag: t('D'), value: 2.25 },
  ];
}

/** A fresh directory under the project's .tmp (made first: a fresh clone has none). */
export function tmpDir(prefix: string): string {
  const fs = require('node:fs') as typeof import('node:fs');
  fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  return fs.mkdtempSync(path.join(ROOT, '.tmp', prefix));
}
