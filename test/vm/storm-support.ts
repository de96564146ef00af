// Busy nodes for the stress tests: fixture.Storm JVMs (3 workers calling a method every 20 ms), some of them on the
// changed build of fixture.Versioned, and a seed that a failing run prints and a rerun takes from STRESS_SEED.
import type { Jvm, JvmOptions } from '../../jdwp/launch/java';
import { fixtureClasses, lineOf, startFixture } from '../support/fixtures';
import { printed, versionTwoClasses } from './support';

/** The line of Storm.handle that calls fixture.Versioned (every worker runs it each round). */
export const HANDLE_LINE = lineOf('fixture/Storm.java', 'HANDLE_LINE');
/** The line of fixture.Versioned.value that both builds have. */
export const VERSIONED_LINE = lineOf('versioned/Versioned.java', 'VERSIONED_LINE');

/** Starts one busy node; `v2` puts the changed build of fixture.Versioned first on its class path. */
export async function startStormNode(jvms: Jvm[], v2 = false, options: Partial<JvmOptions> = {}, args = ['3', '20']): Promise<Jvm> {
  const classPath = v2 ? [versionTwoClasses(), fixtureClasses()] : [fixtureClasses()];
  const jvm = await startFixture(jvms, 'fixture.Storm', { classPath, args, ...options });
  if ((options.mode ?? 'listen') === 'listen' && !options.suspend) await printed(jvm, 'storm ready');
  return jvm;
}

/** Starts busy nodes in parallel: the last `v2Count` of them on the changed build. */
export function startStormNodes(jvms: Jvm[], count: number, v2Count: number, options: Partial<JvmOptions> = {}): Promise<Jvm[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startStormNode(jvms, i >= count - v2Count, options)));
}

/** The seed of a randomized run: STRESS_SEED when set, else a fresh one. */
export function stressSeed(): number {
  const env = process.env.STRESS_SEED;
  return env ? Number(env) : Math.floor(Math.random() * 2 ** 31);
}
