/**
 * The main-thread end of outbound requests: undici (pooled connections, TLS), one
 * exchange per guest request, bodies streamed both ways with backpressure — the request
 * body through a PassThrough the guest feeds chunk by chunk, the response body paused
 * once a small buffer is full until the guest reads on. Nothing is ever buffered whole.
 */
import { PassThrough, Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import type { AppHttp } from '../factor.js';
import { isUnderChainingDomain } from './allowed-hosts.js';
import type { ErrorCode, ResponseHead, SendRequest, Waited } from './api.js';
import { errorCodeOf } from './error-codes.js';
import type { OutboundHttpRuntimeConfig } from './runtime-config.js';

/** Response bytes held per exchange before the socket is paused. */
const RESPONSE_BUFFER_BYTES = 1 << 20;

class Exchange {
  readonly controller = new AbortController();
  head: ResponseHead | undefined;
  error: ErrorCode | undefined;
  ended = false;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private body: Readable | undefined;
  private wake: Array<() => void> = [];
  readonly requestBody: PassThrough | undefined;

  constructor(
    readonly requestId: number,
    hasBody: boolean,
  ) {
    this.requestBody = hasBody ? new PassThrough({ highWaterMark: 256 * 1024 }) : undefined;
  }

  fail(code: ErrorCode): void {
    if (!this.error && !this.ended) this.error = code;
    this.notify();
  }

  attach(head: ResponseHead, body: Readable): void {
    this.head = head;
    this.body = body;
    body.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered >= RESPONSE_BUFFER_BYTES) body.pause();
      this.notify();
    });
    body.on('end', () => {
      this.ended = true;
      this.notify();
    });
    body.on('error', (err) => this.fail(errorCodeOf(err)));
    this.notify();
  }

  private notify(): void {
    const waiting = this.wake;
    this.wake = [];
    for (const w of waiting) w();
  }

  /** Resolves when something changed, or after `ms`. */
  async changed(ms: number): Promise<void> {
    if (ms <= 0) return;
    await new Promise<void>((resolve) => {
      const signal = this.controller.signal;
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      this.wake.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  take(max: number): Uint8Array | null | undefined {
    if (this.chunks.length === 0) return this.ended ? null : undefined;
    const parts: Buffer[] = [];
    let size = 0;
    while (this.chunks.length > 0 && size < max) {
      const c = this.chunks[0]!;
      if (size + c.length <= max) {
        parts.push(c);
        size += c.length;
        this.chunks.shift();
      } else {
        const n = max - size;
        parts.push(c.subarray(0, n));
        this.chunks[0] = c.subarray(n);
        size += n;
      }
    }
    this.buffered -= size;
    if (this.buffered < RESPONSE_BUFFER_BYTES / 2 && this.body?.isPaused()) this.body.resume();
    // A fresh buffer of exactly these bytes: posting a view would copy its whole backing
    // store (undici's chunks are views into larger socket buffers).
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  close(): void {
    this.controller.abort();
    this.requestBody?.destroy();
    this.body?.destroy();
    this.notify();
  }
}

/** A counting gate for max_concurrent_requests. */
class Gate {
  private active = 0;
  private queue: Array<() => void> = [];
  constructor(private readonly limit: number | undefined) {}
  async enter(signal: AbortSignal): Promise<void> {
    if (this.limit === undefined || this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const go = () => {
        signal.removeEventListener('abort', stop);
        this.active++;
        resolve();
      };
      const stop = () => {
        this.queue = this.queue.filter((q) => q !== go);
        reject(signal.reason);
      };
      this.queue.push(go);
      signal.addEventListener('abort', stop, { once: true });
    });
  }
  leave(): void {
    if (this.limit === undefined) return;
    this.active--;
    this.queue.shift()?.();
  }
}

export class Transport {
  private readonly exchanges = new Map<number, Exchange>();
  private readonly agents = new Map<number, Agent>();
  private readonly gate: Gate;
  private nextHandle = 1;

  constructor(
    private readonly config: OutboundHttpRuntimeConfig,
    /** The app's own HTTP trigger, for `self` and `<id>.spin.internal` (absent where no trigger runs). */
    private readonly appHttp?: AppHttp,
  ) {
    this.gate = new Gate(config.maxConcurrentRequests);
  }

  /** One agent (connection pool) per connect timeout a guest asks for. */
  private agent(connectTimeoutMs: number): Agent {
    let a = this.agents.get(connectTimeoutMs);
    if (!a) {
      a = new Agent({ connect: { timeout: connectTimeoutMs } });
      this.agents.set(connectTimeoutMs, a);
    }
    return a;
  }

  send(requestId: number, req: SendRequest, signal: AbortSignal): number {
    const handle = this.nextHandle++;
    const hasBody = !(req.bodyDone && req.body.length === 0);
    const ex = new Exchange(requestId, hasBody);
    this.exchanges.set(handle, ex);
    const abort = () => ex.close();
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    for (const chunk of req.body) ex.requestBody!.write(chunk);
    if (hasBody && req.bodyDone) ex.requestBody!.end();
    ex.requestBody?.on('error', () => {});
    void (req.internal ? this.runInternal(ex, req, req.internal) : this.run(ex, req));
    return handle;
  }

  /** A request into the app itself: dispatched in-process by the HTTP trigger, never on the network (no gate, no agent). */
  private async runInternal(ex: Exchange, req: SendRequest, target: NonNullable<SendRequest['internal']>): Promise<void> {
    const url = new URL(req.url);
    try {
      if (!this.appHttp) throw new Error('no HTTP trigger serves this app');
      const res = await this.appHttp.send(target, {
        method: req.method,
        pathWithQuery: `${url.pathname}${url.search}`,
        headers: req.headers,
        body: ex.requestBody ?? null,
        signal: ex.controller.signal,
        caller: ex.requestId,
      });
      ex.attach({ status: res.status, headers: res.headers }, Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>));
    } catch (err) {
      ex.fail({ tag: 'internal-error', val: ex.controller.signal.aborted ? 'the request was cancelled' : (err as Error).message });
    }
  }

  private async run(ex: Exchange, req: SendRequest): Promise<void> {
    const url = new URL(req.url);
    if (isUnderChainingDomain(url.hostname)) {
      // The guest side dispatches these in-process or refuses them; this is the last guard before DNS.
      return ex.fail({ tag: 'internal-error', val: `${url.hostname} is inside the app: it is never sent to the network` });
    }
    const options: Dispatcher.RequestOptions = {
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers.flat(),
      body: ex.requestBody,
      signal: ex.controller.signal,
      // wasi:http first-byte and between-bytes timeouts; undici's own defaults (300 s) otherwise.
      ...(req.firstByteTimeoutMs !== undefined ? { headersTimeout: req.firstByteTimeoutMs } : {}),
      ...(req.betweenBytesTimeoutMs !== undefined ? { bodyTimeout: req.betweenBytesTimeoutMs } : {}),
      reset: !this.config.connectionPooling,
    };
    let entered = false;
    try {
      await this.gate.enter(ex.controller.signal);
      entered = true;
      const res = await this.agent(req.connectTimeoutMs ?? 10_000).request(options);
      const headers: Array<[string, string]> = [];
      for (const [name, value] of Object.entries(res.headers)) {
        if (Array.isArray(value)) for (const v of value) headers.push([name, v]);
        else if (value !== undefined) headers.push([name, value]);
      }
      ex.attach({ status: res.statusCode, headers }, res.body);
      await new Promise<void>((resolve) => {
        res.body.once('close', resolve);
        res.body.once('end', resolve);
        res.body.once('error', () => resolve());
      });
    } catch (err) {
      ex.fail(ex.controller.signal.aborted ? { tag: 'internal-error', val: 'the request was cancelled' } : errorCodeOf(err));
    } finally {
      if (entered) this.gate.leave();
    }
  }

  private get(handle: number): Exchange {
    const ex = this.exchanges.get(handle);
    if (!ex) throw new Error(`no outbound request with handle ${handle}`);
    return ex;
  }

  async writeBody(handle: number, chunk: Uint8Array): Promise<void> {
    const ex = this.get(handle);
    const body = ex.requestBody;
    if (!body || body.destroyed || ex.error) return;
    if (!body.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          body.off('drain', done);
          body.off('close', done);
          ex.controller.signal.removeEventListener('abort', done);
          resolve();
        };
        body.once('drain', done);
        body.once('close', done);
        ex.controller.signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  finishBody(handle: number): void {
    this.get(handle).requestBody?.end();
  }

  async response(handle: number, waitMs: number): Promise<Waited<ResponseHead>> {
    const ex = this.get(handle);
    if (!ex.head && !ex.error) await ex.changed(waitMs);
    if (ex.head) return { state: 'ready', value: ex.head };
    if (ex.error) return { state: 'error', code: ex.error };
    return { state: 'pending' };
  }

  async read(handle: number, max: number, waitMs: number): Promise<Waited<Uint8Array | null>> {
    const ex = this.get(handle);
    let got = ex.take(max);
    if (got === undefined && !ex.error) {
      await ex.changed(waitMs);
      got = ex.take(max);
    }
    if (got !== undefined) return { state: 'ready', value: got };
    if (ex.error) return { state: 'error', code: ex.error };
    return { state: 'pending' };
  }

  drop(handle: number): void {
    this.exchanges.get(handle)?.close();
    this.exchanges.delete(handle);
  }

  /** A guest request ended: whatever it still had in flight is cancelled. */
  endRequest(requestId: number): void {
    for (const [handle, ex] of this.exchanges) {
      if (ex.requestId === requestId) this.drop(handle);
    }
  }

  async close(): Promise<void> {
    for (const handle of [...this.exchanges.keys()]) this.drop(handle);
    await Promise.all([...this.agents.values()].map((a) => a.close().catch(() => {})));
  }
}
