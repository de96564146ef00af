import * as assert from 'node:assert/strict';
import { offsetOf } from '../../jdwp/codec/offsets';
import type { IdSizes } from '../../jdwp/protocol/wire-types';
import { ID_KINDS, type IdKind } from '../../jdwp/protocol/kinds';
import { commandByName, COMPOSITE, JDWP } from '../../jdwp/registry';
import { invalidIdError } from '../../jdwp/vm/translate';
import { Prng, ValueGenerator } from './values';

const MIXED: IdSizes = { objectIDSize: 4, referenceTypeIDSize: 6, methodIDSize: 2, fieldIDSize: 3, frameIDSize: 5 };
const EIGHT: IdSizes = { objectIDSize: 8, referenceTypeIDSize: 8, methodIDSize: 8, fieldIDSize: 8, frameIDSize: 8 };

describe('fixed offsets of fields (codec/offsets)', () => {
  for (const sizes of [EIGHT, MIXED]) {
    it(`finds the first event's kind, request ID and thread in every composite alternative that has them (objectIDSize ${sizes.objectIDSize})`, () => {
      const select = COMPOSITE.out.fields[1];
      assert.ok(select.kind === 'repeat' && select.of.kind === 'select');
      const gen = new ValueGenerator(new Prng(7), sizes);
      let checked = 0;
      for (const alt of select.of.alts) {
        if (alt.fields[0]?.name !== 'requestID') continue;
        const event = { ...gen.record(alt.fields, alt.name), eventKind: alt.value, requestID: 0x01020304 };
        const hasThread = alt.fields[1]?.name === 'thread';
        if (hasThread) Object.assign(event, { thread: 0x0a0b0c0dn });
        const bytes = COMPOSITE.out.encode(sizes, { suspendPolicy: 2, events: [event] });
        const at = (path: string[]) => offsetOf(COMPOSITE.out.fields, path, sizes, alt.value);
        assert.equal(bytes[at(['suspendPolicy'])], 2, alt.name);
        assert.equal(bytes.readInt32BE(at(['events'])), 1, alt.name);
        assert.equal(bytes[at(['events', 'eventKind'])], alt.value, alt.name);
        assert.equal(bytes.readInt32BE(at(['events', 'requestID'])), 0x01020304, alt.name);
        if (hasThread) assert.equal(bytes.readUInt32BE(at(['events', 'thread']) + sizes.objectIDSize - 4), 0x0a0b0c0d, alt.name);
        checked++;
      }
      assert.ok(checked >= 15, `checked ${checked} alternatives`);
    });

    it(`finds an int after IDs of every width (objectIDSize ${sizes.objectIDSize})`, () => {
      const frames = commandByName('ThreadReference.Frames').out;
      const bytes = frames.encode(sizes, { thread: 5n, startFrame: 17, length: -1 });
      assert.equal(bytes.readInt32BE(offsetOf(frames.fields, ['startFrame'], sizes)), 17);
      assert.equal(bytes.readInt32BE(offsetOf(frames.fields, ['length'], sizes)), -1);
      const getValues = commandByName('StackFrame.GetValues').out;
      const gv = getValues.encode(sizes, { thread: 5n, frame: 6n, slots: [] });
      assert.equal(gv.readInt32BE(offsetOf(getValues.fields, ['slots'], sizes)), 0);
      assert.equal(offsetOf(getValues.fields, ['slots'], sizes), sizes.objectIDSize + sizes.frameIDSize);
    });
  }

  it('refuses a field behind one of varying width, and a field that is not there', () => {
    const invoke = commandByName('ClassType.InvokeMethod').out.fields;
    assert.throws(() => offsetOf(invoke, ['options'], EIGHT), /options has no fixed offset/);
    assert.throws(() => offsetOf(invoke, ['nothing'], EIGHT), /nothing has no fixed offset/);
    assert.throws(() => offsetOf(COMPOSITE.out.fields, ['events', 'thread'], EIGHT, 255), /alternative 255/);
  });
});

describe('ID kind descriptors (protocol/kinds)', () => {
  it('name a JDWP error for each kind, which the proxy answers for a foreign ID', () => {
    const errors = JDWP.Error as Record<string, number>;
    for (const [kind, info] of Object.entries(ID_KINDS)) {
      assert.equal(typeof errors[info.invalid], 'number', `${kind}: ${info.invalid}`);
      assert.equal(invalidIdError(kind as IdKind), errors[info.invalid], kind);
    }
    assert.equal(invalidIdError('threadID'), JDWP.Error.INVALID_THREAD);
    assert.equal(invalidIdError('classID'), JDWP.Error.INVALID_CLASS);
    assert.equal(invalidIdError('frameID'), JDWP.Error.INVALID_FRAMEID);
  });
});
