// The trace CLI's pure parts: options, the script schema, limits and the summary (no JVM).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../../cli/args';
import { ExitCode } from '../../cli/exit-codes';
import { TraceError } from '../../cli/trace/errors';
import { admit, Gate, Quota, SlowGuard, TokenBucket } from '../../cli/trace/limits';
import { parseTraceArgs } from '../../cli/trace/options';
import { parseAt, parseRate, parseSize, splitCaptures } from '../../cli/trace/probe';
import { loadScript } from '../../cli/trace/script-file';
import { Stats } from '../../cli/trace/summary';
import { ROOT } from '../support/fixtures';

function throwsCode(fn: () => unknown, code: number, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TraceError, `expected a TraceError, got ${err}`);
    assert.equal(err.exitCode, code);
    assert.match(err.message, message);
    return true;
  });
}

describe('trace options', () => {
  it('parses --at as CLASS:LINE or CLASS.method, and names a bad one', () => {
    assert.deepEqual(parseAt('demo.OrderService:23'), { className: 'demo.OrderService', line: 23 });
    assert.deepEqual(parseAt('demo.Outer$Inner:7'), { className: 'demo.Outer$Inner', line: 7 });
    assert.deepEqual(parseAt('demo.OrderService.process'), { className: 'demo.OrderService', method: 'process' });
    assert.deepEqual(parseAt('Main.run'), { className: 'Main', method: 'run' });
    assert.throws(() => parseAt('demo.OrderService'), /names a class: add :LINE \(demo\.OrderService:23\) or \.method/);
    for (const bad of ['demo.OrderService:0', 'demo.Order Service:3', ':3', 'demo.A:x', '1demo.A:3']) {
      assert.throws(() => parseAt(bad), (err: Error) => err instanceof UsageError && err.message.includes(`"${bad}"`), bad);
    }
  });

  it('parses rates, sizes and capture lists', () => {
    assert.equal(parseRate('10/s', '--rate').perSecond, 10);
    assert.equal(parseRate('30/m', '--rate').perSecond, 0.5);
    assert.equal(parseRate('2.5', '--rate').perSecond, 2.5);
    assert.throws(() => parseRate('0/s', '--rate'), /--rate "0\/s" is not a rate/);
    assert.throws(() => parseRate('fast', '--rate'), UsageError);
    assert.equal(parseSize('65536', '--size'), 65536);
    assert.equal(parseSize('64k', '--size'), 65536);
    assert.equal(parseSize('1KiB', '--size'), 1024);
    assert.throws(() => parseSize('10', '--size'), /at least 64 bytes/);
    assert.deepEqual(splitCaptures('a, Math.max(b, c), s.split(",")[0], \'x\' + d'), ['a', 'Math.max(b, c)', 's.split(",")[0]', "'x' + d"]);
    assert.deepEqual(splitCaptures(' , a ,'), ['a']);
  });

  it('builds a plan from the command line with the documented defaults', () => {
    const plan = parseTraceArgs(['--connect', '127.0.0.1:5005', '--at', 'demo.A:3', '--at', 'demo.B.run', '--capture', 'x, y', '--capture', 'z'])!;
    assert.equal(plan.connect, '127.0.0.1:5005');
    assert.deepEqual(plan.probes.map((p) => p.label), ['demo.A:3', 'demo.B.run']);
    const [p] = plan.probes;
    assert.deepEqual(p.captures.map((c) => c.text), ['x', 'y', 'z']);
    assert.deepEqual(p.budget, { depth: 3, items: 20, string: 512, size: 65536 });
    assert.equal(p.stack, 10);
    assert.equal(p.locals, true);
    assert.equal(p.invoke, true);
    assert.equal(p.maxPauseMs, 250);
    assert.equal(plan.limits.rate!.perSecond, 100);
    assert.equal(plan.limits.nodeRate!.perSecond, 50);
    assert.equal(plan.limits.maxHits, undefined);
    assert.equal(plan.loadTimeoutMs, 10_000);
    assert.equal(plan.durationMs, undefined);
    assert.equal(parseTraceArgs(['--help']), undefined);
    const rated = parseTraceArgs(['--connect', 'h:1', '--at', 'demo.A:3', '--rate', '200/s'])!;
    assert.equal(rated.limits.nodeRate!.perSecond, 200, 'the node rate follows an explicit --rate');
  });

  it('rejects bad command lines with usage errors and bad expressions with exit code 4', () => {
    assert.throws(() => parseTraceArgs(['--at', 'demo.A:3']), /--connect HOST:PORT is required/);
    assert.throws(() => parseTraceArgs(['--connect', 'h:1']), /--at CLASS:LINE or --at CLASS.method is required/);
    assert.throws(() => parseTraceArgs(['--connect', 'h:1', '--at', 'demo.A:3', '--max-hits', '1.5']), /--max-hits must be a whole number/);
    assert.throws(() => parseTraceArgs(['--connect', 'h:1', '--at', 'demo.A:3', '--per-node', '0']), /--per-node must be a number from 1/);
    assert.throws(() => parseTraceArgs(['--connect', 'h:1', '--at', 'demo.A:3', '--bogus']), /unknown option --bogus/);
    throwsCode(() => parseTraceArgs(['--connect', 'h:1', '--at', 'demo.A:3', '--capture', 'a, b +']), ExitCode.BAD_EXPRESSION, /bad expression in --capture "b \+"/);
    throwsCode(() => parseTraceArgs(['--connect', 'h:1', '--at', 'demo.A:3', '--log', 'x {a +}']), ExitCode.BAD_EXPRESSION, /bad expression in --log "x \{a \+\}".*column 7/);
  });
});

