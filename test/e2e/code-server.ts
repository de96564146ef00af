import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { start, type Started } from './processes';

/** The directories of one code-server instance; all fresh for each run. */
export interface CodeServerDirs {
  userData: string;
  extensions: string;
  /** XDG config and data homes, so that code-server writes nothing under the user's home. */
  xdg: string;
}

/** Installs code-server with the project's script when needed and returns the path of its executable. */
export function ensureCodeServer(root: string): string {
  const res = spawnSync('bash', [path.join(root, 'scripts', 'install-code-server.sh')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (res.status !== 0) throw new Error(`scripts/install-code-server.sh failed with ${res.status}`);
  const bin = res.stdout.trim().split('\n').pop()!;
  if (!fs.existsSync(bin)) throw new Error(`install-code-server.sh printed ${bin}, which does not exist`);
  return bin;
}

function env(dirs: CodeServerDirs): NodeJS.ProcessEnv {
  return {
    ...process.env,
    XDG_CONFIG_HOME: path.join(dirs.xdg, 'config'),
    XDG_DATA_HOME: path.join(dirs.xdg, 'data'),
    XDG_CACHE_HOME: path.join(dirs.xdg, 'cache'),
  };
}

/** Installs a .vsix into the instance's extensions directory and returns code-server's report. */
export function installExtension(bin: string, dirs: CodeServerDirs, vsix: string): string {
  const res = spawnSync(bin, ['--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData, '--install-extension', vsix, '--force'], {
    env: env(dirs),
    encoding: 'utf8',
    timeout: 120_000,
  });
  const out = `${res.stdout}${res.stderr}`;
  if (res.status !== 0) throw new Error(`code-server --install-extension failed (${res.status ?? res.signal}):\n${out}`);
  return out;
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Writes the user settings of a quiet, trusting, offline workbench. */
export function writeUserSettings(dirs: CodeServerDirs, extra: Record<string, unknown> = {}): void {
  const user = path.join(dirs.userData, 'User');
  fs.mkdirSync(user, { recursive: true });
  const settings = {
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'git.enabled': false,
    'remote.autoForwardPorts': false,
    'editor.minimap.enabled': false,
    'window.restoreWindows': 'none',
    'workbench.colorTheme': 'Default Light Modern',
    ...extra,
  };
  fs.writeFileSync(path.join(user, 'settings.json'), JSON.stringify(settings, null, 2));
}

/** Starts code-server on 127.0.0.1:port without authentication and waits until it answers. */
export async function startCodeServer(bin: string, dirs: CodeServerDirs, port: number, logFile: string): Promise<Started> {
  const proc = start(
    'code-server',
    bin,
    [
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--user-data-dir', dirs.userData,
      '--extensions-dir', dirs.extensions,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
    ],
    { env: env(dirs), logFile },
  );
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`code-server exited with ${proc.child.exitCode}; see ${logFile}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return proc;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer on port ${port} within 60 s; see ${logFile}`);
}
