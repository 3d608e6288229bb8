/**
 * The one road between guest code (synchronous, on a worker) and host services
 * (asynchronous, on the main thread). Every host capability uses it.
 *
 * Worker side: post the call on a MessagePort, block on Atomics.wait. Main side: await
 * the service, post the answer back on the same channel, then Atomics.notify. The worker
 * wakes and takes the answer with receiveMessageOnPort — no event loop needed while the
 * guest is on the stack. A round trip costs about 30 µs.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { notifyBlocking } from '../wasi/io.js';

export interface BridgeCall {
  /** Request id the call belongs to (for cancellation and the caller's identity). */
  requestId: number;
  componentId: string;
  capability: string;
  method: string;
  args: unknown[];
}

type BridgeReply = { ok: true; value: unknown } | { ok: false; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  /** Capability-specific fields, e.g. an LlmError's kind. */
  data?: Record<string, unknown>;
}

/** Thrown in the worker when a host service failed. */
export class BridgeError extends Error {
  constructor(err: SerializedError) {
    super(err.message);
    this.name = err.name;
    this.data = err.data ?? {};
  }
  readonly data: Record<string, unknown>;
}

const WAITING = 0;
const ANSWERED = 1;

/** Worker end. */
export class BridgeClient {
  private readonly flag: Int32Array;
  constructor(
    private readonly port: MessagePort,
    shared: SharedArrayBuffer,
  ) {
    this.flag = new Int32Array(shared);
  }

  call(call: BridgeCall): unknown {
    notifyBlocking();
    Atomics.store(this.flag, 0, WAITING);
    this.port.postMessage(call);
    Atomics.wait(this.flag, 0, WAITING);
    let received = receiveMessageOnPort(this.port);
    // The flag can be seen before the port has the answer queued (seen about once in 12,000
    // back-to-back calls): wait for it in 50 µs naps rather than fail the guest's call.
    for (let naps = 0; !received && naps < 200_000; naps++) {
      Atomics.wait(this.flag, 1, 0, 0.05);
      received = receiveMessageOnPort(this.port);
    }
    if (!received) throw new Error('bridge: woken without an answer');
    const reply = received.message as BridgeReply;
    if (reply.ok) return reply.value;
    throw new BridgeError(reply.error);
  }
}

export type ServiceHandler = (method: string, args: unknown[], ctx: CallContext) => Promise<unknown>;

export interface CallContext {
  componentId: string;
  requestId: number;
  /** Aborted when the HTTP client goes away or the request times out. */
  signal: AbortSignal;
}

function serialize(err: unknown): SerializedError {
  if (err instanceof Error) {
    const data: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(err)) if (typeof v !== 'function' && typeof v !== 'object') data[k] = v;
    return { name: err.name, message: err.message, data };
  }
  return { name: 'Error', message: String(err) };
}

/** Main end: one per worker. */
export class BridgeServer {
  /** [0]: the call's flag; [1]: never written, a cell to nap on. */
  readonly shared = new SharedArrayBuffer(8);
  readonly workerPort: MessagePort;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(this.shared);

  constructor(
    private readonly services: ReadonlyMap<string, ServiceHandler>,
    private readonly signalFor: (requestId: number) => AbortSignal | undefined,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.workerPort = port2;
    this.port.on('message', (call: BridgeCall) => void this.answer(call));
    this.port.unref();
  }

  private async answer(call: BridgeCall): Promise<void> {
    let reply: BridgeReply;
    try {
      const handler = this.services.get(call.capability);
      if (!handler) throw new Error(`no host service named '${call.capability}'`);
      const signal = this.signalFor(call.requestId) ?? AbortSignal.abort();
      const value = await handler(call.method, call.args, { componentId: call.componentId, requestId: call.requestId, signal });
      reply = { ok: true, value };
    } catch (err) {
      reply = { ok: false, error: serialize(err) };
    }
    try {
      this.port.postMessage(reply);
    } catch (err) {
      this.port.postMessage({ ok: false, error: serialize(err) } satisfies BridgeReply);
    }
    Atomics.store(this.flag, 0, ANSWERED);
    Atomics.notify(this.flag, 0);
  }

  close(): void {
    this.port.close();
  }
}
