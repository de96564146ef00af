/**
 * End-to-end test in a real VS Code: code-server 4.100.3 in headless Chromium, driven by playwright-core.
 * Builds and installs the .vsix, starts the demo flow (10 JVMs: 2 gateways, 6 orders, 2 inventories) with load,
 * opens the demo workspace, sets a breakpoint at the DEMO_BREAKPOINT line (Orders.handle), starts the jdwp-fabric
 * configuration and checks the Call Stack (cluster → one session per node → threads), Variables and Fabric views.
 * Screenshots go to test-artifacts/e2e/. Run with `npm run test:e2e`; `--workbench-only` stops after opening the
 * workspace (a check of the code-server and Chromium set-up); `--adapter=process` runs the debug adapter as its own
 * process (the jdwpFabric.debugAdapter setting) instead of inline in the extension host.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { ensureCodeServer, freePort, installExtension, startCodeServer, writeUserSettings, type CodeServerDirs } from './code-server';
import { suspendedThreads } from '../adapter/suspension';
import { startE2eCluster } from './cluster';
import { demoBreakpointLine } from '../../cli/demo-cluster';
import { cleanupAll, onCleanup } from './processes';
import { Workbench, type TreeRow } from './workbench';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const WORK = path.join(ROOT, '.tmp', 'e2e');
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'e2e');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** JVMs per service of the demo flow: 10 in all, most of them orders nodes, which serve the breakpoint's handler. */
const PER_SERVICE = { gateway: 2, orders: 6, inventory: 2 };
const NODE_COUNT = PER_SERVICE.gateway + PER_SERVICE.orders + PER_SERVICE.inventory;
/** Checkouts per second into the gateways: light enough for 10 JVMs on a small machine. */
const LOAD_RATE = 5;
const CONFIG_NAME = 'Attach to the demo cluster';
const started = Date.now();

function log(message: string): void {
  console.log(`e2e [${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

/** Installs Debian's chromium when it is missing (CI runs as root, like the code-server install script). */
function ensureChromium(): void {
  if (fs.existsSync(CHROMIUM)) return;
  log('installing chromium from Debian');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let res = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { env, stdio: 'ignore' });
  if (res.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'inherit' });
    res = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { env, stdio: 'inherit' });
  }
  if (res.status !== 0 || !fs.existsSync(CHROMIUM)) throw new Error(`chromium is missing at ${CHROMIUM} and apt-get install chromium failed`);
}

function buildVsix(): string {
  const vsix = path.join(WORK, 'jdwp-fabric.vsix');
  const res = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'package.mjs'), vsix], { cwd: ROOT, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`packaging failed:\n${res.stdout}\n${res.stderr}`);
  return vsix;
}

/** Strips the // comments of a JSON-with-comments file whose strings hold no "//". */
function parseJsonc(text: string): any {
  return JSON.parse(text.replace(/^\s*\/\/.*$/gm, ''));
}

/** Copies the demo workspace and points its cluster configuration at the running proxy, first in the list. */
function prepareWorkspace(proxyPort: number): string {
  const workspace = path.join(WORK, 'workspace', 'demo');
  fs.cpSync(path.join(ROOT, 'demo', 'src'), path.join(workspace, 'src'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'demo', '.vscode'), path.join(workspace, '.vscode'), { recursive: true });
  const launchFile = path.join(workspace, '.vscode', 'launch.json');
  const launch = parseJsonc(fs.readFileSync(launchFile, 'utf8'));
  const config = launch.configurations.find((c: { name: string }) => c.name === CONFIG_NAME);
  if (!config) throw new Error(`demo/.vscode/launch.json has no configuration named "${CONFIG_NAME}"`);
  config.port = proxyPort;
  launch.configurations = [config, ...launch.configurations.filter((c: unknown) => c !== config)];
  fs.writeFileSync(launchFile, JSON.stringify(launch, null, 2));
  return workspace;
}

/** The pids of processes whose command line runs the installed extension's standalone adapter. */
function adapterProcesses(extensionsDir: string): number[] {
  const pids: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes(extensionsDir) && cmdline.includes(`dist${path.sep}adapter.js`)) pids.push(Number(pid));
    } catch {
      // The process is gone.
    }
  }
  return pids;
}

const results: Array<{ name: string; ok: boolean; detail?: string }> = [];
let workbench: Workbench | undefined;

/** Runs one check, records its result and, when it fails, takes a screenshot named after it. */
async function check(name: string, body: () => Promise<void>): Promise<boolean> {
  try {
    await body();
    results.push({ name, ok: true });
    log(`ok   ${name}`);
    return true;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    results.push({ name, ok: false, detail });
    log(`FAIL ${name}: ${detail}`);
    await workbench?.screenshot(`failed-${name.replace(/\W+/g, '-').slice(0, 40)}`).catch(() => undefined);
    return false;
  }
}

/** Polls until `probe` returns a value that `accept` takes, and returns it; throws with the last value otherwise. */
async function until<T>(what: string, probe: () => Promise<T>, accept: (value: T) => boolean, timeout = 30_000): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (accept(last)) return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${what}: timed out after ${timeout} ms; last seen ${JSON.stringify(last)}`);
}

