import { isVirtualVm } from '../jdwp/client/virtual-vm';
import { ExitedEvent } from '@vscode/debugadapter';
import { JdwpClient } from '../jdwp/client/client';
import { JdwpConnection } from '../jdwp/client/connection';
import { startJvm } from '../jdwp/launch/java';
import { VmMirror } from '../jdwp/mirror';
import type { Event_Composite_Event } from '../jdwp/protocol/spec-types';
import { dialTcp, type Address } from '../jdwp/transport/tcp';
import type { TargetConfig } from './config';
import type { AdapterContext } from './context';
import { AdapterError, AdapterErrorCode, toAdapterError } from './errors';
import { startNodesVm } from './virtual-vm';
import { holdVmStart, onVmGone } from './lifecycle';

/**
 * Dials a VM and opens a client whose events reach `onEvent` from the first packet on, so that a
 * VMStart sent right after the handshake is not lost.
 */
export async function openClient(address: Address, timeoutMs: number, onEvent: (e: Event_Composite_Event) => void): Promise<JdwpClient> {
  const socket = await dialTcp(address, timeoutMs);
  const connection = new JdwpConnection(socket, {
    role: 'debugger',
    handshakeTimeoutMs: timeoutMs,
    requestTimeoutMs: timeoutMs,
    label: `${address.host}:${address.port}`,
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
  let address: Address;
  if (target.kind === 'launch') address = await launchJvm(ctx, target);
  else if (target.kind === 'attach-nodes') address = await startNodesVm(ctx, target.nodes, target.discover);
  else address = { host: target.host, port: target.port };
  holdVmStart(ctx);
  let vm: JdwpClient;
  try {
    vm = await openClient(address, ctx.settings.timeout, (e) => ctx.events.dispatch(e));
  } catch (err) {
    throw new AdapterError(target.kind === 'launch' ? AdapterErrorCode.LAUNCH_FAILED : AdapterErrorCode.ATTACH_FAILED, toAdapterError(err).message);
  }
  ctx.vm = vm;
  ctx.mirror = new VmMirror(vm, { invokeTimeoutMs: ctx.settings.timeout });
  vm.on('close', () => onVmGone(ctx));
  const version = await vm.VirtualMachine.Version();
  ctx.vmDescription = `${version.vmName} ${version.vmVersion}`;
  ctx.fabric = await isVirtualVm(vm, version);
  ctx.output(`jdwp-fabric: connected to ${ctx.vmDescription}${ctx.fabric ? ' (virtual VM)' : ''}`);
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
