/**
 * Event requests the proxy places on nodes for itself (never shown to a debugger): the requests that follow a
 * step across an RPC edge, a request scope's entry checks and exit watches. Their events come back here.
 */
import type { Event_Composite_Events, EventRequest_Set_Modifier } from '../protocol/spec-types';
import type { Logger } from './type-registry';
import type { NodeLink } from './node-link';

/** Handles one event of an own request; the thread is resumed after it returns, as the request's policy asks. */
export type OwnHandler = (link: NodeLink, ev: Event_Composite_Events) => Promise<void>;

/** One own request on one node. */
export interface OwnRequest {
  link: NodeLink;
  eventKind: number;
  rawId: number;
}

/** The proxy's own requests on every node, with their handlers. */
export class OwnRequests {
  private readonly handlers = new Map<NodeLink, Map<number, OwnHandler>>();

  constructor(private readonly log: () => Logger) {}

  /** Places a request (SUSPEND_EVENT_THREAD) on a node and routes its events to `handler`. */
  async place(link: NodeLink, eventKind: number, modifiers: EventRequest_Set_Modifier[], handler: OwnHandler): Promise<OwnRequest> {
    const { requestID } = await link.client.EventRequest.Set(eventKind, 1, modifiers as never);
    let map = this.handlers.get(link);
    if (!map) this.handlers.set(link, (map = new Map()));
    map.set(requestID, handler);
    return { link, eventKind, rawId: requestID };
  }

  /** Clears a request on its node (nothing to do once the node is gone). */
  async clear(own: OwnRequest): Promise<void> {
    this.handlers.get(own.link)?.delete(own.rawId);
    if (!own.link.down) await own.link.client.EventRequest.Clear(own.eventKind, own.rawId).catch(() => undefined);
  }

  /** Serves an event of an own request; false for any other event. */
  async onEvent(link: NodeLink, ev: Event_Composite_Events): Promise<boolean> {
    const handler = ev.requestID ? this.handlers.get(link)?.get(ev.requestID) : undefined;
    if (!handler) return false;
    try {
      await handler(link, ev);
    } catch (err) {
      this.log()(`[fabric] node ${link.name}: the proxy's own request ${ev.requestID} failed: ${(err as Error).message}`);
    }
    return true;
  }

  /** True for a raw request ID of an own request on a node. */
  isOwn(link: NodeLink, rawId: number): boolean {
    return this.handlers.get(link)?.has(rawId) ?? false;
  }

  /** How many own requests are placed right now. */
  count(): number {
    let n = 0;
    for (const m of this.handlers.values()) n += m.size;
    return n;
  }

  /** Forgets a node that left. */
  nodeLeft(link: NodeLink): void {
    this.handlers.delete(link);
  }
}
