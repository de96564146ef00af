import * as assert from 'node:assert/strict';
import { FabricError, FabricErrorCode } from '../../jdwp/errors';
import { baggageEntry, markMatches, parseMarkKind, parseRequestScope, scopeReadsMark, traceIdOf } from '../../jdwp/flow/scope-spec';

function refused(text: string): string {
  try {
    parseRequestScope(text);
  } catch (err) {
    assert.ok(err instanceof FabricError && err.code === FabricErrorCode.SCOPE_INVALID, String(err));
    return err.message;
  }
  assert.fail(`"${text}" was accepted`);
}

describe('request scope specs', () => {
  it('parses every kind, keeping the text as given', () => {
    assert.deepEqual(parseRequestScope('header:X-Debug-Session=alice'), { kind: 'header', name: 'X-Debug-Session', value: 'alice', text: 'header:X-Debug-Session=alice' });
    assert.deepEqual(parseRequestScope('baggage:user=alice'), { kind: 'baggage', key: 'user', value: 'alice', text: 'baggage:user=alice' });
    assert.deepEqual(parseRequestScope('trace:4BF92F3577B34DA6A3CE929D0E0E4736'), { kind: 'trace', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', text: 'trace:4BF92F3577B34DA6A3CE929D0E0E4736' });
    assert.deepEqual(parseRequestScope('expr:order.customer == "ada"'), { kind: 'expr', expression: 'order.customer == "ada"', text: 'expr:order.customer == "ada"' });
  });

  it('refuses malformed scopes with SCOPE_INVALID naming what is wrong', () => {
    assert.match(refused('cookie:x=1'), /unknown kind "cookie"/);
    assert.match(refused('X-Debug-Session=alice'), /no kind/);
    assert.match(refused('header:X-Debug-Session'), /expected NAME=VALUE/);
    assert.match(refused('header:bad name=alice'), /"bad name" is not a header name/);
    assert.match(refused('baggage:=alice'), /expected KEY=VALUE/);
    assert.match(refused('trace:1234'), /32 hex digits/);
    assert.match(refused('trace:00000000000000000000000000000000'), /not all zero/);
    assert.match(refused('expr:'), /empty expression/);
    assert.match(refused('expr:order.(customer'), /does not parse/);
  });

  it('reads a baggage entry and a traceparent\'s trace-id', () => {
    assert.equal(baggageEntry('user=alice;ttl=3, debug=on', 'user'), 'alice');
    assert.equal(baggageEntry('user=alice, debug=on', 'debug'), 'on');
    assert.equal(baggageEntry('team=a%20b', 'team'), 'a b');
    assert.equal(baggageEntry('user=alice', 'nobody'), undefined);
    assert.equal(traceIdOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(traceIdOf('garbage'), undefined);
  });

  it('parses what a mark field carries, and tells which scopes it serves', () => {
    assert.deepEqual(parseMarkKind('header:X-Debug-Session'), { kind: 'header', name: 'X-Debug-Session' });
    assert.deepEqual(parseMarkKind('baggage:user'), { kind: 'baggage', key: 'user' });
    assert.deepEqual(parseMarkKind('trace'), { kind: 'trace' });
    for (const bad of ['header:', 'header:bad name', 'trace:1234', 'cookie:x', 'expr:a == 1', '']) assert.equal(parseMarkKind(bad), undefined, bad);
    const header = parseMarkKind('header:x-debug-session')!;
    assert.ok(scopeReadsMark(parseRequestScope('header:X-Debug-Session=alice'), header), 'header names compare case-insensitively');
    assert.ok(!scopeReadsMark(parseRequestScope('header:X-Tenant=alice'), header));
    assert.ok(!scopeReadsMark(parseRequestScope('baggage:user=alice'), header));
    assert.ok(!scopeReadsMark(parseRequestScope('expr:true'), header));
    assert.ok(scopeReadsMark(parseRequestScope('baggage:user=alice'), parseMarkKind('baggage:user')!));
    assert.ok(scopeReadsMark(parseRequestScope('trace:4bf92f3577b34da6a3ce929d0e0e4736'), parseMarkKind('trace')!));
    assert.ok(markMatches(parseRequestScope('header:X-Debug-Session=alice'), 'alice'));
    assert.ok(!markMatches(parseRequestScope('header:X-Debug-Session=alice'), 'Alice'));
    assert.ok(markMatches(parseRequestScope('trace:4bf92f3577b34da6a3ce929d0e0e4736'), '4BF92F3577B34DA6A3CE929D0E0E4736'));
  });
});
