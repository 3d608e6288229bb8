/**
 * A pool of worker threads that run guest code. The thread that serves HTTP never runs a
 * guest: a guest that traps, loops or eats memory costs one worker, which is terminated
 * and replaced, and the host keeps serving.
 */
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { BridgeServer, type ServiceHandler } from './bridge.js';
import { claimForStop, newNativeSectionCell } from './native-section.js';
import { REQUEST_SERVICE, RESPONSE_WINDOW_BYTES, type FromWorker, type GuestOutput, type ToWorker, type WorkerSetup } from './protocol.js';

export interface PoolOptions {
  size: number;
  setup: WorkerSetup;
  services: ReadonlyMap<string, ServiceHandler>;
  /** A guest still running after this long is cut off (its worker is replaced). */
  requestTimeoutMs: number;
  /** V8 heap cap per worker, in MB (guest linear memory is capped separately). */
  workerHeapMb: number;
  /** Requests waiting for a free worker before new ones get 503. */
  maxQueue: number;
  log: (line: string) => void;
  /** Where a guest's stdout/stderr lines go (default: `log`, as `[id] line`). */
  guestOutput?: (output: GuestOutput, line: string) => void;
  /** Called once when a request ends, however it ended (host services release what it held). */
  onRequestEnd?: (requestId: number) => void;
  /** How deep requests from guests into their own app may nest (default DEFAULT_MAX_CHAIN_DEPTH); see chainAdmits. */
  maxChainDepth?: number;
}

/** Requests a guest makes into its own app (`self`, `*.spin.internal`) nest at most this deep: the host answers a deeper one 508. */
export const DEFAULT_MAX_CHAIN_DEPTH = 8;

/** How long the workers started beyond `size` for chained requests stay once nothing needs them. */
const EXTRA_IDLE_MS = 30_000;

export interface GuestResponse {
  status: number;
  headers: Array<[string, string]>;
  body: ReadableStream<Uint8Array>;
  /** The body's exact length when the guest had finished it by the time it sent the head. */
  length?: number;
}

/** Why a request produced no guest response; the HTTP trigger maps it to a status. */
export class GuestFailure extends Error {
  constructor(
    readonly status: 500 | 503 | 504,
    message: string,
  ) {
    super(message);
    this.name = 'GuestFailure';
  }
}

interface Job {
  requestId: number;
  componentId: string;
  payload: unknown;
  /** This request's own host service, reached from the guest as REQUEST_SERVICE (e.g. its body). */
  service?: ServiceHandler;
  signal: AbortSignal;
  controller: AbortController;
  resolve: (r: GuestResponse) => void;
  reject: (e: Error) => void;
  stream?: ReadableStreamDefaultController<Uint8Array>;
  /** Body bytes put into `stream` so far. */
  enqueued: number;
  timer?: NodeJS.Timeout;
  settled: boolean;
  /** 0 for a client's request; for a request a guest made into its own app, its caller's depth + 1. */
  depth: number;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

/** How often the pool looks again at a worker it may not terminate yet (inside a native call). */
const STOP_POLL_MS = 5;
/** How long after a request's cut-off its native calls are interrupted (see run()). */
const NATIVE_DEADLINE_SLACK_MS = 25;

// jco's glue is one huge generator function, run per instance: TurboFan's escape analysis
// spent 2.6–3.9 s of CPU per worker compiling it, then again after each deopt. V8 flags are
// per process (a Worker's execArgv refuses them), so this is set before any worker starts.
// SPIN_TS_TURBO_ESCAPE=1 leaves escape analysis on, for measuring (bench/instances.ts).
if (process.env.SPIN_TS_TURBO_ESCAPE !== '1') setFlagsFromString('--no-turbo-escape');

class PoolWorker {
  readonly worker: Worker;
  readonly bridge: BridgeServer;
  /** Response bytes the client's side has taken of the running request (RESPONSE_WINDOW_BYTES). */
  readonly responseAcks = new BigInt64Array(new SharedArrayBuffer(8));
  /** Whether the worker is inside a native call it must not be terminated in (native-section.ts). */
  readonly nativeCell = newNativeSectionCell();
  /** Set once the worker is being terminated: resolves when it is gone. */
  stopped: Promise<void> | undefined;
  readonly ready: Promise<void>;
  job: Job | undefined;
  dead = false;
  /** Its request ran out of time and it is being terminated: how it dies decides 504 or 500. */
  timingOut = false;

