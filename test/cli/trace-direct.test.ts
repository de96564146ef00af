// jdwp-fabric trace and script against one JVM (the clifix fixture), run as child processes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Jvm } from '../../jdwp/launch/java';
import { ExitCode } from '../../cli/exit-codes';
import { parseTraceArgs } from '../../cli/trace/options';
import { runSession } from '../../cli/trace/session';
import { killAll, lineOf, startFixture } from '../support/fixtures';
import { assertNothingSuspended, hitsOf, relistened, runCli, startCli, summaryOf, suspendedThreads, waitForLine } from './support';

const TRACE_LINE = lineOf('clifix/CliFixture.java', 'TRACE_LINE');
const LATE_LINE = lineOf('clifix/Late.java', 'LATE_LINE');

describe('jdwp-fabric trace against one JVM', function () {
  this.timeout(90_000);
  const jvms: Jvm[] = [];
  let jvm: Jvm;
  let trigger: string;
  const address = () => ({ host: '127.0.0.1', port: jvm.port });
  const at = `clifix.CliFixture:${TRACE_LINE}`;

  /** Runs `trace --connect <the JVM> ...args` and waits until the JVM listens again for the next debugger. */
  async function trace(...args: string[]) {
    const since = jvm.output.length;
    const result = await runCli(['trace', '--connect', `127.0.0.1:${jvm.port}`, ...args]);
    await relistened(jvm, since);
    return result;
  }

  /** Attaches to the JVM to check that no thread is suspended, then waits until it listens again. */
  async function checkNothingSuspended() {
    const since = jvm.output.length;
    await assertNothingSuspended(address, 'the JVM');
    await relistened(jvm, since);
  }

  before(async () => {
    trigger = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'clifix-')), 'load-late');
    jvm = await startFixture(jvms, 'clifix.CliFixture', { args: ['10', '2', trigger] });
  });

  after(async () => {
    await killAll(jvms);
    fs.rmSync(path.dirname(trigger), { recursive: true, force: true });
  });

  it('captures the right values, cuts deep, wide and long ones to the default budgets, and leaves nothing suspended', async () => {
    const r = await trace('--at', at, '--capture', 'round, worker, round * 2 == result', '--stack', '2', '--max-hits', '3', '--json');
    assert.equal(r.code, ExitCode.OK, r.stderr.join('\n'));
    const hits = hitsOf(r.stdout);
    assert.equal(hits.length, 3);
    for (const h of hits) {
      assert.deepEqual(h.location, { class: 'clifix.CliFixture', method: 'handle', line: TRACE_LINE, source: 'CliFixture.java' });
      assert.equal(h.stack!.length, 2);
      assert.equal(h.stack![1].method, 'lambda$main$0');
      assert.equal(h.captures!.worker, h.thread, 'the worker argument names the thread');
      assert.equal(h.captures!['round * 2 == result'], true);
      assert.equal(h.locals!.round, h.captures!.round);
      assert.equal(h.locals!.result, h.captures!.round * 2);
      const chain = h.locals!.chain;
      assert.equal(chain.fields.level, 1);
      assert.equal(chain.fields.next.fields.next.fields.level, 3);
      assert.deepEqual(Object.keys(chain.fields.next.fields.next.fields.next).sort(), ['@id', '@type', 'truncated'], 'level 4 is cut at depth 3');
      assert.equal(h.locals!.wide.length, 1000);
      assert.equal(h.locals!.wide.items.length, 20);
      assert.deepEqual(h.locals!.wide.items.slice(0, 3), [0, 1, 2]);
      assert.equal(h.locals!.longText.length, 2000);
      assert.equal(h.locals!.longText.value, 'x'.repeat(512));
      assert.equal(h.locals!.list.size, 50);
      assert.deepEqual(h.locals!.map.entries, [{ key: 'round', value: h.captures!.round }]);
      assert.equal(h.truncated, true);
      assert.equal(h.node, `127.0.0.1:${h.node.split(':')[1]}`);
    }
    assert.deepEqual(hits.map((h) => h.hit).sort(), [1, 2, 3]);
    const summary = summaryOf(r.stderr);
    assert.equal(summary.reason, '--max-hits reached');
    assert.ok(summary.requestsCleared >= 1);
    await checkNothingSuspended();
  });

  it('applies budgets from the options: depth, items, string length and total size', async () => {
    const r = await trace('--at', at, '--depth', '5', '--items', '4', '--string', '10', '--stack', '0', '--max-hits', '1');
    assert.equal(r.code, ExitCode.OK, r.stderr.join('\n'));
    const [h] = hitsOf(r.stdout);
    assert.equal(h.stack, undefined);
    const level5 = h.locals!.chain.fields.next.fields.next.fields.next.fields.next;
    assert.equal(level5.fields.level, 5);
    assert.equal(level5.fields.next.truncated, true);
    assert.equal(h.locals!.wide.items.length, 4);
    assert.equal(h.locals!.longText.value, 'xxxxxxxxxx');
    const small = await trace('--at', at, '--size', '1k', '--stack', '0', '--max-hits', '1');
    const [s] = hitsOf(small.stdout);
    assert.equal(s.truncated, true);
    assert.ok(JSON.stringify(s.locals).length <= 1024 + 200, `a 1 KiB snapshot is ${JSON.stringify(s.locals).length} characters`);
  });

  it('filters with --when, holds --max-hits and prints --log lines', async () => {
    const r = await trace('--at', at, '--when', 'round % 3 == 0', '--log', 'round {round} on {worker}', '--max-hits', '5', '--json');
    assert.equal(r.code, ExitCode.OK, r.stderr.join('\n'));
    const hits = hitsOf(r.stdout);
    assert.equal(hits.length, 5, 'exactly --max-hits hits');
    for (const h of hits) {
      assert.equal(h.captures, undefined);
      assert.equal(h.locals!.round % 3, 0);
      assert.equal(h.log, `round ${h.locals!.round} on ${h.thread}`);
    }
    assert.ok(summaryOf(r.stderr).nodes[hits[0].node].filtered > 0, 'hits where --when is false are counted');
    const plain = await trace('--at', at, '--log', 'round {round} on {worker}', '--max-hits', '2');
    assert.equal(plain.stdout.length, 2);
    for (const line of plain.stdout) assert.match(line, /^round \d+ on cli-worker-\d$/);
  });

  it('holds the rate limit within tolerance and counts the hits it skipped', async () => {
    const r = await trace('--at', at, '--rate', '10/s', '--duration', '3', '--stack', '0', '--no-locals', '--capture', 'round', '--json');
    assert.equal(r.code, ExitCode.OK, r.stderr.join('\n'));
    const summary = summaryOf(r.stderr);
    const captured = hitsOf(r.stdout).length;
    // 10/s for 3 s plus a bucket of a quarter second at the start; the fixture offers about 200 hits a second.
    assert.ok(captured >= 15 && captured <= 10 * 3 + 4, `captured ${captured} hits at 10/s in 3 s`);
    const node = Object.values(summary.nodes)[0] as { skipped: number; captured: number };
    assert.equal(node.captured, captured);
    assert.ok(node.skipped > captured, `skipped ${node.skipped}`);
  });

  it('waits for a class that is not loaded yet and binds it once it loads', async () => {
    const since = jvm.output.length;
    const run = startCli(['trace', '--connect', `127.0.0.1:${jvm.port}`, '--at', `clifix.Late:${LATE_LINE}`, '--capture', 'twice', '--max-hits', '2', '--load-timeout', '0']);
    await waitForLine(run, 'stderr', (l) => l.includes('clifix.Late is not loaded yet'));
    fs.writeFileSync(trigger, '');
    const code = await run.exited;
    await relistened(jvm, since);
    assert.equal(code, ExitCode.OK, run.stderr.join('\n'));
    const hits = hitsOf(run.stdout);
    assert.equal(hits.length, 2);
    for (const h of hits) {
      assert.equal(h.location.class, 'clifix.Late');
      assert.equal(h.captures!.twice, h.locals!.round * 2);
    }
    assert.ok(run.stderr.some((l) => l.includes('bound in a class loaded just now')));
  });

  it('gives one clear line and a stable exit code for a bad expression, an unknown class, no code at a line and a bad address', async () => {
    const bad = await runCli(['trace', '--connect', `127.0.0.1:${jvm.port}`, '--at', at, '--when', 'round >']);
    assert.equal(bad.code, ExitCode.BAD_EXPRESSION);
    assert.deepEqual(bad.stderr, ['jdwp-fabric trace: bad expression in --when "round >": unexpected end of expression at column 8 (error 2001)']);

    const unknown = await trace('--at', 'clifix.Nope:3', '--load-timeout', '0.5');
    assert.equal(unknown.code, ExitCode.UNKNOWN_CLASS);
    assert.match(unknown.stderr.at(-1)!, /^jdwp-fabric trace: unknown class clifix\.Nope: not loaded within 0\.5 s/);

    const noCode = await trace('--at', 'clifix.CliFixture:1');
    assert.equal(noCode.code, ExitCode.BAD_LOCATION);
    assert.equal(noCode.stderr.length, 1, noCode.stderr.join('\n'));
    assert.match(noCode.stderr[0], /^jdwp-fabric trace: no code at line 1 of clifix\.CliFixture \(its code spans lines \d+-\d+\)/);

    const noMethod = await trace('--at', 'clifix.CliFixture.nosuch');
    assert.equal(noMethod.code, ExitCode.BAD_LOCATION);
    assert.deepEqual(noMethod.stderr, [`jdwp-fabric trace: no method nosuch in clifix.CliFixture (--at clifix.CliFixture.nosuch)`]);

    const never = await trace('--at', at, '--when', 'rund > 3', '--duration', '20');
    assert.equal(never.code, ExitCode.BAD_EXPRESSION, 'a condition that can never evaluate switches its probe off');
    assert.ok(never.stderr.some((l) => l.includes(`--when "rund > 3" failed: unknown name 'rund' at column 1 (error 2002)`)), never.stderr.join('\n'));

    const symbol = await trace('--at', at, '--symbol', 'abc');
    assert.equal(symbol.code, ExitCode.USAGE);
    assert.match(symbol.stderr.at(-1)!, /--symbol needs the jdwp-fabric virtual VM/);

    const unreachable = await runCli(['trace', '--connect', '127.0.0.1:1', '--at', at]);
    assert.equal(unreachable.code, ExitCode.UNREACHABLE);
    assert.deepEqual(unreachable.stderr, ['jdwp-fabric trace: cannot reach 127.0.0.1:1: connect to 127.0.0.1:1 failed: connect ECONNREFUSED 127.0.0.1:1']);

    const usage = await runCli(['trace', '--connect', `127.0.0.1:${jvm.port}`]);
    assert.equal(usage.code, ExitCode.USAGE);
    assert.match(usage.stderr[0], /--at CLASS:LINE or --at CLASS.method is required/);
  });

  it('switches a probe off when its hits hold threads too long', async () => {
    const r = await trace('--at', at, '--max-pause', '0.001', '--duration', '20', '--json');
    assert.equal(r.code, ExitCode.OK, r.stderr.join('\n'));
    const summary = summaryOf(r.stderr);
    assert.equal(summary.reason, 'every probe is switched off');
    assert.equal(summary.switchedOff.length, 1);
    assert.match(summary.switchedOff[0].reason, /3 hits in a row held the thread over 0.001 ms/);
    const captured = hitsOf(r.stdout).length;
    assert.ok(captured >= 3 && captured <= 8, `captured ${captured}`);
  });

  it('ends on SIGINT with exit code 130, a summary, and no thread left suspended', async () => {
    const since = jvm.output.length;
    const run = startCli(['trace', '--connect', `127.0.0.1:${jvm.port}`, '--at', at, '--no-locals', '--json']);
    await waitForLine(run, 'stdout', () => true);
    run.child.kill('SIGINT');
    const code = await run.exited;
    await relistened(jvm, since);
    assert.equal(code, ExitCode.INTERRUPTED);
    assert.equal(summaryOf(run.stderr).reason, 'interrupted');
    await checkNothingSuspended();
  });

  it('ends cleanly when its stdout is closed (| head)', async () => {
    const since = jvm.output.length;
    const run = startCli(['trace', '--connect', `127.0.0.1:${jvm.port}`, '--at', at, '--no-locals', '--json']);
    await waitForLine(run, 'stdout', () => true);
    run.child.stdout!.destroy();
    const code = await run.exited;
    await relistened(jvm, since);
    assert.equal(code, ExitCode.INTERRUPTED, run.stderr.join('\n'));
    assert.ok(summaryOf(run.stderr).requestsCleared >= 1);
  });

  it('clears its requests and resumes every thread before it leaves (checked through its own connection)', async () => {
    const since = jvm.output.length;
    const plan = parseTraceArgs(['--connect', `127.0.0.1:${jvm.port}`, '--at', at, '--max-hits', '20', '--rate', '1000/s', '--node-rate', '1000/s'])!;
    const out: string[] = [];
    let left: string[] | undefined;
    const code = await runSession(plan, {
      io: { out: (l) => out.push(l), err: () => undefined },
      beforeDispose: async (target) => {
        left = await suspendedThreads(target.vm);
      },
    });
    await relistened(jvm, since);
    assert.equal(code, ExitCode.OK);
    assert.equal(out.length, 20);
    assert.deepEqual(left, [], 'no thread suspended while still attached');
  });

  it('runs a script of several probes, each with its own options', async () => {
    const file = path.join(path.dirname(trigger), 'probes.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        json: true,
        probes: [
          { name: 'even', at, when: 'round % 2 == 0', capture: ['round'], locals: false, stack: 0, maxHits: 3 },
          { name: 'log', at, log: 'r={round}', maxHits: 2 },
        ],
      }),
    );
    const since = jvm.output.length;
    const r = await runCli(['script', file, '--connect', `127.0.0.1:${jvm.port}`]);
    await relistened(jvm, since);
    assert.equal(r.code, ExitCode.OK, r.stderr.join('\n'));
    const hits = hitsOf(r.stdout);
    const even = hits.filter((h) => h.probe === 'even');
    const log = hits.filter((h) => h.probe === 'log');
    assert.equal(even.length, 3);
    assert.equal(log.length, 2);
    for (const h of even) assert.equal(h.captures!.round % 2, 0);
    for (const h of log) assert.equal(h.log, `r=${h.locals!.round}`);
    assert.equal(summaryOf(r.stderr).reason, '--max-hits reached', 'each probe reached its own maxHits');
  });

  it('ends with exit code 6 when the JVM dies, after printing what it captured', async () => {
    const run = startCli(['trace', '--connect', `127.0.0.1:${jvm.port}`, '--at', at, '--no-locals']);
    await waitForLine(run, 'stdout', () => true);
    await jvm.kill();
    const code = await run.exited;
    assert.equal(code, ExitCode.TARGET_LOST);
    assert.ok(run.stderr.some((l) => /lost the target|ended \(VMDeath\)/.test(l)), run.stderr.join('\n'));
    assert.ok(run.stderr.some((l) => l.includes('ended (target lost)')), 'the summary follows');
  });
});