async function main(): Promise<void> {
  const workbenchOnly = process.argv.includes('--workbench-only');
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });

  const bin = ensureCodeServer(ROOT);
  ensureChromium();
  log(`code-server at ${bin}`);
  const dirs: CodeServerDirs = { userData: path.join(WORK, 'user-data'), extensions: path.join(WORK, 'extensions'), xdg: path.join(WORK, 'xdg') };

  let proxyPort = 0;
  let names: string[] = [];
  let breakpointNodes: string[] = [];
  if (!workbenchOnly) {
    const vsix = buildVsix();
    log(`built ${path.relative(ROOT, vsix)} (${(fs.statSync(vsix).size / 1024).toFixed(0)} KiB)`);
    const report = installExtension(bin, dirs, vsix);
    if (!/successfully installed/i.test(report)) throw new Error(`unexpected install report:\n${report}`);
    log('installed the .vsix into a fresh extensions directory');
    const cluster = await startE2eCluster(PER_SERVICE, LOAD_RATE);
    onCleanup(() => cluster.close());
    proxyPort = cluster.proxyPort;
    names = cluster.names;
    breakpointNodes = cluster.breakpointNodes;
    log(`demo flow up: ${NODE_COUNT} JVMs behind the virtual VM on 127.0.0.1:${proxyPort}, ${LOAD_RATE} checkouts/s`);
  }

  const workspace = prepareWorkspace(proxyPort || 5005);
  const adapterMode = process.argv.find((a) => a.startsWith('--adapter='))?.slice('--adapter='.length) ?? 'inline';
  writeUserSettings(dirs, { 'jdwpFabric.debugAdapter': adapterMode });
  log(`debug adapter: ${adapterMode}`);
  const port = await freePort();
  await startCodeServer(bin, dirs, port, path.join(ARTIFACTS, 'code-server.log'));
  log(`code-server listening on 127.0.0.1:${port}`);

  const context: BrowserContext = await chromium.launchPersistentContext(path.join(WORK, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1600, height: 1100 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
  onCleanup(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  const wb = new Workbench(page, ARTIFACTS);
  workbench = wb;

  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
  await check('the workbench opens the demo workspace', async () => {
    await wb.ready();
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'src' }).first().waitFor();
    await wb.widenSideBar(520);
    log(`screenshot ${path.relative(ROOT, await wb.screenshot('workspace'))}`);
  });
  if (workbenchOnly || results.some((r) => !r.ok)) return;

  const line = demoBreakpointLine();
  await check(`a breakpoint is set at Orders.java:${line}`, async () => {
    await wb.openFile('Orders.java');
    await wb.goToLine(line);
    await page.keyboard.press('F9');
    await page.locator('.monaco-editor .codicon-debug-breakpoint, .monaco-editor .codicon-debug-breakpoint-unverified').first().waitFor();
    await wb.screenshot('breakpoint');
  });

  const stopped = await check('the jdwp-fabric session stops at the breakpoint', async () => {
    await wb.startDebugging(CONFIG_NAME);
    await wb.pane('Call Stack').locator('.monaco-list-row', { hasText: /Paused on breakpoint/i }).first().waitFor({ timeout: 90_000 });
    await page.locator('.monaco-editor .debug-top-stack-frame, .monaco-editor .codicon-debug-stackframe').first().waitFor();
    await wb.screenshot('stopped');
  });
  if (!stopped) return;

  if (adapterMode === 'process') {
    await check('the adapter runs as its own process', async () => {
      const pids = adapterProcesses(dirs.extensions);
      if (pids.length !== 1) throw new Error(`expected one adapter process, found ${pids.length}`);
    });
  }

  let focusedNode: string | undefined;
  await check('the Call Stack reads cluster → node → threads, the focused node expanded with its stopped thread first', async () => {
    await wb.collapse('Watch');
    await wb.collapse('Breakpoints');
    const nodeRows = (rows: TreeRow[]) => rows.filter((r) => r.level === 2);
    const complete = (rows: TreeRow[]) =>
      nodeRows(rows).length === NODE_COUNT &&
      names.every((n) => nodeRows(rows).some((r) => r.text.startsWith(`${n} `))) &&
      breakpointNodes.every((n) => nodeRows(rows).some((r) => r.text.startsWith(`${n} `) && /Paused on breakpoint/i.test(r.text)));
    const rows = await until('call stack rows', () => wb.allTreeRows('Call Stack'), complete, 60_000);
    log(`call stack:\n${rows.map((r) => `${'  '.repeat(r.level - 1)}${r.text}${r.expanded === false ? ' (collapsed)' : ''}`).join('\n')}`);
    if (rows[0]?.level !== 1 || !rows[0].text.startsWith(CONFIG_NAME)) throw new Error(`the first row is not the cluster's session: ${JSON.stringify(rows[0])}`);
    if (rows.filter((r) => r.level === 1).length !== 1) throw new Error('more than one top-level session');
    const expanded = nodeRows(rows).filter((r) => r.expanded);
    focusedNode = expanded[0]?.text.split(' ')[0];
    if (expanded.length !== 1) throw new Error(`${expanded.length} node sessions expanded; VS Code expands the focused one`);
    const at = rows.indexOf(expanded[0]);
    const threads = rows.slice(at + 1).filter((r, i, rest) => rest.slice(0, i + 1).every((x) => x.level >= 3) && r.level === 3);
    if (!/Paused on breakpoint/i.test(threads[0]?.text ?? '')) throw new Error(`the first thread of ${expanded[0].text} is not the stopped one: ${threads[0]?.text}`);
    if (threads.length < 4) throw new Error(`${expanded[0].text} lists ${threads.length} threads`);
    const prefixed = threads.filter((r) => /^\[node-\d+\]/.test(r.text));
    if (prefixed.length) throw new Error(`threads keep their node prefix inside a node's session: ${prefixed[0].text}`);
    // The node's session shares the cluster's Debug Console (logpoints print there).
    await page.locator('.repl .monaco-list-row', { hasText: 'jdwp-fabric: connected to' }).first().waitFor({ timeout: 10_000 });
    await wb.screenshot('call-stack');
    await wb.screenshot('call-stack-detail', { x: 0, y: 0, width: 1180, height: 1000 });
  });

  await check('the Variables view shows the locals', async () => {
    const rows = await until('variables rows', () => wb.rows('Variables'), (r) => ['order', 'form', 'incoming'].every((v) => r.some((row) => new RegExp(`^\\s*${v}\\b`).test(row))));
    log(`variables: ${rows.map((r) => r.replace(/\s+/g, ' ')).join(' | ')}`);
    const locals = rows.map((r) => /^\s*([\w$]+) =/.exec(r)?.[1]).filter((n) => n !== undefined);
    const repeated = locals.filter((n, i) => locals.indexOf(n) !== i);
    if (repeated.length) throw new Error(`the Locals scope lists ${repeated.join(', ')} more than once`);
    await wb.screenshot('variables');
  });

  await check('the Fabric view lists the nodes and the status bar counts them', async () => {
    await wb.collapse('Variables');
    await wb.collapse('Call Stack');
    await wb.command('Run and Debug: Focus on Fabric View');
    const rows = await until('fabric rows', () => wb.rows('Fabric'), (r) => names.every((n) => r.some((row) => row.includes(n) && /up · .+ · \d+ threads/.test(row))));
    log(`fabric view: ${rows.map((r) => r.replace(/\s+/g, ' ')).join(' | ')}`);
    await page.locator('.part.statusbar', { hasText: `fabric: ${NODE_COUNT} nodes` }).waitFor();
  });

  await check('expanding a node in the Fabric view loads its heap pool', async () => {
    await wb.pane('Fabric').locator('.monaco-list-row', { hasText: names[0]! }).first().click();
    await page.keyboard.press('ArrowRight');
    const rows = await until('heap pool rows', () => wb.rows('Fabric'), (r) => r.some((row) => /\d+ instances?/.test(row)));
    log(`heap pool of ${names[0]}: ${rows.filter((r) => /instance/.test(r)).slice(0, 5).map((r) => r.replace(/\s+/g, ' ')).join(' | ')}`);
    await wb.screenshot('fabric-view');
    await wb.screenshot('fabric-view-detail', { x: 0, y: 0, width: 1180, height: 560 });
  });

  await check("Shift+F5 on a node's session detaches that node only", async () => {
    await wb.collapse('Fabric');
    await wb.expand('Call Stack');
    if (!focusedNode) throw new Error('no node session was focused');
    await wb.pane('Call Stack').locator('.monaco-list-row[aria-level="3"]', { hasText: /Paused on breakpoint/i }).first().click();
    await page.keyboard.press('Shift+F5');
    const rows = await until('call stack rows', () => wb.allTreeRows('Call Stack'), (r) => r.filter((x) => x.level === 2).length === NODE_COUNT - 1);
    if (rows.some((r) => r.text.startsWith(`${focusedNode} `))) throw new Error(`${focusedNode} is still listed`);
    if (rows[0]?.level !== 1) throw new Error("the cluster's session ended too");
    log(`stopped the session of ${focusedNode}; ${NODE_COUNT - 1} node sessions remain`);
    await wb.screenshot('node-detached');
  });

  await check("disconnecting the cluster's session ends every session and leaves no thread of any node suspended", async () => {
    await wb.pane('Call Stack').locator('.monaco-list-row[aria-level="1"]').first().click();
    await page.keyboard.press('Shift+F5');
    await page.locator('.part.statusbar', { hasText: 'fabric:' }).waitFor({ state: 'detached', timeout: 30_000 });
    if (adapterMode === 'process') await until('adapter processes', async () => adapterProcesses(dirs.extensions), (p) => p.length === 0);
    await wb.screenshot('disconnected');
    const suspended = await suspendedThreads(proxyPort);
    if (suspended.length) throw new Error(`threads still suspended: ${suspended.join(', ')}`);
  });
}

main()
  .catch((err) => {
    results.push({ name: 'set-up', ok: false, detail: err instanceof Error ? err.stack ?? err.message : String(err) });
    console.error(`e2e: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  })
  .finally(async () => {
    await cleanupAll();
    const failed = results.filter((r) => !r.ok).length;
    log(`done; screenshots in ${path.relative(ROOT, ARTIFACTS)}`);
    console.log(`${results.length - failed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  });
