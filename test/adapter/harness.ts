import * as net from 'node:net';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { FabricDebugSession } from '../../adapter/session';

/** One DAP message as the test saw it, in order. */
export interface TranscriptEntry {
  dir: 'request' | 'response' | 'event';
  command?: string;
  event?: string;
  success?: boolean;
  body?: unknown;
  arguments?: unknown;
}

/** A DebugClient that records every request, response and event it sees. */
export class RecordingClient extends DebugClient {
  readonly transcript: TranscriptEntry[] = [];
  recording = true;
  /** Stopped events not yet taken by nextStop (and not continued since), so that a stop that comes early is not missed. */
  readonly stops: DebugProtocol.StoppedEvent[] = [];
  private stopWaiters: Array<(e: DebugProtocol.StoppedEvent) => void> = [];

  /** The next stopped event: the oldest one not taken yet, or the next to come. */
  nextStop(timeoutMs: number): Promise<DebugProtocol.StoppedEvent> {
    const early = this.stops.shift();
    if (early) return Promise.resolve(early);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stopWaiters = this.stopWaiters.filter((w) => w !== waiter);
        reject(new Error(`no stopped event within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (e: DebugProtocol.StoppedEvent) => {
        clearTimeout(timer);
        resolve(e);
      };
      this.stopWaiters.push(waiter);
    });
  }

  override send(command: string, args?: any): Promise<any> {
    if (this.recording) this.transcript.push({ dir: 'request', command, arguments: args });
    const record = (r: DebugProtocol.Response) => {
      if (this.recording) this.transcript.push({ dir: 'response', command, success: r.success, body: r.success ? r.body : { message: r.message, error: r.body?.error } });
    };
    return (super.send as (c: string, a?: unknown) => Promise<DebugProtocol.Response>)(command, args).then(
      (r) => {
        record(r);
        return r;
      },
      (err: Error) => {
        if (this.recording) this.transcript.push({ dir: 'response', command, success: false, body: { message: err.message } });
        throw err;
      },
    );
  }

  override emit(name: string | symbol, ...args: any[]): boolean {
    const e = args[0] as DebugProtocol.Event | undefined;
    if (this.recording && e && e.type === 'event') this.transcript.push({ dir: 'event', event: e.event, body: e.body });
    if (name === 'continued' && e) {
      // A stop the adapter has continued since (with its node, say) is no longer a stop to take.
      const body = (e as DebugProtocol.ContinuedEvent).body;
      for (let i = this.stops.length - 1; i >= 0; i--) if (body.allThreadsContinued || this.stops[i].body.threadId === body.threadId) this.stops.splice(i, 1);
    }
    if (name === 'stopped' && e) {
      const waiter = this.stopWaiters.shift();
      if (waiter) waiter(e as DebugProtocol.StoppedEvent);
      else this.stops.push(e as DebugProtocol.StoppedEvent);
    }
    return super.emit(name, ...args);
  }
}

/** An adapter served in-process on a loopback port, with a client connected to it. */
export interface AdapterUnderTest {
  dc: RecordingClient;
  /** The session object behind the connection, for white-box checks. */
  session(): FabricDebugSession;
  close(): Promise<void>;
}

/** Starts the adapter in this process (server mode) and connects a recording DebugClient. */
export async function startAdapter(): Promise<AdapterUnderTest> {
  let current: FabricDebugSession | undefined;
  const sockets = new Set<net.Socket>();
  // No Nagle: an event written right before a response would otherwise wait for the client's delayed ACK (40 ms).
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const session = new FabricDebugSession();
    session.setRunAsServer(true);
    session.start(socket, socket);
    current = session;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const dc = new RecordingClient('node', 'unused', 'jdwp-fabric');
  dc.defaultTimeout = 20_000;
  await dc.start(port);
  return {
    dc,
    session: () => {
      if (!current) throw new Error('no session yet');
      return current;
    },
    close: async () => {
      await dc.stop().catch(() => undefined);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The next stopped event, including one that came before the test asked for it. */
export function nextStop(dc: RecordingClient, timeoutMs = 20_000): Promise<DebugProtocol.StoppedEvent> {
  return dc.nextStop(timeoutMs);
}

/** Initializes (with `init` added to the arguments), attaches with `args`, sets things up in `configure`, then sends configurationDone. */
export async function attachAndConfigure(
  dc: DebugClient,
  args: Record<string, unknown>,
  configure: () => Promise<unknown> = async () => undefined,
  init: Partial<DebugProtocol.InitializeRequestArguments> = {},
): Promise<void> {
  await dc.initializeRequest({ adapterID: 'jdwp-fabric', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', supportsVariableType: true, ...init });
  const initialized = dc.waitForEvent('initialized');
  await dc.attachRequest(args as DebugProtocol.AttachRequestArguments);
  await initialized;
  await configure();
  await dc.configurationDoneRequest();
}

/** Initializes and launches with `args`, sets things up in `configure`, then sends configurationDone. */
export async function launchAndConfigure(dc: DebugClient, args: Record<string, unknown>, configure: () => Promise<unknown> = async () => undefined): Promise<void> {
  await dc.initializeRequest({ adapterID: 'jdwp-fabric', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', supportsVariableType: true });
  const initialized = dc.waitForEvent('initialized');
  await dc.launchRequest(args as DebugProtocol.LaunchRequestArguments);
  await initialized;
  await configure();
  await dc.configurationDoneRequest();
}

/** The DAP error number of a failed request. */
export async function errorNumber(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    const m = /jdwp-fabric error (\d+)/.exec((err as Error).message);
    if (m) return Number(m[1]);
    throw new Error(`a DAP error without a number: ${(err as Error).message}`);
  }
  throw new Error('the request succeeded; an error was expected');
}

/** Answers the adapter's reverse requests on a DebugClient, which by itself ignores them: success unless `handle` fails. */
export function answerReverseRequests(dc: DebugClient, handle: (request: DebugProtocol.Request) => Promise<void>): void {
  const plain = (dc as any).dispatch.bind(dc) as (body: string) => void;
  (dc as any).dispatch = (body: string) => {
    const message = JSON.parse(body) as DebugProtocol.ProtocolMessage;
    if (message.type !== 'request') return plain(body);
    const request = message as DebugProtocol.Request;
    void handle(request).then(
      () => reply(true),
      (err: Error) => reply(false, err.message),
    );
    function reply(success: boolean, text?: string): void {
      const json = JSON.stringify({ type: 'response', seq: 0, request_seq: request.seq, command: request.command, success, message: text });
      (dc as any).outputStream.write(`Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`, 'utf8');
    }
  };
}
