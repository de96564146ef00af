import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, ConfigErrorCode, splitCommandLine } from '../../adapter/launch-schema';
import { DEFAULT_CONFIGURATION, discoverSourceRoots, isEmptyConfiguration, resolveConfiguration, type WorkspaceContext } from '../../extension/config';

function rejects(config: Record<string, unknown>, code: number, pattern: RegExp, context: WorkspaceContext = { folders: [] }): void {
  assert.throws(
    () => resolveConfiguration(config, context),
    (err: unknown) => err instanceof ConfigError && err.code === code && pattern.test(err.message),
  );
}

describe('extension configuration provider logic', () => {
  let workspace: string;
  before(() => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'jdwp-fabric-ws-'));
    fs.mkdirSync(path.join(workspace, 'svc', 'src', 'main', 'java'), { recursive: true });
    fs.mkdirSync(path.join(workspace, 'svc', 'src', 'test', 'java'), { recursive: true });
    fs.mkdirSync(path.join(workspace, 'demo', 'src'), { recursive: true });
    fs.mkdirSync(path.join(workspace, 'flat'), { recursive: true });
  });
  after(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it('treats what VS Code sends without launch.json as empty, and a real configuration as not', () => {
    assert.equal(isEmptyConfiguration({}), true);
    assert.equal(isEmptyConfiguration({ type: '', name: '', request: '' }), true);
    assert.equal(isEmptyConfiguration({ type: 'jdwp-fabric', request: 'attach', port: 5005 }), false);
    assert.equal(isEmptyConfiguration({ type: 'jdwp-fabric', name: 'x', request: 'attach' }), false);
  });

  it('resolves the no-launch.json default to an attach on localhost:5005', () => {
    const c = resolveConfiguration({ ...DEFAULT_CONFIGURATION }, { folders: [] });
    assert.equal(c.request, 'attach');
    assert.equal(c.hostName, 'localhost');
    assert.equal(c.port, 5005);
    assert.equal(c.nodes, undefined);
  });

  it('fills in hostName, type, name and a numeric port for an attach to a proxy', () => {
    const c = resolveConfiguration({ type: 'jdwp-fabric', request: 'attach', port: '7000' }, { folders: [] });
    assert.deepEqual([c.type, c.name, c.hostName, c.port], ['jdwp-fabric', 'Attach to jdwp-fabric', 'localhost', 7000]);
  });

  it('keeps node lists and accepts them as one comma separated string', () => {
    const a = resolveConfiguration({ request: 'attach', nodes: ['localhost:5005', ' 127.0.0.1:5006', '[::1]:5007'] }, { folders: [] });
    assert.deepEqual(a.nodes, ['localhost:5005', '127.0.0.1:5006', '[::1]:5007']);
    assert.equal(a.hostName, undefined);
    const b = resolveConfiguration({ request: 'attach', nodes: 'a:1, b:2' }, { folders: [] });
    assert.deepEqual(b.nodes, ['a:1', 'b:2']);
  });

  it('rejects attach configurations without a target, with both targets, or with bad addresses', () => {
    rejects({ request: 'attach' }, ConfigErrorCode.MISSING_TARGET, /needs "port".*"nodes"/);
    rejects({ request: 'attach', port: 5005, nodes: ['a:1'] }, ConfigErrorCode.CONFLICTING_TARGETS, /not both/);
    rejects({ request: 'attach', port: 70000 }, ConfigErrorCode.BAD_PORT, /"port" must be a port number.*70000/);
    rejects({ request: 'attach', port: 'abc' }, ConfigErrorCode.BAD_PORT, /"abc"/);
    rejects({ request: 'attach', port: 1.5 }, ConfigErrorCode.BAD_PORT, /1\.5/);
    rejects({ request: 'attach', nodes: [] }, ConfigErrorCode.BAD_NODE, /non-empty array/);
    rejects({ request: 'attach', nodes: ['localhost'] }, ConfigErrorCode.BAD_NODE, /"localhost" is not "host:port"/);
    rejects({ request: 'attach', nodes: ['h:0'] }, ConfigErrorCode.BAD_PORT, /nodes: h:0/);
    rejects({ request: 'attach', nodes: [5005] }, ConfigErrorCode.BAD_NODE, /5005 is not/);
    rejects({ request: 'attach', port: 5005, hostName: '' }, ConfigErrorCode.BAD_ATTRIBUTE, /"hostName"/);
  });

  it('keeps an attach by url, makes its CA file absolute, and rejects a bad url, mixed targets and misplaced token or tlsCa', () => {
    const c = resolveConfiguration({ request: 'attach', url: ' wss://proxy.example:5006/ ', token: 't', tlsCa: 'certs/ca.pem' }, { folder: workspace, folders: [workspace] });
    assert.deepEqual([c.url, c.token, c.tlsCa, c.hostName, c.port], ['wss://proxy.example:5006/', 't', path.join(workspace, 'certs/ca.pem'), undefined, undefined]);
    assert.equal(resolveConfiguration({ request: 'attach', url: 'ws://127.0.0.1:5006' }, { folders: [] }).url, 'ws://127.0.0.1:5006');
    rejects({ request: 'attach', url: 'http://h:1/' }, ConfigErrorCode.BAD_URL, /"url" must be "ws:\/\/HOST:PORT\/" or "wss:\/\/HOST:PORT\/".*http/);
    rejects({ request: 'attach', url: 5006 }, ConfigErrorCode.BAD_URL, /5006/);
    rejects({ request: 'attach', url: 'wss://h:1/', port: 5005 }, ConfigErrorCode.CONFLICTING_TARGETS, /"url".*not both/);
    rejects({ request: 'attach', url: 'wss://h:1/', discover: ['dns:app'] }, ConfigErrorCode.CONFLICTING_TARGETS, /not both/);
    rejects({ request: 'attach', url: 'wss://h:1/', hostName: 'h' }, ConfigErrorCode.BAD_ATTRIBUTE, /"hostName" must be left out with "url"/);
    rejects({ request: 'attach', url: 'wss://h:1/', token: 7 }, ConfigErrorCode.BAD_ATTRIBUTE, /"token" must be a non-empty string/);
    rejects({ request: 'attach', url: 'ws://h:1/', tlsCa: 'ca.pem' }, ConfigErrorCode.BAD_ATTRIBUTE, /"tlsCa" must be left out with a "ws:\/\/" url/);
    rejects({ request: 'attach', port: 5005, token: 't' }, ConfigErrorCode.BAD_ATTRIBUTE, /"token" must be left out without "url"/);
    rejects({ request: 'attach', nodes: ['h:1'], tlsCa: 'ca.pem' }, ConfigErrorCode.BAD_ATTRIBUTE, /"tlsCa" must be left out without "url"/);
  });

  it('rejects unknown requests and badly typed common attributes', () => {
    rejects({ request: 'debug' }, ConfigErrorCode.BAD_REQUEST, /"attach" or "launch", not "debug"/);
    rejects({ port: 1, suspendScope: 'all' }, ConfigErrorCode.BAD_ATTRIBUTE, /suspendScope/);
    rejects({ port: 1, timeout: -5 }, ConfigErrorCode.BAD_ATTRIBUTE, /timeout/);
    rejects({ port: 1, stepFilters: ['java.*'] }, ConfigErrorCode.BAD_ATTRIBUTE, /stepFilters/);
    rejects({ port: 1, stepFilters: { skipClasses: 'java.*' } }, ConfigErrorCode.BAD_ATTRIBUTE, /skipClasses/);
    rejects({ port: 1, stepFilters: { skipSynthetics: 'yes' } }, ConfigErrorCode.BAD_ATTRIBUTE, /stepFilters.skipSynthetics/);
    rejects({ port: 1, sourcePaths: 'src' }, ConfigErrorCode.BAD_ATTRIBUTE, /sourcePaths/);
  });

  it('checks nodeSessions, and passes a node session that the cluster session asked for through untouched', () => {
    rejects({ request: 'attach', port: 5005, nodeSessions: 'no' }, ConfigErrorCode.BAD_ATTRIBUTE, /"nodeSessions" must be true or false/);
    assert.equal(resolveConfiguration({ request: 'attach', port: 5005, nodeSessions: false }, { folders: [] }).nodeSessions, false);
    const node = { slot: 2, name: 'node-2', host: '127.0.0.1', port: 40000, token: 't' };
    const child = resolveConfiguration({ type: 'jdwp-fabric', request: 'attach', name: 'node-2', __fabricNode: node }, { folders: [workspace] });
    assert.deepEqual(child.__fabricNode, node);
    assert.equal(child.port, undefined, 'a node session needs no port of its own');
    assert.equal(child.name, 'node-2');
  });

  it('checks edges, edgePresets and stitch of a nodes attach, and makes an edges file absolute', () => {
    const edge = { name: 'rpc', client: { method: 'a.Client.call', key: 'arg0.id' }, server: { method: 'a.Server.serve', key: 'arg0.id' } };
    const ok = resolveConfiguration({ request: 'attach', nodes: ['h:1'], edges: [edge], edgePresets: false, stitch: false }, { folders: [] });
    assert.deepEqual([ok.edges, ok.edgePresets, ok.stitch], [[edge], false, false]);
    assert.equal(resolveConfiguration({ request: 'attach', nodes: ['h:1'], edges: 'edges.json' }, { folder: workspace, folders: [workspace] }).edges, path.join(workspace, 'edges.json'));
    rejects({ request: 'attach', nodes: ['h:1'], edges: [{ ...edge, client: { method: 'nodot', key: 'x' } }] }, ConfigErrorCode.BAD_EDGES, /edges\[0\]\.client\.method/);
    rejects({ request: 'attach', nodes: ['h:1'], edges: [edge, edge] }, ConfigErrorCode.BAD_EDGES, /"rpc" is declared twice/);
    rejects({ request: 'attach', nodes: ['h:1'], edges: [{ ...edge, name: 'jdk-httpclient -> jdk-httpserver' }] }, ConfigErrorCode.BAD_EDGES, /a preset has that name/);
    rejects({ request: 'attach', nodes: ['h:1'], edges: 5 }, ConfigErrorCode.BAD_EDGES, /must be an array of edges/);
    rejects({ request: 'attach', nodes: ['h:1'], stitch: 'yes' }, ConfigErrorCode.BAD_ATTRIBUTE, /"stitch" must be true or false/);
    rejects({ request: 'attach', port: 5005, edges: [edge] }, ConfigErrorCode.BAD_ATTRIBUTE, /"edges" must be left out with "port"/);
  });

  it('accepts every suspend scope and keeps step filters as given', () => {
    for (const scope of ['thread', 'node', 'cluster']) {
      assert.equal(resolveConfiguration({ port: 1, suspendScope: scope }, { folders: [] }).suspendScope, scope);
    }
    const filters = { skipClasses: ['$JDK', 'com.acme.gen.*'], skipSynthetics: false };
    assert.deepEqual(resolveConfiguration({ port: 1, stepFilters: filters }, { folders: [] }).stepFilters, filters);
  });

  it('fills in cwd, class path, arguments and sources of a launch from the workspace folder', () => {
    const folder = path.join(workspace, 'demo');
    const c = resolveConfiguration(
      { request: 'launch', mainClass: ' demo.OrderService ', classPaths: ['out', '/abs/lib.jar'], vmArgs: '-Xmx64m "-Dname=a b"', args: ['200', '2'] },
      { folder, folders: [folder] },
    );
    assert.equal(c.name, 'Launch demo.OrderService');
    assert.equal(c.mainClass, 'demo.OrderService');
    assert.equal(c.cwd, folder);
    assert.deepEqual(c.classPaths, [path.join(folder, 'out'), '/abs/lib.jar']);
    assert.deepEqual(c.vmArgs, ['-Xmx64m', '-Dname=a b']);
    assert.deepEqual(c.args, ['200', '2']);
    assert.deepEqual(c.sourcePaths, [path.join(folder, 'src')]);
    assert.deepEqual(c.workspaceFolders, [folder]);
  });

  it('defaults the class path to cwd and resolves a relative cwd against the folder', () => {
    const folder = path.join(workspace, 'flat');
    const c = resolveConfiguration({ request: 'launch', mainClass: 'Main', cwd: 'bin', env: { A: '1' } }, { folder, folders: [folder] });
    assert.equal(c.cwd, path.join(folder, 'bin'));
    assert.deepEqual(c.classPaths, [path.join(folder, 'bin')]);
    assert.deepEqual(c.env, { A: '1' });
    assert.deepEqual(c.vmArgs, []);
  });

  it('rejects launch configurations without a main class or with a bad env', () => {
    rejects({ request: 'launch' }, ConfigErrorCode.MISSING_MAIN_CLASS, /"mainClass"/);
    rejects({ request: 'launch', mainClass: '  ' }, ConfigErrorCode.MISSING_MAIN_CLASS, /"mainClass"/);
    rejects({ request: 'launch', mainClass: 'M', env: { A: 1 } }, ConfigErrorCode.BAD_ATTRIBUTE, /"env"/);
    rejects({ request: 'launch', mainClass: 'M', env: ['A=1'] }, ConfigErrorCode.BAD_ATTRIBUTE, /"env"/);
    rejects({ request: 'launch', mainClass: 'M', vmArgs: '-Da="x' }, ConfigErrorCode.BAD_ATTRIBUTE, /unclosed "/);
    rejects({ request: 'launch', mainClass: 'M', args: [1, 2] }, ConfigErrorCode.BAD_ATTRIBUTE, /"args"/);
  });

  it('puts configured source paths first, resolved against the folder, then the discovered roots', () => {
    const folders = [path.join(workspace, 'svc'), path.join(workspace, 'demo')];
    const c = resolveConfiguration({ port: 1, sourcePaths: ['gen', '/elsewhere/src', 'src'] }, { folder: folders[1], folders });
    assert.deepEqual(c.sourcePaths, [
      path.join(workspace, 'demo', 'gen'),
      '/elsewhere/src',
      path.join(workspace, 'demo', 'src'),
      path.join(workspace, 'svc', 'src', 'main', 'java'),
      path.join(workspace, 'svc', 'src', 'test', 'java'),
    ]);
  });

  it('discovers Maven roots, else src, else the folder itself', () => {
    assert.deepEqual(discoverSourceRoots([path.join(workspace, 'svc'), path.join(workspace, 'demo'), path.join(workspace, 'flat')]), [
      path.join(workspace, 'svc', 'src', 'main', 'java'),
      path.join(workspace, 'svc', 'src', 'test', 'java'),
      path.join(workspace, 'demo', 'src'),
      path.join(workspace, 'flat'),
    ]);
  });

  it('splits command lines with quotes and escapes', () => {
    const unclosed = (quote: string) => new ConfigError(ConfigErrorCode.BAD_ATTRIBUTE, `unclosed ${quote}`);
    assert.deepEqual(splitCommandLine(`  -Xmx64m  -Dp="a b" 'c "d"' e\\ f "" `, unclosed), ['-Xmx64m', '-Dp=a b', 'c "d"', 'e f', '']);
    assert.deepEqual(splitCommandLine('', unclosed), []);
    assert.throws(() => splitCommandLine("'open", unclosed), ConfigError);
  });
});
