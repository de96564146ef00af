import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../support/fixtures';
import { specPath } from './spec-scan';

interface Generator {
  parseSpec(text: string): unknown;
  emitTable(spec: unknown, output?: unknown): string;
  emitTypes(spec: unknown, output?: unknown): string;
  FABRIC_OUTPUT: unknown;
}

// A real dynamic import: TypeScript's CommonJS output would turn `import()` into require(), which cannot load .mjs.
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<Generator>;

/** The first differing line of two texts, for a readable failure. */
function firstDifference(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  const k = al.findIndex((l, i) => l !== bl[i]);
  const at = k < 0 ? Math.min(al.length, bl.length) : k;
  return `line ${at + 1}: committed ${JSON.stringify(al[at])}, regenerated ${JSON.stringify(bl[at])}`;
}

function loadGenerator(): Promise<Generator> {
  return importModule(pathToFileURL(path.join(ROOT, 'scripts', 'gen-protocol.mjs')).href);
}

function expectCommitted(file: string, text: string): void {
  const committed = fs.readFileSync(path.join(ROOT, 'jdwp', 'protocol', file), 'utf8');
  assert.ok(committed === text, `jdwp/protocol/${file} differs from the generator's output (run npm run gen:protocol): ${firstDifference(committed, text)}`);
}

describe('generated protocol table', () => {
  it('regenerates byte for byte from the spec', async function () {
    const spec = specPath();
    if (!fs.existsSync(spec)) {
      if (process.env.CI) throw new Error(`spec file ${spec} is absent in CI`);
      console.log(`      spec file ${spec} is absent; cannot regenerate the table, skipping`);
      this.skip();
    }
    const gen = await loadGenerator();
    const parsed = gen.parseSpec(fs.readFileSync(spec, 'utf8'));
    expectCommitted('spec-table.ts', gen.emitTable(parsed));
    expectCommitted('spec-types.ts', gen.emitTypes(parsed));
  });

  it('regenerates the Fabric set byte for byte from jdwp/protocol/fabric.spec', async () => {
    const gen = await loadGenerator();
    const parsed = gen.parseSpec(fs.readFileSync(path.join(ROOT, 'jdwp', 'protocol', 'fabric.spec'), 'utf8'));
    expectCommitted('fabric-table.ts', gen.emitTable(parsed, gen.FABRIC_OUTPUT));
    expectCommitted('fabric-types.ts', gen.emitTypes(parsed, gen.FABRIC_OUTPUT));
  });
});
