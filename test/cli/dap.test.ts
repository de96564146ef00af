import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from '../support/fixtures';

describe('jdwp-fabric dap', () => {
  it('speaks DAP on stdin and stdout and writes nothing else there', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'jdwp-fabric.js'), 'dap'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const request = JSON.stringify({ seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'jdwp-fabric', linesStartAt1: true } });
    let out = '';
    const reply = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no initialize response; stdout: ${out}`)), 10_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString('utf8');
        const m = /^Content-Length: (\d+)\r\n\r\n/.exec(out);
        if (m && out.length >= m[0].length + Number(m[1])) {
          clearTimeout(timer);
          resolve(out.slice(m[0].length, m[0].length + Number(m[1])));
        }
      });
    });
    child.stdin.write(`Content-Length: ${Buffer.byteLength(request)}\r\n\r\n${request}`);
    try {
      const body = JSON.parse(await reply);
      assert.equal(body.command, 'initialize');
      assert.equal(body.success, true);
      assert.equal(body.body.supportsConditionalBreakpoints, true);
      assert.equal(body.body.supportsLogPoints, true);
      assert.ok(out.startsWith('Content-Length: '), 'stdout must carry only DAP messages');
    } finally {
      child.kill();
    }
  });
});
