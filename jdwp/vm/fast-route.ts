import type { JdwpConnection } from '../client/connection';
import { HEADER_SIZE, type CommandPacket, type ReplyPacket } from '../codec/packet';
import type { CommandInfo } from '../registry';
import type { Cluster } from './cluster';
import { slotOf } from './ids';
import type { NodeLink } from './node-link';
import { addressOf, focusOnThread, isCached } from './handlers/route';
import { passesNow } from './shield';

/**
 * The hot path of the route rule, for commands addressed by an object, thread or frame ID whose IDs all translate
 * without asking a node first: the command is rewritten in place and written to its node at once, and the reply
 * is rewritten in place and written back as the same packet, with no promise in between. Returns false, having
 * done nothing, when the command needs the general path.
 */
export function tryFastRoute(cluster: Cluster, debugger_: JdwpConnection, info: CommandInfo, packet: CommandPacket, onError: (err: unknown) => void): boolean {
  if (isCached(info.fullName) || !info.reply) return false;
  const data = packet.data;
  let ids;
  try {
    ids = cluster.translator.collect(info.out, data);
  } catch {
    return false;
  }
  // The synchronous case of pickNode: addressed by an ID of a live node, with no type before it to resolve.
  const { at, typeId } = addressOf(info, ids);
  if (at < 0 || typeId !== 0n || !passesNow(cluster, info, data, ids)) return false;
  const slot = slotOf(ids.values[at]);
  const link = slot === 0 ? undefined : cluster.link(slot);
  if (!link) return false;
  let nodeData: Buffer | Promise<Buffer>;
  try {
    // Into a copy: when the node's link is busy (or an ID must be looked up first) the general path takes the
    // command, and it must find the debugger's IDs, not the node's.
    nodeData = cluster.translator.packetToNode(link, info.out, Buffer.from(data), { errors: info.spec.errors }, ids);
  } catch {
    return false;
  }
  if (!Buffer.isBuffer(nodeData)) {
    nodeData.catch(() => {});
    return false;
  }
  const target = link;
  const sent = target.sendNow(info.set.id, info.spec.id, nodeData, cluster.options.requestTimeoutMs, (err, reply) => {
    if (err) return onError(err);
    answer(cluster, debugger_, target, info, packet.id, reply!, onError);
  });
  if (sent) focusOnThread(cluster, ids);
  return sent;
}

function answer(cluster: Cluster, debugger_: JdwpConnection, link: NodeLink, info: CommandInfo, id: number, reply: ReplyPacket, onError: (err: unknown) => void): void {
  if (reply.errorCode !== 0) {
    debugger_.reply(id, reply.errorCode);
    return;
  }
  let out: Buffer | Promise<Buffer>;
  try {
    out = cluster.translator.packetToVirtual(link, info.reply!, reply.data, { announce: true });
  } catch (err) {
    onError(err);
    return;
  }
  if (!Buffer.isBuffer(out)) {
    out.then((b) => debugger_.reply(id, 0, b), onError);
    return;
  }
  const whole = reply.packet;
  if (whole && out.buffer === whole.buffer && out.byteOffset === whole.byteOffset + HEADER_SIZE && out.length === whole.length - HEADER_SIZE) debugger_.replyPacket(id, whole);
  else debugger_.reply(id, 0, out);
}
