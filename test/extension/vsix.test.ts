import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { Jvm } from '../../jdwp/launch/java';
import { killAll, startFixture } from '../support/fixtures';
import { readZip, type ZipEntry } from './zip';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const OUT_DIR = path.join(ROOT, '.tmp', 'vsix-test');

/** True when this process may run a command without any network (root with util-linux unshare). */
function canCutNetwork(): boolean {
  return process.getuid?.() === 0 && spawnSync('unshare', ['--net', 'true']).status === 0;
}

describe('the .vsix package', function () {
  this.timeout(180_000);
  let entries: ZipEntry[];
  let names: string[];
  let offline: boolean;

  before(() => {
    fs.rmSync(OUT_DIR, { recursive: true, force: true });
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const vsix = path.join(OUT_DIR, 'jdwp-fabric.vsix');
    offline = canCutNetwork();
    const command = offline ? ['unshare', '--net', process.execPath] : [process.execPath];
    const res = spawnSync(command[0]!, [...command.slice(1), 'scripts/package.mjs', vsix], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(res.status, 0, `npm run package failed:\n${res.stdout}\n${res.stderr}`);
    entries = readZip(fs.readFileSync(vsix));
    names = entries.map((e) => e.name);
  });

  it('builds without any network access', function () {
    if (!offline) {
      console.log('      (cannot cut the network here: not root or no unshare; the build ran with the network up)');
      this.skip();
    }
    assert.ok(names.length > 0);
  });

  it('holds a manifest for the jdwp-fabric debugger and the Fabric view', () => {
    const pkg = JSON.parse(entries.find((e) => e.name === 'extension/package.json')!.read().toString('utf8'));
    assert.equal(pkg.name, 'jdwp-fabric');
    assert.equal(pkg.publisher, 'jdwp-fabric');
    assert.match(pkg.engines.vscode, /^\^1\.\d+/);
    assert.equal(pkg.main, './dist/extension.js');
    assert.deepEqual(pkg.contributes.debuggers.map((d: { type: string }) => d.type), ['jdwp-fabric']);
    assert.ok(pkg.contributes.views.debug.some((v: { id: string; name: string }) => v.id === 'jdwpFabric.view' && v.name === 'Fabric'));
    const vsixManifest = entries.find((e) => e.name === 'extension.vsixmanifest')!.read().toString('utf8');
    assert.match(vsixManifest, /<Identity [^>]*Id="jdwp-fabric"[^>]*Publisher="jdwp-fabric"/);
    assert.match(vsixManifest, /Microsoft\.VisualStudio\.Code\.Engine" Value="\^1\.\d+/);
  });

  it('holds only what runs: the bundles, the manifest and the README', () => {
    assert.ok(names.includes('extension/dist/extension.js'), names.join('\n'));
    assert.ok(names.includes('extension/dist/adapter.js'), names.join('\n'));
    assert.ok(names.some((n) => /^extension\/readme\.md$/i.test(n)), 'README');
    const expected = ['extension.vsixmanifest', '[Content_Types].xml', 'extension/package.json', 'extension/dist/extension.js', 'extension/dist/adapter.js'];
    const unexpected = names.filter((n) => !expected.includes(n) && !/^extension\/(readme|license|changelog)(\.md|\.txt)?$/i.test(n));
    assert.deepEqual(unexpected, []);
    assert.ok(!names.some((n) => /node_modules|\/test\/|\.ts$|\.map$|\/out\//.test(n)));
    const total = entries.reduce((sum, e) => sum + e.size, 0);
    assert.ok(total < 3 * 1024 * 1024, `unpacked size ${total} bytes`);
  });

  it('bundles the adapter and every dependency, leaving only Node built-ins and vscode to require', () => {
    const allowed = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    // ws probes for two optional native speed-ups inside try/catch; without them it uses JavaScript.
    // The Kubernetes client is loaded only when a `discover: k8s:` source starts; the packaged adapter then says it
    // needs the proxy for that.
    const optional = new Set(['bufferutil', 'utf-8-validate', '@kubernetes/client-node']);
    const requires = (name: string) => {
      const bundle = entries.find((e) => e.name === `extension/dist/${name}`)!.read().toString('utf8');
      assert.match(bundle, /FabricDebugSession/);
      assert.match(bundle, /fabric\.heapPool/);
      return new Set([...bundle.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!).filter((m) => !allowed.has(m) && !optional.has(m)));
    };
    assert.deepEqual([...requires('extension.js')], ['vscode']);
    assert.deepEqual([...requires('adapter.js')], []);
  });

  it('runs the packaged standalone adapter, alone in a directory without node_modules, against a real JVM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jdwp-fabric-adapter-'));
    const jvms: Jvm[] = [];
    const adapter = path.join(dir, 'adapter.js');
    fs.writeFileSync(adapter, entries.find((e) => e.name === 'extension/dist/adapter.js')!.read());
    const dc = new DebugClient(process.execPath, adapter, 'jdwp-fabric');
    try {
      const jvm = await startFixture(jvms);
      await dc.start();
      await dc.initializeRequest({ adapterID: 'jdwp-fabric', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
      const initialized = dc.waitForEvent('initialized');
      await dc.attachRequest({ hostName: '127.0.0.1', port: jvm.port } as never);
      await initialized;
      await dc.configurationDoneRequest();
      const threads = (await dc.threadsRequest()).body.threads.map((t) => t.name);
      assert.ok(threads.includes('main'), threads.join(', '));
      const nodes = (await dc.customRequest('fabric.nodes')).body.nodes;
      assert.equal(nodes.length, 1);
      await dc.disconnectRequest({});
    } finally {
      await dc.stop().catch(() => undefined);
      await killAll(jvms);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
