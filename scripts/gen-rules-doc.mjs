#!/usr/bin/env node
// Rewrites the rule table between the markers in docs/command-rules.md from jdwp/vm/rules.ts (run after `npm run build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { renderRulesTable } = require('../out/jdwp/vm/rules-doc.js');
const path = new URL('../docs/command-rules.md', import.meta.url);
const text = readFileSync(path, 'utf8');
const begin = '<!-- rules:begin -->';
const end = '<!-- rules:end -->';
const a = text.indexOf(begin);
const b = text.indexOf(end);
if (a < 0 || b < 0) throw new Error('markers missing in docs/command-rules.md');
writeFileSync(path, `${text.slice(0, a + begin.length)}\n${renderRulesTable()}\n${text.slice(b)}`);
