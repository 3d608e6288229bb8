/**
 * The engine's side of the prompt worker (prompt-worker.ts): started on first use, one request
 * at a time in order, ref'd only while requests are pending (an idle worker never keeps the
 * process alive). If the worker dies, its pending requests fail with a runtime error and the
 * next request starts a fresh one. An aborted request is answered at once; the worker's result
 * for it is dropped.
 */
import { Worker } from 'node:worker_threads';
import type { Token } from 'node-llama-cpp';
import { LlmError, type ChatMessage } from '../engine.js';
import type { FromPromptWorker, PromptWorkerSetup, ToPromptWorker, WorkerGpu } from './prompt-protocol.js';
import { abortReason } from './slots.js';

const WORKER_URL = new URL('./prompt-worker.js', import.meta.url);

type Request =
  { kind: 'chat'; modelPath: string; chatTemplate: string | undefined; messages: ChatMessage[] } | { kind: 'text'; modelPath: string; text: string };

export interface WorkerTokens {
  tokens: Token[];
  stops: string[];
}

interface Pending {
  resolve: (r: WorkerTokens) => void;
  reject: (err: unknown) => void;
}

export class PromptWorkerClient {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly gpu: () => Promise<WorkerGpu>,
    private readonly log: (line: string) => void,
  ) {}

  /** Started workers so far (for tests). */
  started = 0;

  async run(request: Request, signal?: AbortSignal): Promise<WorkerTokens> {
    if (signal?.aborted) throw abortReason(signal);
    if (this.closed) throw new LlmError('runtime-error', 'the LLM engine is closed');
    const worker = this.worker ?? (await this.start());
    const id = this.nextId++;
    return new Promise<WorkerTokens>((resolve, reject) => {
      const onAbort = (): void => settle(() => reject(abortReason(signal!)));
      const settle = (fn: () => void): void => {
        if (!this.pending.delete(id)) return;
        signal?.removeEventListener('abort', onAbort);
        if (this.pending.size === 0) this.worker?.unref();
        fn();
      };
      this.pending.set(id, { resolve: (r) => settle(() => resolve(r)), reject: (err) => settle(() => reject(err)) });
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.ref();
      worker.postMessage({ id, ...request } satisfies ToPromptWorker);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new LlmError('runtime-error', 'the LLM engine is closed'));
    await worker?.terminate();
  }

  private async start(): Promise<Worker> {
    const setup: PromptWorkerSetup = { gpu: await this.gpu() };
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_URL, { workerData: setup });
    this.started++;
    worker.unref();
    worker.on('message', (msg: FromPromptWorker) => {
      if ('log' in msg) return this.log(msg.log);
      const p = this.pending.get(msg.id);
      if (!p) return;
      if ('error' in msg) p.reject(new LlmError(msg.error.kind, msg.error.message));
      else p.resolve({ tokens: Array.from(msg.tokens) as Token[], stops: msg.stops });
    });
    const fail = (why: string): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.log(`prompt worker ${why}`);
      this.failAll(new LlmError('runtime-error', `the prompt worker ${why}`));
    };
    worker.on('error', (err) => fail(`failed: ${err.message}`));
    worker.on('exit', (code) => fail(`exited (code ${code})`));
    this.worker = worker;
    return worker;
  }

  private failAll(err: LlmError): void {
    for (const p of [...this.pending.values()]) p.reject(err);
  }
}
