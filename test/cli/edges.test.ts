// jdwp-fabric edges: --list prints the edges a proxy would use, --check where a running cluster binds them.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { edges } from '../../cli/edges';
import { ExitCode } from '../../cli/exit-codes';
import { parseEdges, PRESET_EDGES } from '../../jdwp/flow/edges';
import type { Jvm } from '../../jdwp/launch/java';
import { formatAddress } from '../../jdwp/transport/tcp';
import { killAll } from '../support/fixtures';
import { callWork, startChain, type Chain } from '../vm/chain-support';
import { startProxy } from '../vm/support';
import { runCli } from './support';

const NAMES = ['front', 'mid', 'leaf'];
const RPC = { name: 'orders-rpc', client: { method: 'acme.rpc.Client.call', key: 'arg0.requestId' }, server: { method: 'acme.rpc.Server.dispatch', key: 'arg1', header: 'x-request-id' }, label: 'RPC {arg0.method}' };

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await edges(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

describe('jdwp-fabric edges', function () {
  this.timeout(120_000);
  const jvms: Jvm[] = [];
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jdwp-fabric-edges-'))));
  after(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await killAll(jvms);
  });

  it('--list prints the presets, and a file\'s edges after them, as JSON an edges file accepts', async () => {
    const presets = await run('--list');
    assert.equal(presets.code, ExitCode.OK, presets.err.join('\n'));
    assert.deepEqual(parseEdges(JSON.parse(presets.out.join('\n'))), [...PRESET_EDGES]);
    const file = path.join(dir, 'edges.json');
    fs.writeFileSync(file, JSON.stringify([RPC]));
    const both = await run('--list', '--edges', file);
    assert.deepEqual(parseEdges(JSON.parse(both.out.join('\n'))).map((e) => e.name), [...PRESET_EDGES.map((e) => e.name), RPC.name]);
    const own = await run('--list', '--edges', file, '--no-edge-presets');
    assert.deepEqual(JSON.parse(own.out.join('\n')), { edges: [RPC] });
  });

  it('refuses bad edges files and bad command lines with exit code 2', async () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify([{ ...RPC, client: { method: 'call', key: 'x' } }]));
    const bad = await run('--list', '--edges', file);
    assert.equal(bad.code, ExitCode.USAGE);
    assert.match(bad.err.join('\n'), /error 1070: .*\[0\]\.client\.method: must be "package\.Class\.method"/);
    assert.equal((await run()).code, ExitCode.USAGE);
    assert.equal((await run('--check', '--list')).code, ExitCode.USAGE);
    assert.equal((await run('--check')).code, ExitCode.USAGE);
    assert.equal((await run('--check', '--connect', '127.0.0.1:1', '--edges', file)).code, ExitCode.USAGE);
    assert.equal((await run('--list', '--json')).code, ExitCode.USAGE);
    const help = await run('--help');
    assert.equal(help.code, ExitCode.OK);
    assert.match(help.out[0], /^usage: jdwp-fabric edges --check/);
  });

  it('--check tells, for the chain behind a proxy, on which nodes each side of each edge is bound', async () => {
    const chain: Chain = await startChain(jvms, NAMES);
    await callWork(chain.urls[0]);
    const file = path.join(dir, 'rpc.json');
    fs.writeFileSync(file, JSON.stringify([RPC]));
    const proxy = await startProxy(chain.jvms, { nodes: chain.jvms.map((j, i) => `${NAMES[i]}=127.0.0.1:${j.port}`), edges: [...PRESET_EDGES, ...parseEdges([RPC])] });
    try {
      const address = formatAddress(proxy.vm.address);
      const json = await runCli(['edges', '--check', '--connect', address, '--json']);
      assert.equal(json.code, ExitCode.OK, json.stderr.join('\n'));
      const bound = JSON.parse(json.stdout.join('')).edges as Array<{ name: string; client: string; server: string; nodes: Array<{ node: string; client: boolean; server: boolean }> }>;
      assert.deepEqual(bound.map((e) => e.name), [...PRESET_EDGES.map((e) => e.name), RPC.name]);
      const http = bound[0];
      assert.deepEqual([http.client, http.server], [PRESET_EDGES[0].client.method, PRESET_EDGES[0].server.method]);
      assert.deepEqual(http.nodes.filter((n) => n.server).map((n) => n.node).sort(), [...NAMES].sort(), 'every service serves HTTP');
      assert.ok(['front', 'mid'].every((n) => http.nodes.find((b) => b.node === n)?.client), 'front and mid call over HTTP');
      for (const e of bound.slice(1, -1)) {
        assert.ok(e.nodes.every((n) => !n.server), `no node runs ${e.server}`);
        assert.deepEqual(e.nodes.map((n) => n.client), http.nodes.map((n) => n.client), 'the same HttpClient as the first edge');
      }
      assert.ok(bound[bound.length - 1].nodes.every((n) => !n.client && !n.server), `${RPC.name} is bound nowhere`);
      const table = await runCli(['edges', '--check', '--connect', address]);
      assert.equal(table.code, ExitCode.OK);
      assert.equal(table.stdout[0], PRESET_EDGES[0].name);
      assert.match(table.stdout[2], /^ {2}server sun\.net\.httpserver\.AuthFilter\.doFilter: bound on (front|mid|leaf), (front|mid|leaf), (front|mid|leaf) \(3 of 3\)$/);
      assert.ok(table.stdout.includes('  server acme.rpc.Server.dispatch: bound on no node (0 of 3)'), table.stdout.join('\n'));
    } finally {
      await proxy.close();
    }
    const plain = await runCli(['edges', '--check', '--connect', `127.0.0.1:${chain.jvms[0].port}`]);
    assert.equal(plain.code, ExitCode.USAGE);
    assert.match(plain.stderr.join('\n'), /a plain JVM, not the virtual VM/);
    assert.equal(chain.jvms[0].process.exitCode, null, 'the plain JVM never got a Fabric command');
    const gone = await runCli(['edges', '--check', '--connect', '127.0.0.1:1']);
    assert.equal(gone.code, ExitCode.UNREACHABLE);
  });
});
