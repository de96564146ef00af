// Wide clusters behind one proxy (issue 12), side by side in one run:
// - real bench JVMs: 1 against 50 and 100 identical nodes (all started first, so every column runs on the same
//   loaded machine; each column is a fresh proxy process over the first N of them);
// - stand-in nodes (bench/support/standin.ts, replaying a recording of a real JVM) in their own process, dialing in
//   to the proxy: 1 against 1,000.
// Each column: attach to first AllThreads, AllThreads, ClassesBySignature, a line breakpoint cold and warm, the
// proxy's own CPU per fan-out per node and its RSS.
// Run: npx tsc -p . && node out/bench/support/standin-record.js && node out/bench/wide.js
//   [sizes=1,50,100] [standins=1000] [iterations=20] [recording=out/bench/standin-recording.json]
//   (sizes "" or standins 0 skip that part; WIDE_CPU_PROF=DIR profiles the proxy over the stand-ins;
//   WIDE_NESTED=10x100 adds a proxy of 10 proxies of 100 stand-ins each)
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { JdwpConnection } from '../jdwp/client/connection';
import { relistened, type Jvm } from '../jdwp/launch/java';
import { commandByName } from '../jdwp/registry';
import { dialTcp } from '../jdwp/transport/tcp';
import { cpuRounds, measureCluster, printTable, startBenchJvms, timeMs, type ClusterFigures } from './fanout';
import { attachRetrying, cpuMs, ROOT, startProxyProcess, type ProxyProcess } from './proxy-support';
import { fmt, quantile } from './support/stats';

const sizes = (process.argv[2] ?? '1,50,100').split(',').filter(Boolean).map(Number);
const standins = Number(process.argv[3] ?? 1000);
const iterations = Number(process.argv[4] ?? 20);
const recording = process.argv[5] ?? path.join(ROOT, 'out', 'bench', 'standin-recording.json');
/** WIDE_CPU_PROF=DIR: the proxy over the stand-ins writes a V8 CPU profile there (node --cpu-prof). */
const profileDir = process.env.WIDE_CPU_PROF;
const ID_SIZES = commandByName('VirtualMachine.IDSizes');

async function realColumns(): Promise<Array<{ name: string; figures: ClusterFigures }>> {
  const max = Math.max(...sizes);
  const t0 = Date.now();
  const jvms = await startBenchJvms(max, 10);
  console.log(`started ${max} bench JVMs in ${fmt((Date.now() - t0) / 1000, 1)} s`);
  const columns = [];
  try {
    for (const n of sizes) {
      const nodes = jvms.slice(0, n);
      const since = nodes.map((j) => j.output.length);
      const t1 = Date.now();
      const proxy = await startProxyProcess(nodes, { joinTimeoutMs: 120_000 });
      const joinS = (Date.now() - t1) / 1000;
      try {
        const figures = await measureCluster(proxy, n, iterations);
        columns.push({ name: `${n} JVM${n > 1 ? 's' : ''}`, figures: { 'nodes joined': n, 'all joined after (s)': joinS, ...figures } });
      } finally {
        await proxy.close();
      }
      await Promise.all(nodes.map((j: Jvm, i) => relistened(j, since[i], 30_000)));
    }
  } finally {
    await Promise.all(jvms.map((j) => j.kill()));
  }
  return columns;
}