  constructor(pool: WorkerPool, opts: PoolOptions) {
    const services = new Map(opts.services).set(REQUEST_SERVICE, (method, args, ctx) => {
      const service = this.job?.requestId === ctx.requestId ? this.job.service : undefined;
      return service ? service(method, args, ctx) : Promise.reject(new Error('this request has no host service'));
    });
    this.bridge = new BridgeServer(services, (id) => (this.job?.requestId === id ? this.job.controller.signal : undefined));
    this.worker = new Worker(WORKER_URL, {
      workerData: {
        ...opts.setup,
        bridgePort: this.bridge.workerPort,
        bridgeShared: this.bridge.shared,
        responseAcks: this.responseAcks.buffer,
        nativeCell: this.nativeCell,
      },
      transferList: [this.bridge.workerPort as never],
      resourceLimits: { maxOldGenerationSizeMb: opts.workerHeapMb },
      stdout: false,
      stderr: false,
    });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') resolve();
        else pool.onMessage(this, msg);
      });
      this.worker.once('error', (err) => {
        reject(err);
        pool.onExit(this, err);
      });
      this.worker.once('exit', (code) => {
        reject(new Error(`worker exited with code ${code} before it was ready`));
        pool.onExit(this, new Error(`worker exited with code ${code}`));
      });
    });
  }
}

