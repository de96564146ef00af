// Builds the extension's .vsix offline: vsce runs the vscode:prepublish script (the esbuild bundle) and packs
// dist/extension.js with the manifest and the extension README; no dependency is resolved or fetched.
// Usage: node scripts/package.mjs [OUT.vsix]; prints the path of the .vsix on its last line.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { createVSIX } = require('@vscode/vsce');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.resolve(process.argv[2] ?? path.join(root, `${manifest.name}-${manifest.version}.vsix`));

await createVSIX({
  cwd: root,
  packagePath: out,
  dependencies: false,
  readmePath: 'extension/README.md',
  allowMissingRepository: !manifest.repository,
  skipLicense: !fs.existsSync(path.join(root, 'LICENSE')),
});
console.log(out);
