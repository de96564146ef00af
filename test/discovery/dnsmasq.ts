// A real DNS server for the tests: Debian's dnsmasq on a loopback port, serving only the records a test gives it.
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tmpDir } from '../support/fixtures';

/** The records dnsmasq serves: A records (name to addresses) and SRV records. */
export interface DnsRecords {
  a?: Record<string, string[]>;
  srv?: Array<{ name: string; target: string; port: number }>;
}

/** A dnsmasq process; `server` is its HOST:PORT for --dns-server. */
export class Dnsmasq {
  private child: ChildProcess | undefined;
  private readonly dir: string;
  server = '';
  output = '';

  /** The TTL of every record, in seconds, from the next start. */
  constructor(public ttl = 1) {
    this.dir = tmpDir('dnsmasq-');
  }

  /** Starts dnsmasq with `records` on a free loopback port (the same port on a restart). */
  async start(records: DnsRecords): Promise<void> {
    const port = this.server ? Number(this.server.split(':')[1]) : await freeUdpPort();
    this.server = `127.0.0.1:${port}`;
    await this.write(records);
    const conf = [
      `port=${port}`,
      'listen-address=127.0.0.1',
      'bind-interfaces',
      'no-resolv',
      'no-hosts',
      'no-negcache',
      `local-ttl=${this.ttl}`,
      'user=root',
      'pid-file=',
      `addn-hosts=${path.join(this.dir, 'hosts')}`,
      `conf-file=${path.join(this.dir, 'srv.conf')}`,
    ];
    fs.writeFileSync(path.join(this.dir, 'dnsmasq.conf'), conf.join('\n') + '\n');
    const child = spawn('dnsmasq', ['--keep-in-foreground', '--log-facility=-', `--conf-file=${path.join(this.dir, 'dnsmasq.conf')}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    for (const s of [child.stdout!, child.stderr!]) s.on('data', (d: Buffer) => (this.output += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dnsmasq did not start:\n${this.output}`)), 10_000);
      const check = () => {
        if (/started, version/.test(this.output)) {
          clearTimeout(timer);
          resolve();
        } else if (child.exitCode !== null) {
          clearTimeout(timer);
          reject(new Error(`dnsmasq exited with ${child.exitCode}:\n${this.output}`));
        } else setTimeout(check, 20);
      };
      check();
    });
  }

  private async write(records: DnsRecords): Promise<void> {
    const hosts = Object.entries(records.a ?? {}).flatMap(([name, ips]) => ips.map((ip) => `${ip} ${name}`));
    fs.writeFileSync(path.join(this.dir, 'hosts'), hosts.join('\n') + '\n');
    fs.writeFileSync(path.join(this.dir, 'srv.conf'), (records.srv ?? []).map((s) => `srv-host=${s.name},${s.target},${s.port}`).join('\n') + '\n');
  }

  /** Changes the A records in place: dnsmasq reads its hosts file again on SIGHUP. */
  async reloadHosts(records: DnsRecords): Promise<void> {
    const before = this.output.length;
    await this.write(records);
    this.child!.kill('SIGHUP');
    const deadline = Date.now() + 5_000;
    while (!/read .*hosts/.test(this.output.slice(before))) {
      if (Date.now() > deadline) throw new Error(`dnsmasq did not reload:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Changes every record, SRV ones too (dnsmasq reads those only at start): restarts it on the same port. */
  async restart(records: DnsRecords): Promise<void> {
    await this.stop();
    await this.start(records);
  }

  /** Stops dnsmasq. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  /** Stops dnsmasq and removes its files. */
  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