export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private readonly idle: PoolWorker[] = [];
  private readonly queue: Job[] = [];
  private nextRequestId = 1;
  private closed = false;
  private retireTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: PoolOptions) {}

  async start(): Promise<void> {
    const started = Array.from({ length: this.opts.size }, () => this.spawn());
    await Promise.all(started.map((w) => w.ready));
  }

  private spawn(): PoolWorker {
    const w = new PoolWorker(this, this.opts);
    this.workers.push(w);
    w.ready.then(
      () => this.release(w),
      () => {},
    );
    return w;
  }

  get stats(): { workers: number; busy: number; queued: number } {
    return { workers: this.workers.length, busy: this.workers.filter((w) => w.job).length, queued: this.queue.length };
  }

  /**
   * Runs one request on a fresh instance of the component: `payload` goes to the trigger's
   * executor as it is, `service` answers the guest's calls for this request alone.
   * Resolves when the guest sends its response head.
   */
  handle(componentId: string, payload: unknown, signal: AbortSignal, service?: ServiceHandler, opts: { chainDepth?: number } = {}): Promise<GuestResponse> {
    const depth = opts.chainDepth ?? 0;
    if (this.closed) return Promise.reject(new GuestFailure(503, 'server is shutting down'));
    // A chained request's caller holds a worker until it answers: refusing it for a full queue would fail a request already running.
    if (depth === 0 && this.queue.length >= this.opts.maxQueue) return Promise.reject(new GuestFailure(503, 'too many requests waiting for a guest worker'));
    return new Promise<GuestResponse>((resolve, reject) => {
      const controller = new AbortController();
      const job: Job = {
        requestId: this.nextRequestId++,
        componentId,
        payload,
        service,
        signal,
        controller,
        resolve,
        reject,
        enqueued: 0,
        settled: false,
        depth,
      };
      signal.addEventListener('abort', () => this.cancel(job, 'the client went away'), { once: true });
      this.queue.push(job);
      this.admit();
    });
  }

  // --- Admission: which waiting request runs next, and when a worker is added for it. ---
  //
  // A guest's request into its own app (depth ≥ 1) is made by a guest that holds its worker
  // until the answer comes: if it waited behind client requests for that worker's peers, N
  // callers would hold all N workers while their callees queue, and every one times out. So:
  //   - client requests (depth 0) run at most `size` at once, whatever else runs;
  //   - chained requests have their own capacity beyond that, `size + maxChainDepth - 1`,
  //     on workers started when first needed (and kept): they never take a client's place;
  //   - a chained request at depth d starts only while at least maxChainDepth - d + 1 of
  //     that capacity is free, so every deeper level keeps one place. The deepest waiting
  //     request can then always start, and a request at the deepest level never waits on
  //     another (one deeper is a 508, see http dispatch): every chain finishes.
  //   - among the requests that may start, the deepest goes first (it frees its callers).

  /** The most a request may nest inside the app; the HTTP trigger answers a deeper one 508. */
  get maxChainDepth(): number {
    return this.opts.maxChainDepth ?? DEFAULT_MAX_CHAIN_DEPTH;
  }

  private get chainCapacity(): number {
    return this.opts.size + this.maxChainDepth - 1;
  }

  /** The depth of a request still running (by its id, as the bridge gives it to host services), or undefined. */
  chainDepthOf(requestId: number): number | undefined {
    const job = this.workers.find((w) => w.job?.requestId === requestId)?.job;
    return job && !job.settled ? job.depth : undefined;
  }

  private runningCounts(): { clients: number; chained: number } {
    let clients = 0;
    let chained = 0;
    for (const w of this.workers) {
      if (!w.job) continue;
      if (w.job.depth === 0) clients++;
      else chained++;
    }
    return { clients, chained };
  }

  private chainAdmits(depth: number, running: { clients: number; chained: number }): boolean {
    if (depth === 0) return running.clients < this.opts.size;
    return this.chainCapacity - running.chained >= this.maxChainDepth - depth + 1;
  }

  /** Waiting jobs that may start now, deepest first (first come first among equals); `limit` bounds how many are taken. */
  private admissible(limit: number): Job[] {
    const running = this.runningCounts();
    const byDepth = this.queue.filter((j) => !j.signal.aborted).sort((a, b) => b.depth - a.depth);
    const out: Job[] = [];
    for (const job of byDepth) {
      if (out.length >= limit) break;
      if (!this.chainAdmits(job.depth, running)) continue;
      out.push(job);
      if (job.depth === 0) running.clients++;
      else running.chained++;
    }
    return out;
  }

  /** Starts what may start on the idle workers, then starts workers for what may start and has none. */
  private admit(): void {
    for (const job of this.admissible(this.idle.length)) {
      this.queue.splice(this.queue.indexOf(job), 1);
      this.run(this.idle.pop()!, job);
    }
    const waiting = this.admissible(Infinity).length;
    if (waiting === 0) return;
    const starting = this.workers.filter((w) => !w.job && !w.dead && !w.timingOut && !this.idle.includes(w)).length;
    const room = this.opts.size + this.chainCapacity - this.workers.length;
    for (let i = Math.min(waiting - starting, room); i > 0; i--) this.spawn();
  }

  private run(w: PoolWorker, job: Job): void {
    w.job = job;
    job.timer = setTimeout(() => this.timeout(w, job), this.opts.requestTimeoutMs);
    Atomics.store(w.responseAcks, 0, 0n);
    // Native calls end a little after the pool's own cut-off, so the pool's 504 always comes first.
    const deadline = Date.now() + this.opts.requestTimeoutMs + NATIVE_DEADLINE_SLACK_MS;
    const msg: ToWorker = { type: 'request', requestId: job.requestId, componentId: job.componentId, payload: job.payload, deadline };
    w.worker.postMessage(msg);
  }

  private release(w: PoolWorker): void {
    w.job = undefined;
    if (w.dead || w.timingOut || this.closed) return;
    this.idle.push(w);
    this.admit();
    if (this.workers.length > this.opts.size) this.retireExtraLater();
  }

  /** Every EXTRA_IDLE_MS while there are more than `size` workers (started for chained requests), the idle ones beyond `size` are let go. */
  private retireExtraLater(): void {
    if (this.retireTimer) return;
    this.retireTimer = setTimeout(() => {
      this.retireTimer = undefined;
      // idle is most recently used last: the ones let go have waited longest.
      while (this.workers.length > this.opts.size && this.idle.length > 0 && !this.closed) {
        const w = this.idle.shift()!;
        w.dead = true;
        this.workers.splice(this.workers.indexOf(w), 1);
        w.bridge.close();
        void this.stop(w);
      }
      if (this.workers.length > this.opts.size && !this.closed) this.retireExtraLater();
    }, EXTRA_IDLE_MS).unref();
  }

  private finish(job: Job): void {
    if (!job.settled) this.opts.onRequestEnd?.(job.requestId);
    job.settled = true;
    clearTimeout(job.timer);
  }

  onMessage(w: PoolWorker, msg: FromWorker): void {
    if (msg.type === 'log') return msg.guest && this.opts.guestOutput ? this.opts.guestOutput(msg.guest, msg.line) : this.opts.log(msg.line);
    if (msg.type === 'ready') return;
    const job = w.job;
    // A job already settled (the client went away, the worker is being replaced) takes no more
    // messages: a WASIp3 guest's worker can still post its body's end before it is terminated.
    if (!job || msg.requestId !== job.requestId || job.settled) return;
    // A request that ran out of time ends as a 504 when its worker dies: what the guest still sends is dropped.
    if (w.timingOut) return;
    switch (msg.type) {
      case 'head': {
        const body = new ReadableStream<Uint8Array>(
          {
            start: (c) => {
              job.stream = c;
            },
            // The reader took bytes and wants more: tell a guest waiting on its window.
            pull: (c) => this.acknowledge(w, job, c),
            cancel: () => this.cancel(job, 'the client went away'),
          },
          new ByteLengthQueuingStrategy({ highWaterMark: RESPONSE_WINDOW_BYTES / 4 }),
        );
        if (msg.body) this.enqueue(job, msg.body);
        job.resolve({ status: msg.status, headers: msg.headers, body, ...(msg.done ? { length: msg.body?.length ?? 0 } : {}) });
        if (msg.done) this.complete(w, job);
        return;
      }
      case 'chunk':
        this.enqueue(job, msg.bytes);
        if (msg.done) this.complete(w, job);
        return;
      case 'end':
        this.finish(job);
        if (job.stream) job.stream.close();
        else job.reject(new GuestFailure(500, 'the guest exited without sending a response'));
        this.release(w);
        return;
      case 'error':
        this.finish(job);
        this.opts.log(`[${job.componentId}] request failed: ${msg.message}`);
        if (job.stream) job.stream.error(new Error(msg.message));
        else job.reject(new GuestFailure(500, msg.message));
        this.release(w);
        return;
    }
  }

  private enqueue(job: Job, bytes: Uint8Array): void {
    job.stream?.enqueue(bytes);
    job.enqueued += bytes.length;
  }

  /** Tells the worker how much of the running request's response has left the queue (only while that request still runs there). */
  private acknowledge(w: PoolWorker, job: Job, c: ReadableStreamDefaultController<Uint8Array>): void {
    if (w.job !== job || job.settled) return;
    const queued = RESPONSE_WINDOW_BYTES / 4 - (c.desiredSize ?? 0);
    Atomics.store(w.responseAcks, 0, BigInt(Math.max(0, job.enqueued - queued)));
    Atomics.notify(w.responseAcks, 0);
  }

  private complete(w: PoolWorker, job: Job): void {
    this.finish(job);
    job.stream?.close();
    this.release(w);
  }

  /** The client went away: drop a queued job, or stop a running guest's host calls and its worker. */
  private cancel(job: Job, why: string): void {
    if (job.settled) return;
    job.controller.abort(new Error(why));
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.finish(job);
      job.reject(new GuestFailure(500, why));
      return;
    }
    // A running guest may be blocked on a host call (now aborted) or computing: replace its worker.
    const w = this.workers.find((x) => x.job === job);
    if (w) this.replace(w, new GuestFailure(500, why));
  }

  private timeout(w: PoolWorker, job: Job): void {
    if (job.settled || w.job !== job) return;
    job.controller.abort(new Error('request timed out'));
    // Terminate first and let its death decide: a guest that ran out of memory while the
    // timer fired (a worker dying of OOM under load can take that long) is a 500, not a 504.
    w.timingOut = true;
    void this.stop(w);
  }

  /**
   * Terminates a worker once it is outside any native call (native-section.ts): a call in
   * progress is bounded by the request's deadline, which the worker hands to it, so this
   * waits at most about that long (and logs if it waits past the deadline).
   */
  private stop(w: PoolWorker): Promise<void> {
    w.stopped ??= (async () => {
      const since = Date.now();
      let warned = false;
      while (!claimForStop(w.nativeCell)) {
        if (!warned && Date.now() - since > this.opts.requestTimeoutMs) {
          warned = true;
          this.opts.log(
            `[${w.job?.componentId ?? 'worker'}] still inside a native call ${Date.now() - since} ms after it was told to stop; waiting for it to return`,
          );
        }
        await new Promise((r) => setTimeout(r, STOP_POLL_MS));
      }
      await w.worker.terminate();
    })();
    return w.stopped;
  }

  private replace(w: PoolWorker, failure: GuestFailure): void {
    if (w.dead) return;
    w.dead = true;
    const job = w.job;
    if (job && !job.settled) {
      this.finish(job);
      if (job.stream) job.stream.error(failure);
      else job.reject(failure);
    }
    this.workers.splice(this.workers.indexOf(w), 1);
    const idleAt = this.idle.indexOf(w);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    w.bridge.close();
    void this.stop(w);
    if (!this.closed) this.spawn();
  }

  onExit(w: PoolWorker, err: Error): void {
    if (w.dead) return;
    const oom = /ERR_WORKER_OUT_OF_MEMORY/.test((err as { code?: string }).code ?? '') || /out of memory/i.test(err.message);
    if (w.timingOut && !oom) {
      this.opts.log(`[${w.job?.componentId}] request timed out after ${this.opts.requestTimeoutMs} ms: worker terminated and replaced`);
      return this.replace(w, new GuestFailure(504, `the guest did not finish within ${this.opts.requestTimeoutMs} ms`));
    }
    this.opts.log(`guest worker died (${oom ? 'out of memory' : err.message}); starting a new one`);
    this.replace(w, new GuestFailure(500, oom ? 'the guest ran out of memory' : `the guest worker died: ${err.message}`));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      this.finish(job);
      job.reject(new GuestFailure(503, 'server is shutting down'));
    }
    await Promise.all(
      this.workers.map((w) => {
        w.dead = true;
        w.bridge.close();
        return this.stop(w);
      }),
    );
  }
}
