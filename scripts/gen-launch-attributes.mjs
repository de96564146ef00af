#!/usr/bin/env node
// Writes package.json's contributes.debuggers[jdwp-fabric].configurationAttributes from the launch schema
// (adapter/launch-schema.ts, compiled to out/ by `npx tsc -p .`). A test checks that they agree.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { configurationAttributes } = createRequire(import.meta.url)(path.join(root, 'out', 'adapter', 'launch-schema.js'));
const file = path.join(root, 'package.json');
const manifest = JSON.parse(readFileSync(file, 'utf8'));
const debuggerEntry = manifest.contributes.debuggers.find((d) => d.type === 'jdwp-fabric');
debuggerEntry.configurationAttributes = configurationAttributes();
writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
