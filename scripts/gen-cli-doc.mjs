#!/usr/bin/env node
// Rewrites the CLI synopses between the <!-- cli:NAME:begin/end --> markers of README.md and docs/cli.md from the
// command declarations in cli/ (run after `npm run build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { GENERATED_DOCS, renderDoc } = require('../out/cli/cli-doc.js');
for (const { file, commands } of GENERATED_DOCS) {
  const path = new URL(`../${file}`, import.meta.url);
  writeFileSync(path, renderDoc(readFileSync(path, 'utf8'), commands));
}
