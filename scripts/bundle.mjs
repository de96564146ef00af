// Bundles, with every run-time dependency: the extension and its inline debug adapter into dist/extension.js, and the
// standalone adapter (DAP on stdin/stdout, as `jdwp-fabric dap`) into dist/adapter.js. `vscode` stays external: the
// extension host provides it. So does the Kubernetes client (12 MB with its dependencies): only `discover: k8s:` loads
// it, when it starts, and the packaged adapter says it needs the proxy for that (jdwp/discovery/k8s.ts).
import * as esbuild from 'esbuild';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const options = {
  absWorkingDir: root,
  entryPoints: { extension: 'extension/extension.ts', adapter: 'adapter/main-entry.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode', '@kubernetes/client-node'],
  minifySyntax: true,
  minifyWhitespace: true,
  keepNames: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
};

// esbuild prints its own errors.
const result = await esbuild.build(options).catch(() => process.exit(1));
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  console.log(`bundle: ${file} (${(output.bytes / 1024).toFixed(0)} KiB, ${Object.keys(output.inputs).length} inputs)`);
}
