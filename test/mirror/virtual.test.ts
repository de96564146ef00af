import * as assert from 'node:assert/strict';
import type { ObjectID } from '../../jdwp/protocol/wire-types';
import { evaluate, evaluateCondition, interpolate, type EvalContext } from '../../jdwp/eval';
import { preview, snapshot } from '../../jdwp/values';
import { release, stopInEvalFixture, type Stopped } from './harness';

describe('mirror, eval and values through the virtual VM', function () {
  let s: Stopped;
  let ctx: EvalContext;

  before(async function () {
    s = await stopInEvalFixture(true);
    ctx = { mirror: s.mirror, thread: s.thread, frame: 0 };
  });

  after(async function () {
    await release(s);
  });

  it('models types, frames and locals as on a plain JVM', async function () {
    const chain = await s.mirror.superclasses(s.type);
    assert.deepEqual(chain.map((t) => t.name), ['evalfix.EvalFixture', 'evalfix.Base', 'java.lang.Object']);
    const top = await s.mirror.frameAt(s.thread, 0);
    assert.equal(await s.mirror.lineOf(top.location), s.line);
    const vars = (await s.mirror.visibleVariables(top.location))!;
    assert.ok(vars.some((v) => v.name === 'msg'));
  });

  it('evaluates expressions with method calls, conditions and templates', async function () {
    const round = (await evaluate('round', ctx)).value.value as number;
    assert.equal((await evaluate('msg + "!"', ctx)).text, `round ${round}!`);
    assert.equal((await evaluate('over(boxed) + twice(21)', ctx)).text, 'Integer42');
    assert.equal(await evaluateCondition('list.size() == 3 && local == round * 2', ctx), true);
    assert.equal(await interpolate('{point} {map}', ctx), 'Point(1, 2) {one=1, two=2}');
  });

  it('previews and snapshots values', async function () {
    assert.equal(await preview(s.mirror, (await evaluate('list', ctx)).value), 'ArrayList size=3 ["x", "y", "z"]');
    const snap = await snapshot(s.mirror, (await evaluate('deep', ctx)).value);
    assert.equal(((snap.value as { fields: { label: string } }).fields).label, 'node-1');
    const str = (await evaluate('str', ctx)).value;
    assert.equal(await s.mirror.stringValue(str.value as ObjectID), 'hello "world"\n');
  });
});