/** A stand-in process dialing `count` nodes in to a proxy; resolves once they have handshaken. */
function startStandins(count: number, acceptPort: number): Promise<{ stop(): Promise<string> }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'out', 'bench', 'support', 'standin.js'), recording, String(count), '--accept', `127.0.0.1:${acceptPort}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      if (!text.includes('standins: ')) return;
      clearInterval(poll);
      resolve({
        async stop() {
          child.kill('SIGTERM');
          await exited;
          return /standins missed: (.*)/.exec(text)?.[1] ?? '?';
        },
      });
    }, 10);
    void exited.then(() => {
      clearInterval(poll);
      reject(new Error(`the stand-ins exited:\n${text}`));
    });
  });
}

async function standinColumns(): Promise<Array<{ name: string; figures: ClusterFigures }>> {
  const columns = [];
  for (const n of [1, standins]) {
    const node = profileDir && n > 1 ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const proxy = await startProxyProcess([], { args: ['--accept', '127.0.0.1:0'], node });
    const t1 = Date.now();
    const fleet = await startStandins(n, proxy.acceptPort!);
    let missed = '';
    try {
      await proxy.joined(n, 120_000);
      const joinS = (Date.now() - t1) / 1000;
      const figures = await measureCluster(proxy, n, iterations);
      columns.push({ name: `${n} stand-in${n > 1 ? 's' : ''}`, figures: { 'nodes joined': n, 'all joined after (s)': joinS, ...figures } });
    } finally {
      missed = await fleet.stop();
      await proxy.close();
    }
    console.log(`${n} stand-in(s): commands without a recorded reply: ${missed}`);
  }
  return columns;
}

/**
 * The floor under any fan-out: this process sends one raw VirtualMachine.IDSizes to each of `count` stand-ins over
 * one JDWP connection each (the project's connection layer, no proxy) and waits for every reply. Its wall time and
 * CPU per node per fan-out are what one TCP connection per node costs on this machine.
 */
async function socketFloor(count: number): Promise<{ wallMs: number; cpuUsPerNode: number; systemShare: number }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'out', 'bench', 'support', 'standin.js'), recording, String(count), '--listen'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => (text += d.toString('utf8')));
    while (!/standins listening: (.*)\n/.test(text)) await new Promise((r) => setTimeout(r, 20));
    const ports = /standins listening: (.*)\n/.exec(text)![1].split(',').map(Number);
    const connections = await Promise.all(
      ports.map(async (port) => {
        const c = new JdwpConnection(await dialTcp({ host: '127.0.0.1', port }), { role: 'debugger' });
        await c.ready;
        return c;
      }),
    );
    const empty = Buffer.alloc(0);
    const fan = () => Promise.all(connections.map((c) => c.request(ID_SIZES.set.id, ID_SIZES.spec.id, empty)));
    const rounds = cpuRounds(count);
    for (let i = 0; i < rounds; i++) await fan();
    const walls: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < rounds; i++) walls.push(await timeMs(fan));
    const cpu = process.cpuUsage(cpu0);
    for (const c of connections) c.close();
    return { wallMs: quantile(walls, 0.5), cpuUsPerNode: (cpu.user + cpu.system) / rounds / count, systemShare: cpu.system / (cpu.user + cpu.system) };
  } finally {
    child.kill('SIGTERM');
  }
}

/**
 * A proxy of proxies: `regions` proxies over `perRegion` stand-ins each, and one outer proxy over those proxies
 * (each region's proxy is a node of the outer one). CPU per node is the outer proxy's, over all regions' nodes; the
 * extra row is every proxy's CPU together.
 */
async function nestedColumn(regions: number, perRegion: number): Promise<{ name: string; figures: ClusterFigures }> {
  const inner: ProxyProcess[] = [];
  const fleets: Array<{ stop(): Promise<string> }> = [];
  try {
    for (let r = 0; r < regions; r++) {
      const proxy = await startProxyProcess([], { args: ['--accept', '127.0.0.1:0'] });
      inner.push(proxy);
      fleets.push(await startStandins(perRegion, proxy.acceptPort!));
      await proxy.joined(perRegion, 120_000);
    }
    const outer = await startProxyProcess(inner, { joinTimeoutMs: 120_000 });
    try {
      const nodes = regions * perRegion;
      const figures = await measureCluster(outer, nodes, iterations);
      const vm = await attachRetrying(outer.port);
      const pids = [outer.pid, ...inner.map((p) => p.pid)];
      const total = () => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
      const rounds = cpuRounds(nodes);
      const t0 = total();
      for (let i = 0; i < rounds; i++) await vm.VirtualMachine.AllThreads();
      figures['all proxies CPU per AllThreads per node (µs)'] = ((total() - t0) * 1000) / rounds / nodes;
      await vm.dispose();
      return { name: `${regions} x ${perRegion} stand-ins, nested`, figures: { 'nodes joined': nodes, ...figures } };
    } finally {
      await outer.close();
    }
  } finally {
    for (const f of fleets) await f.stop();
    for (const p of inner) await p.close();
  }
}

async function main(): Promise<void> {
  console.log(`load: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (${os.cpus().length} cores)`);
  if (sizes.length) {
    const real = await realColumns();
    console.log(`\nReal bench JVMs (medians of ${iterations}; cold: one run):`);
    printTable(real);
  }
  if (standins > 0) {
    const light = await standinColumns();
    console.log(`\nStand-in nodes (medians of ${iterations}; cold: one run):`);
    printTable(light);
    const nested = process.env.WIDE_NESTED;
    if (nested) {
      const [regions, perRegion] = nested.split('x').map(Number);
      console.log(`\nA proxy of ${regions} proxies of ${perRegion} stand-ins each, against ${standins} behind one proxy:`);
      printTable([light[light.length - 1], await nestedColumn(regions, perRegion)]);
    }
    const floor = await socketFloor(standins);
    console.log(
      `\nFloor, no proxy: one raw VirtualMachine.IDSizes to each of ${standins} stand-ins from this process: ${fmt(floor.wallMs, 1)} ms per fan-out (median), ${fmt(floor.cpuUsPerNode, 1)} µs CPU per node (${fmt(floor.systemShare * 100, 0)} % in the kernel)`,
    );
  }
  console.log(`load: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
