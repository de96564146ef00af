import { isVirtualVm } from '../jdwp/client/virtual-vm';
import { ExitedEvent } from '@vscode/debugadapter';
import { JdwpClient } from '../jdwp/client/client';
import { JdwpConnection } from '../jdwp/client/connection';
import { StopSnapshots } from '../jdwp/client/stop-snapshots';
import { startJvm } from '../jdwp/launch/java';
import { VmMirror } from '../jdwp/mirror';
import type { Event_Composite_Event } from '../jdwp/protocol/spec-types';
import { dialVm, targetLabel, type DialOptions } from '../jdwp/client/connect';
import { formatAddress, type Address } from '../jdwp/transport/tcp';
import type { TargetConfig } from './config';
import type { AdapterContext } from './context';
import { AdapterError, AdapterErrorCode, KEPT_ON_CONNECT, toAdapterError } from './errors';
import { startNodesVm } from './virtual-vm';
import { holdVmStart, onVmGone } from './lifecycle';

/**
 * Dials a VM at "HOST:PORT" or a ws:// / wss:// URL (as the CLI does) and opens a client whose events reach
 * `onEvent` from the first packet on, so that a VMStart sent right after the handshake is not lost.
 */
export async function openClient(target: string, dial: DialOptions & { timeoutMs: number }, onEvent: (e: Event_Composite_Event) => void): Promise<JdwpClient> {
  const stream = await dialVm(target, dial);
  const connection = new JdwpConnection(stream, {
    role: 'debugger',
    handshakeTimeoutMs: dial.timeoutMs,
    requestTimeoutMs: dial.timeoutMs,
    label: targetLabel(target),
  });
  const client = new JdwpClient(connection);
  client.on('event', onEvent);
  try {
    await connection.ready;
    client.sizes = await client.VirtualMachine.IDSizes();
  } catch (err) {
    connection.close(err as Error);
    throw err;
  }
  return client;
}

/** Starts (for launch) or reaches (for attach) the target and connects the session to it. */
export async function connect(ctx: AdapterContext, target: TargetConfig): Promise<void> {
  ctx.target = target;
  let address: string;
  if (target.kind === 'launch') address = formatAddress(await launchJvm(ctx, target));
  else if (target.kind === 'attach-nodes') address = formatAddress(await startNodesVm(ctx, target));
  else if (target.kind === 'attach-url') address = target.url;
  else address = formatAddress({ host: target.host, port: target.port });
  const dial = target.kind === 'attach-url' ? { timeoutMs: ctx.settings.timeout, token: target.token, tlsCa: target.tlsCa } : { timeoutMs: ctx.settings.timeout };
  holdVmStart(ctx);
  let vm: JdwpClient;
  try {
    vm = await openClient(address, dial, (e) => ctx.events.dispatch(e));
  } catch (err) {
    const e = toAdapterError(err);
    throw KEPT_ON_CONNECT.has(e.code) ? e : new AdapterError(target.kind === 'launch' ? AdapterErrorCode.LAUNCH_FAILED : AdapterErrorCode.ATTACH_FAILED, e.message);
  }
  ctx.vm = vm;
  ctx.mirror = new VmMirror(vm, { invokeTimeoutMs: ctx.settings.timeout });
  vm.on('close', () => onVmGone(ctx));
  const version = await vm.VirtualMachine.Version();
  ctx.vmDescription = `${version.vmName} ${version.vmVersion}`;
  ctx.fabric = await isVirtualVm(vm, version);
  ctx.snapshots = ctx.fabric ? new StopSnapshots(vm) : undefined;
  ctx.output(`jdwp-fabric: connected to ${ctx.vmDescription}${ctx.fabric ? ' (virtual VM)' : ''}`);
  if (ctx.settings.requestScope) await applyRequestScope(ctx, ctx.settings.requestScope);
}

/** Scopes the session to marked requests (through the virtual VM only); an empty scope ends scoping. */
export async function applyRequestScope(ctx: AdapterContext, scope: string): Promise<void> {
  if (!ctx.fabric) throw new AdapterError(AdapterErrorCode.BAD_CONFIGURATION, '"requestScope" needs the virtual VM (a jdwp-fabric proxy or "nodes"); this is a plain JVM');
  await ctx.vm!.Fabric.SetRequestScope(scope);
  ctx.output(scope ? `jdwp-fabric: breakpoints stop only requests marked ${scope}` : 'jdwp-fabric: breakpoints stop every request again');
}

const AGENT_BANNER = /^Listening for transport dt_socket at address: \d+$/;

async function launchJvm(ctx: AdapterContext, target: Extract<TargetConfig, { kind: 'launch' }>): Promise<Address> {
  if (target.classPaths.length === 0) throw new AdapterError(AdapterErrorCode.BAD_CONFIGURATION, 'launch needs "classPaths" (directories or jars holding the main class)');
  try {
    const jvm = await startJvm({
      classPath: target.classPaths,
      mainClass: target.mainClass,
      args: target.args,
      vmArgs: target.vmArgs,
      cwd: target.cwd,
      env: target.env ? { ...process.env, ...target.env } : process.env,
      java: target.javaExec,
      suspend: true,
      mode: 'listen',
      startTimeoutMs: ctx.settings.timeout,
      onOutput: (line, stream) => {
        if (!AGENT_BANNER.test(line)) ctx.output(line, stream);
      },
    });
    ctx.resources.push({ dispose: () => jvm.kill(), launchedJvm: true, exited: jvm.exited });
    void jvm.exited.then((code) => {
      ctx.send(new ExitedEvent(code ?? 1));
      onVmGone(ctx);
    });
    return { host: '127.0.0.1', port: jvm.port };
  } catch (err) {
    throw new AdapterError(AdapterErrorCode.LAUNCH_FAILED, `could not launch ${target.mainClass}: ${(err as Error).message}`);
  }
}