describe('trace scripts', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-script-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function write(content: unknown): string {
    const file = path.join(dir, `s${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }

  it('reads the documented example', () => {
    const plan = loadScript(path.join(ROOT, 'docs', 'trace-script.example.json'));
    assert.equal(plan.connect, '127.0.0.1:5005');
    assert.equal(plan.probes.length, 2);
    const [priority, pricing] = plan.probes;
    assert.equal(priority.label, 'priority orders');
    assert.ok(priority.whenExpr);
    assert.deepEqual(priority.limits.perNode, 2);
    assert.equal(priority.budget.depth, 2);
    assert.ok(pricing.template);
    assert.equal(plan.limits.maxHits, 50);
    assert.equal(plan.durationMs, 60_000);
  });

  it('takes overrides from the command line and applies defaults', () => {
    const plan = loadScript(write({ connect: 'a:1', probes: [{ at: 'demo.A:3' }] }), { connect: 'b:2', durationMs: 1000, json: true });
    assert.equal(plan.connect, 'b:2');
    assert.equal(plan.durationMs, 1000);
    assert.equal(plan.json, true);
    assert.equal(plan.probes[0].stack, 10);
    assert.equal(plan.limits.rate!.perSecond, 100);
  });

  it('names the file and the key of every problem', () => {
    assert.throws(() => loadScript(path.join(dir, 'missing.json')), /cannot read script .*missing\.json/);
    assert.throws(() => loadScript(write('{')), /is not valid JSON/);
    assert.throws(() => loadScript(write({ connect: 'a:1', probes: [] })), /probes must be a non-empty list/);
    assert.throws(() => loadScript(write({ connect: 'a:1', probes: [{ at: 'demo.A:3', whn: 'x' }] })), /probes\[0\]\.whn is not a known key/);
    assert.throws(() => loadScript(write({ connect: 'a:1', probes: [{ at: 'demo.A:3' }, { capture: 'x' }] })), /probes\[1\]\.at is required/);
    assert.throws(() => loadScript(write({ connect: 'a:1', probes: [{ at: 'demo.A:3', stack: -1 }] })), /probes\[0\]\.stack must be a whole number of at least 0/);
    assert.throws(() => loadScript(write({ connect: 'a:1', probes: [{ at: 'demo.A:3', rate: 'often' }] })), /probes\[0\]\.rate "often" is not a rate/);
    assert.throws(() => loadScript(write({ probes: [{ at: 'demo.A:3' }] })), /has no "connect" address/);
    assert.throws(() => loadScript(write({ connect: 'a:1', probes: [{ at: 'demo.A' }] })), /probes\[0\]\.at "demo\.A" names a class/);
    throwsCode(() => loadScript(write({ connect: 'a:1', probes: [{ at: 'demo.A:3', when: 'x >' }] })), ExitCode.BAD_EXPRESSION, /probes\[0\]\.when "x >"/);
  });
});

describe('trace limits and summary', () => {
  it('refills a token bucket at its rate and holds a quarter second at most', () => {
    let now = 0;
    const bucket = new TokenBucket(parseRate('8/s', 'r'), () => now);
    let taken = 0;
    while (bucket.available()) {
      bucket.take();
      taken++;
    }
    assert.equal(taken, 2, 'a quarter second of 8/s');
    now += 500;
    taken = 0;
    while (bucket.available()) {
      bucket.take();
      taken++;
    }
    assert.equal(taken, 2, 'refilled up to the capacity only');
    now += 125;
    assert.equal(bucket.available(), true);
  });

  it('admits hits through every gate at once and never overshoots a quota', () => {
    const now = 0;
    const session = new Gate({ maxHits: 3 }, () => now);
    const probe = new Gate({ perNode: 2 }, () => now);
    assert.equal(admit([session, probe], 'a'), undefined);
    assert.equal(admit([session, probe], 'a'), undefined);
    assert.equal(admit([session, probe], 'a'), 'node-done');
    assert.equal(admit([session, probe], 'b'), undefined);
    assert.equal(admit([session, probe], 'b'), 'done');
    assert.equal(session.quota.count, 3);
    assert.equal(probe.quota.nodesFull(), 1);
    const rated = new Gate({ rate: parseRate('1/s', 'r'), nodeRate: parseRate('1/s', 'r') }, () => now);
    assert.equal(admit([rated], 'a'), undefined);
    assert.equal(admit([rated], 'b'), 'rate', 'the total bucket is empty');
    assert.equal(rated.quota.count, 1, 'a refused hit takes nothing');
  });

  it('counts quotas per node and trips the slow guard after 3 slow hits in a row on one node', () => {
    const q = new Quota(undefined, 1);
    q.take('a');
    assert.equal(q.nodeFull('a'), true);
    assert.equal(q.nodeFull('b'), false);
    assert.equal(q.full(), false);
    const slow = new SlowGuard(10);
    assert.equal(slow.record('a', 11), false);
    assert.equal(slow.record('a', 11), false);
    assert.equal(slow.record('b', 11), false);
    assert.equal(slow.record('a', 5), false, 'a fast hit resets the count');
    assert.equal(slow.record('a', 11), false);
    assert.equal(slow.record('a', 11), false);
    assert.equal(slow.record('a', 11), true);
  });

  it('sums up per node and per probe', () => {
    const stats = new Stats();
    stats.count('n1', 'p', 'captured');
    stats.count('n1', 'p', 'captured');
    stats.count('n2', 'q', 'skipped');
    assert.equal(stats.error('boom'), true);
    assert.equal(stats.error('boom'), false);
    stats.switchedOff.push({ probe: 'p', node: 'n2', reason: 'slow' });
    const ending = { reason: '--duration reached', exitCode: 0, elapsedMs: 1500, cleared: 2, resumed: 0 };
    const lines = stats.toLines('trace', ending);
    assert.match(lines[0], /ended \(--duration reached\) after 1\.5 s: 2 hits captured; 2 requests cleared$/);
    assert.ok(lines.some((l) => /^ {2}n1\s+2\s+0\s+0\s+0\s+0$/.test(l)), lines.join('\n'));
    assert.ok(lines.includes('  switched off: p on n2: slow'));
    assert.ok(lines.includes('  error (2x): boom'));
    const json = stats.toJson(ending).summary as Record<string, any>;
    assert.deepEqual(json.nodes.n2, { captured: 0, filtered: 0, skipped: 1, ignored: 0, errors: 0 });
    assert.deepEqual(json.errors, [{ message: 'boom', count: 2 }]);
  });
});
