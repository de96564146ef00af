import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configurationAttributes } from '../../adapter/launch-schema';
import { DEBUG_TYPE, resolveConfiguration } from '../../extension/config';
import { DEFAULT_HEAP_POOL_TOP_N, FABRIC_VIEW_ID } from '../../extension/fabric-model';
import { ACTIVE_CONTEXT_KEY, ADAPTER_SETTING, COMMANDS, TOP_N_SETTING, isRefreshTrigger } from '../../extension/ids';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const debuggerContribution = manifest.contributes.debuggers.find((d: { type: string }) => d.type === DEBUG_TYPE);

/** Replaces snippet placeholders ("${1:x}", "^\"\\${workspaceFolder}\"") and variables as VS Code would. */
function instantiate(value: unknown, folder: string): unknown {
  if (typeof value === 'string') {
    return value
      .replace(/^\^"(.*)"$/, '$1')
      .replace(/\\?\$\{workspaceFolder\}/g, folder)
      .replace(/\$\{\d+:([^}]*)\}/g, '$1');
  }
  if (Array.isArray(value)) return value.map((v) => instantiate(v, folder));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, instantiate(v, folder)]));
  return value;
}

describe('extension manifest (package.json contributes)', () => {
  it('points at the bundle and activates for the jdwp-fabric debug type', () => {
    assert.equal(manifest.main, './dist/extension.js');
    assert.ok(debuggerContribution, 'contributes.debuggers has the jdwp-fabric type');
    for (const event of [`onDebugResolve:${DEBUG_TYPE}`, 'onDebugInitialConfigurations']) assert.ok(manifest.activationEvents.includes(event), event);
    assert.ok(manifest.contributes.breakpoints.some((b: { language: string }) => b.language === 'java'), 'breakpoints can be set in Java files');
  });

  it('contributes exactly the commands the extension registers, and the Fabric view in Run and Debug', () => {
    assert.deepEqual(manifest.contributes.commands.map((c: { command: string }) => c.command).sort(), Object.values(COMMANDS).sort());
    const view = manifest.contributes.views.debug.find((v: { id: string }) => v.id === FABRIC_VIEW_ID);
    assert.equal(view?.name, 'Fabric');
    assert.match(view.when, new RegExp(ACTIVE_CONTEXT_KEY.replace('.', '\\.')));
    assert.ok(manifest.contributes.menus['view/title'].some((m: { command: string; when: string }) => m.command === COMMANDS.refresh && m.when === `view == ${FABRIC_VIEW_ID}`));
    assert.equal(manifest.contributes.configuration.properties[TOP_N_SETTING].default, DEFAULT_HEAP_POOL_TOP_N);
    assert.deepEqual(manifest.contributes.configuration.properties[ADAPTER_SETTING].enum, ['inline', 'process']);
  });

  it('offers snippets and initial configurations for a proxy, a node list, one JVM and a launch, all valid', () => {
    const folder = path.join(ROOT, 'demo');
    const kinds = (configs: Array<Record<string, unknown>>) =>
      configs.map((raw) => {
        const c = resolveConfiguration(instantiate(raw, folder) as Record<string, unknown>, { folder, folders: [folder] });
        assert.equal(c.type, DEBUG_TYPE);
        return c.request === 'launch' ? 'launch' : c.nodes ? 'nodes' : 'host';
      });
    assert.deepEqual(kinds(debuggerContribution.initialConfigurations).sort(), ['host', 'launch', 'nodes']);
    const snippets = debuggerContribution.configurationSnippets as Array<{ label: string; body: Record<string, unknown> }>;
    assert.deepEqual(kinds(snippets.map((s) => s.body)).sort(), ['host', 'host', 'launch', 'nodes']);
    for (const label of ['Attach to proxy', 'Attach to cluster nodes', 'Attach to one JVM', 'Launch main class']) {
      assert.ok(snippets.some((s) => s.label === `jdwp-fabric: ${label}`), label);
    }
  });

  it('describes every attribute of attach and launch, with Java debugger names', () => {
    const attrs = debuggerContribution.configurationAttributes;
    const common = ['sourcePaths', 'stepFilters', 'suspendScope', 'timeout'];
    for (const name of ['hostName', 'port', 'nodes', ...common]) assert.ok(attrs.attach.properties[name]?.description, `attach.${name}`);
    for (const name of ['mainClass', 'classPaths', 'vmArgs', 'args', 'cwd', 'env', ...common]) assert.ok(attrs.launch.properties[name]?.description, `launch.${name}`);
    assert.deepEqual(attrs.launch.required, ['mainClass']);
    assert.deepEqual(attrs.attach.properties.suspendScope.enum, ['thread', 'node', 'cluster']);
    assert.equal(attrs.attach.properties.nodeSessions.type, 'boolean');
    assert.equal(attrs.attach.properties.nodeSessions.default, true);
    for (const name of ['edges', 'edgePresets', 'stitch']) assert.ok(attrs.attach.properties[name]?.description, `attach.${name}`);
    assert.deepEqual([attrs.attach.properties.edgePresets.default, attrs.attach.properties.stitch.default], [true, true]);
  });

  it('declares the attributes the launch schema generates, in its order (npm run gen:launch-attributes)', () => {
    const generated = JSON.parse(JSON.stringify(configurationAttributes()));
    assert.deepEqual(debuggerContribution.configurationAttributes, generated);
    assert.equal(JSON.stringify(debuggerContribution.configurationAttributes), JSON.stringify(generated), 'same order');
  });

  it('refreshes the Fabric view on stops, node changes and a finished attach or launch only', () => {
    assert.equal(isRefreshTrigger({ type: 'event', event: 'stopped' }), true);
    assert.equal(isRefreshTrigger({ type: 'event', event: 'fabric.nodesChanged' }), true);
    assert.equal(isRefreshTrigger({ type: 'response', command: 'attach', success: true }), true);
    assert.equal(isRefreshTrigger({ type: 'response', command: 'launch', success: true }), true);
    assert.equal(isRefreshTrigger({ type: 'response', command: 'attach', success: false }), false);
    assert.equal(isRefreshTrigger({ type: 'event', event: 'output' }), false);
    assert.equal(isRefreshTrigger({ type: 'response', command: 'threads', success: true }), false);
  });
});
