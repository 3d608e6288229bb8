/**
 * The local engine's models: each GGUF model loaded once per engine through node-llama-cpp,
 * lazily on first use (or by preload; concurrent first calls share one load), with its
 * completion context (slots, prompt cache, the token loop) and its embedding context; idle
 * unloads and the memory budget; llama.cpp's start (getLlama: GPU probe, prebuilt binaries only,
 * 'auto' falling back to the CPU with a log line). The generation calls are engine.ts's.
 */

import { GenerationTracker, waitForGenerating } from './batching.js';
import { ContextGate } from './context-gate.js';
import { getLlama, LlamaLogLevel, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaEmbeddingContext, type LlamaModel } from 'node-llama-cpp';
import { LlmError } from '../engine.js';
import { physicalCores } from './cpu.js';
import { canSyncRecord } from './generate-native.js';
import { NativeContextGate } from './native-gate.js';
import { loadTokenLoopAddon, NativeTokenLoop, tokenLoopChoice } from './native-loop.js';
import { kindOfArchitecture } from './model-kind.js';
import { loadProgress } from './progress.js';
import { ensureDownloaded } from './download.js';
import { resolveModel, verifySha256, type ModelKind, type ModelTable, type ResolvedModel } from './registry.js';
import { abortReason, SlotPool } from './slots.js';
import { contextEstimate, estimateBeforeLoad, footprint, pickVictim, type ContextEstimate } from './memory-budget.js';
import { canCachePrefixes, PrefixCache, type PrefixCacheStats } from './prefix-cache.js';

export interface LocalLlamaEngineOptions {
  modelTable: ModelTable;
  stateDir: string;
  /** CPU threads for llama.cpp; default: the number of physical cores. */
  threads?: number | undefined;
  gpu?: 'auto' | 'cuda' | 'vulkan' | 'cpu' | undefined;
  /** Parallel sequences per model (default 4). */
  slots?: number | undefined;
  /** Calls that may wait for a slot (default 64). */
  queue?: number | undefined;
  /** Seed used when a call gives none (default: a random seed per call). */
  seed?: number | undefined;
  /**
   * Prompt prefixes kept evaluated per model and shared across calls (prefix-cache.ts); each costs
   * one sequence's KV cells (default 2; 0 turns the cache off). A model table's prompt_cache wins.
   */
  promptCache?: number | undefined;
  /** Unload a model no call has used for this long (default: never). */
  idleTimeoutMs?: number | undefined;
  /**
   * The memory the loaded models may take together (weights plus node-llama-cpp's estimate of
   * their contexts, RAM and VRAM alike; memory-budget.ts). Loading a model beyond it first unloads
   * the least recently used models no call is using. Default: no budget.
   */
  maxMemoryBytes?: number | undefined;
  /** How models with a `source` URL are downloaded (download.ts defaults otherwise). */
  download?: { timeoutMs?: number | undefined; attempts?: number | undefined } | undefined;
  log?: ((line: string) => void) | undefined;
}

export interface ModelStats {
  running: number;
  queued: number;
  slots: number;
}

/** Largest default context per sequence when the model table gives no context_size. */
const DEFAULT_MAX_CONTEXT = 4096;

export interface CompletionRuntime {
  context: LlamaContext;
  /** The context's generating sequences, for the CPU batching strategy (batching.ts). */
  tracker: GenerationTracker;
  /** The context's KV operations (context-gate.ts). */
  gate: ContextGate;
  pool: SlotPool<LlamaContextSequence>;
  prefixCache?: PrefixCache | undefined;
  /** The native token loop generating on this context (native-loop.ts), when it runs. */
  loop?: NativeTokenLoop | undefined;
}

/** Prompt prefixes cached per model when neither the options nor the model table say. */
const DEFAULT_PROMPT_CACHE = 2;

export interface EmbeddingRuntime {
  context: LlamaEmbeddingContext;
  pool: SlotPool<LlamaEmbeddingContext>;
  contextSize: number;
}

export interface ModelState {
  resolved: ResolvedModel;
  kind: ModelKind;
  model: LlamaModel;
  completion?: Promise<CompletionRuntime> | undefined;
  embedding?: Promise<EmbeddingRuntime> | undefined;
  /** What the contexts take (node-llama-cpp's estimate), counted against the memory budget. */
  contextBytes: number;
  /** Set once the runtimes exist (for stats). */
  completionPool?: SlotPool<LlamaContextSequence>;
  tracker?: GenerationTracker;
  loop?: NativeTokenLoop | undefined;
  embeddingPool?: SlotPool<LlamaEmbeddingContext>;
  prefixCache?: PrefixCache;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export class ModelStore {
  private readonly threads: number;
  private readonly gpu: 'auto' | 'cuda' | 'vulkan' | 'cpu';
  readonly slots: number;
  private readonly queueLimit: number;
  private readonly promptCache: number;
  readonly log: (line: string) => void;
  private llamaPromise: Promise<Llama> | undefined;
  private readonly states = new Map<string, Promise<ModelState>>();
  /** The models loaded so far. */
  readonly settled = new Map<string, ModelState>();
  /** Calls waiting for a model load or context creation, per model. */
  private readonly loading = new Map<string, number>();
  private closed = false;
  /** Calls inside infer/chat/embed, per model (an idle unload waits for 0). */
  private readonly busy = new Map<string, number>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  /** When each model was last taken by a call, for the memory budget's least-recently-used choice. */
  private readonly lastUsed = new Map<string, number>();
  private useClock = 0;
  /** Model loads run one at a time when there is a memory budget, so two cannot both fit in one gap. */
  private loadQueue: Promise<unknown> = Promise.resolve();

  constructor(readonly opts: LocalLlamaEngineOptions) {
    const positiveInt = (name: string, v: number | undefined, dflt: number, min: number): number => {
      if (v === undefined) return dflt;
      if (!Number.isInteger(v) || v < min) throw new Error(`LocalLlamaEngine: ${name} must be an integer ≥ ${min}, got ${v}`);
      return v;
    };
    this.threads = positiveInt('threads', opts.threads, physicalCores(), 1);
    this.slots = positiveInt('slots', opts.slots, 4, 1);
    this.queueLimit = positiveInt('queue', opts.queue, 64, 0);
    this.promptCache = positiveInt('promptCache', opts.promptCache, DEFAULT_PROMPT_CACHE, 0);
    this.gpu = opts.gpu ?? 'auto';
    this.log = opts.log ?? ((line: string) => process.stderr.write(`[llm] ${line}\n`));
    if (opts.seed !== undefined && !Number.isInteger(opts.seed)) throw new Error(`LocalLlamaEngine: seed must be an integer, got ${opts.seed}`);
    if (opts.idleTimeoutMs !== undefined && !(opts.idleTimeoutMs > 0))
      throw new Error(`LocalLlamaEngine: idleTimeoutMs must be > 0, got ${opts.idleTimeoutMs}`);
    if (opts.maxMemoryBytes !== undefined && !(Number.isSafeInteger(opts.maxMemoryBytes) && opts.maxMemoryBytes > 0))
      throw new Error(`LocalLlamaEngine: maxMemoryBytes must be a positive integer, got ${opts.maxMemoryBytes}`);
  }

  /** Starts llama.cpp now (the GPU probe) and logs what it found; the first model load then costs the load alone. */
  async probe(): Promise<void> {
    await this.llama();
  }

  /** Load these models (and their contexts) now rather than on first use. */
  async preload(names: readonly string[]): Promise<void> {
    for (const name of names) {
      const state = await this.state(name);
      if (state.kind === 'embedding') await this.embeddingRuntime(state);
      else await this.completionRuntime(state);
      if (!this.busy.has(name)) this.armIdleTimer(name);
    }
  }

  /** The prompt cache of each loaded completion model that has one. */
  promptCacheStats(): Record<string, PrefixCacheStats> {
    const out: Record<string, PrefixCacheStats> = {};
    for (const [name, s] of this.settled) if (s.prefixCache) out[name] = s.prefixCache.stats();
    return out;
  }

  /** How each loaded completion model's batches were composed (batching.ts): for tests and profiling. */
  batchingStats(): Record<string, GenerationTracker['stats']> {
    const out: Record<string, GenerationTracker['stats']> = {};
    for (const [name, s] of this.settled) {
      // the native loop composes its own batches, always in sequence order
      if (s.loop) out[name] = { batches: s.loop.info().batches, holds: 0, gaveUp: 0, unordered: 0 };
      else if (s.tracker) out[name] = { ...s.tracker.stats };
    }
    return out;
  }

  /** Per model seen so far: calls holding a slot, calls waiting (for a slot or the load), and the slot count. */
  stats(): Record<string, ModelStats> {
    const out: Record<string, ModelStats> = {};
    const names = new Set([...this.states.keys(), ...this.loading.keys()]);
    for (const name of names) {
      const s = this.settled.get(name);
      const pools: Array<{ running: number; queued: number; size: number }> = [];
      if (s?.completionPool) pools.push(s.completionPool);
      if (s?.embeddingPool) pools.push(s.embeddingPool);
      out[name] = {
        running: pools.reduce((n, p) => n + p.running, 0),
        queued: pools.reduce((n, p) => n + p.queued, 0) + (this.loading.get(name) ?? 0),
        slots: pools.length > 0 ? pools.reduce((n, p) => n + p.size, 0) : this.slots,
      };
    }
    return out;
  }

  /**
   * Releases every model and context, and llama.cpp. `first` runs once no new call can load a
   * model and no idle timer is left (the engine closes its prompt worker there).
   */
  async close(first: () => Promise<void> = async () => undefined): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.idleTimers.values()) clearTimeout(t);
    this.idleTimers.clear();
    await first();
    const states = await Promise.all([...this.states.values()].map((p) => p.catch(() => undefined)));
    for (const s of states) {
      if (!s) continue;
      s.completionPool?.close();
      s.embeddingPool?.close();
    }
    for (const s of states) {
      if (!s) continue;
      const completion = await s.completion?.catch(() => undefined);
      const embedding = await s.embedding?.catch(() => undefined);
      completion?.loop?.close();
      await completion?.context.dispose().catch(() => undefined);
      await embedding?.context.dispose().catch(() => undefined);
      await s.model.dispose().catch(() => undefined);
    }
    this.states.clear();
    this.settled.clear();
    const llama = await this.llamaPromise?.catch(() => undefined);
    await llama?.dispose().catch(() => undefined);
  }

  /** Counts a call as using the model (no idle unload meanwhile); the last one out starts the idle timer. */
  async using<R>(name: string, call: () => Promise<R>): Promise<R> {
    const timer = this.idleTimers.get(name);
    if (timer) {
      clearTimeout(timer);
      this.idleTimers.delete(name);
    }
    this.busy.set(name, (this.busy.get(name) ?? 0) + 1);
    this.lastUsed.set(name, ++this.useClock);
    try {
      return await call();
    } finally {
      this.lastUsed.set(name, ++this.useClock);
      const n = (this.busy.get(name) ?? 1) - 1;
      if (n > 0) this.busy.set(name, n);
      else {
        this.busy.delete(name);
        this.armIdleTimer(name);
      }
    }
  }

  private armIdleTimer(name: string): void {
    const ms = this.opts.idleTimeoutMs;
    if (ms === undefined || this.closed || !this.states.has(name)) return;
    const timer = setTimeout(() => {
      this.idleTimers.delete(name);
      if (!this.busy.has(name)) void this.unload(name, `after ${ms} ms idle`);
    }, ms);
    timer.unref();
    this.idleTimers.set(name, timer);
  }

  /** Frees a model and its contexts; the next call loads it again. */
  private async unload(name: string, why: string): Promise<void> {
    const p = this.states.get(name);
    if (!p) return;
    this.states.delete(name);
    this.settled.delete(name);
    const s = await p.catch(() => undefined);
    if (!s) return;
    s.completionPool?.close();
    s.embeddingPool?.close();
    const completion = await s.completion?.catch(() => undefined);
    const embedding = await s.embedding?.catch(() => undefined);
    completion?.loop?.close();
    await completion?.context.dispose().catch(() => undefined);
    await embedding?.context.dispose().catch(() => undefined);
    await s.model.dispose().catch(() => undefined);
    this.log(`unloaded model '${name}' ${why}`);
  }

  /** Loaded models and what each takes against the memory budget (weights + context estimate). */
  memoryUse(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, s] of this.settled) out[name] = footprint(s);
    return out;
  }

  /**
   * Unloads least recently used idle models until `name` plus `extra` bytes fit the budget.
   * `extra` > 0 is a model about to load: one larger than the whole budget is refused, and one
   * that fits only once busy models are done is refused as busy (retry later).
   */
  private async makeRoom(name: string, extra: number): Promise<void> {
    const budget = this.opts.maxMemoryBytes;
    if (budget === undefined) return;
    if (extra > budget) {
      throw new LlmError('runtime-error', `model '${name}' takes about ${mib(extra)}, more than the models memory budget of ${mib(budget)}`);
    }
    for (;;) {
      const use = this.memoryUse();
      const used = Object.values(use).reduce((a, b) => a + b, 0);
      if (used + extra <= budget) return;
      const victim = pickVictim(Object.keys(use), name, (n) => this.busy.has(n) || this.loading.has(n), this.lastUsed);
      if (victim === undefined) {
        const message = `the models memory budget of ${mib(budget)} is full (${mib(used)} in use by models with calls in progress)`;
        if (extra > 0) throw new LlmError('busy', `busy: cannot load model '${name}' (about ${mib(extra)}): ${message}; retry later`);
        this.log(`model '${name}' is loaded over budget: ${message}`);
        return;
      }
      await this.unload(victim, `(least recently used) to make room for '${name}' within the models memory budget of ${mib(budget)}`);
    }
  }

  /** Runs model loads one after another when there is a budget. */
  private serialLoad<R>(load: () => Promise<R>): Promise<R> {
    if (this.opts.maxMemoryBytes === undefined) return load();
    const run = this.loadQueue.then(load, load);
    this.loadQueue = run.catch(() => undefined);
    return run;
  }

  /** Await the model (and a runtime of it), counting the caller as queued meanwhile; abortable. */
  async waitFor<R>(name: string, signal: AbortSignal | undefined, runtime: (state: ModelState) => Promise<R>): Promise<{ state: ModelState; runtime: R }> {
    this.loading.set(name, (this.loading.get(name) ?? 0) + 1);
    try {
      return await raceAbort(
        (async () => {
          const state = await this.state(name);
          return { state, runtime: await runtime(state) };
        })(),
        signal,
      );
    } finally {
      const n = (this.loading.get(name) ?? 1) - 1;
      if (n > 0) this.loading.set(name, n);
      else this.loading.delete(name);
    }
  }

  llama(): Promise<Llama> {
    this.llamaPromise ??= (async () => {
      const gpu = this.gpu === 'cpu' ? false : this.gpu;
      let llama: Llama;
      try {
        llama = await getLlama({
          gpu,
          build: 'never',
          skipDownload: true,
          maxThreads: this.threads,
          logLevel: LlamaLogLevel.warn,
          logger: (level, message) => {
            const text = message.trim();
            if (text) this.log(`llama.cpp ${level}: ${text}`);
          },
        });
      } catch (err) {
        const hint = this.gpu === 'cuda' ? ' (the prebuilt CUDA binary needs the CUDA 13 runtime and cuBLAS 13)' : '';
        throw new LlmError('runtime-error', `cannot start llama.cpp with gpu=${this.gpu}${hint}: ${(err as Error).message}`);
      }
      if (this.gpu === 'auto' && llama.gpu === false) this.log('no usable GPU found (gpu=auto); running on the CPU');
      this.log(`llama.cpp ready: ${llama.gpu === false ? 'CPU' : `${llama.gpu} on ${await describeDevices(llama)}`}, ${this.threads} threads`);
      return llama;
    })();
    this.llamaPromise.catch(() => {
      this.llamaPromise = undefined;
    });
    return this.llamaPromise;
  }

  private state(name: string): Promise<ModelState> {
    if (this.closed) return Promise.reject(new LlmError('runtime-error', 'the LLM engine is closed'));
    let p = this.states.get(name);
    if (!p) {
      p = this.serialLoad(() => this.loadModel(name));
      this.states.set(name, p);
      p.then(
        (s) => this.settled.set(name, s),
        () => this.states.delete(name), // a failed load is retried by the next call
      );
    }
    return p;
  }

  private async loadModel(name: string): Promise<ModelState> {
    const resolved = await resolveModel(name, { modelTable: this.opts.modelTable, stateDir: this.opts.stateDir });
    if (!resolved)
      throw new LlmError(
        'model-not-supported',
        `model '${name}' is not available: it is not in the model table and no GGUF file was found for it under ${this.opts.stateDir}/ai-models`,
      );
    let verified = false;
    if (resolved.downloadUrl !== undefined) {
      const d = await ensureDownloaded({
        name,
        url: resolved.downloadUrl,
        dest: resolved.path,
        sha256: resolved.sha256,
        log: this.log,
        timeoutMs: this.opts.download?.timeoutMs,
        attempts: this.opts.download?.attempts,
      });
      verified = d.downloaded; // a fresh download was hashed as it was kept
    }
    if (resolved.sha256 && !verified) await verifySha256(resolved.path, resolved.sha256);
    const llama = await this.llama();
    if (this.opts.maxMemoryBytes !== undefined) {
      const need = await estimateBeforeLoad(resolved.path, llama, {
        contextSize: resolved.contextSize,
        maxContext: DEFAULT_MAX_CONTEXT,
        sequences: this.slots + (resolved.promptCache ?? this.promptCache),
        gpuLayers: llama.gpu === false ? 0 : (resolved.gpuLayers ?? 'max'),
        embedding: resolved.kind === 'embedding',
      });
      await this.makeRoom(name, need);
    }
    const rssBefore = process.memoryUsage.rss();
    const started = performance.now();
    const progress = loadProgress(`${name} (${resolved.path})`, this.log);
    let model: LlamaModel;
    try {
      model = await llama.loadModel({
        modelPath: resolved.path,
        gpuLayers: llama.gpu === false ? 0 : (resolved.gpuLayers ?? 'max'),
        onLoadProgress: (p) => progress.update(p),
      });
    } catch (err) {
      throw new LlmError('runtime-error', `cannot load model '${name}' from ${resolved.path}: ${(err as Error).message}`);
    } finally {
      progress.done();
    }
    const kind = resolved.kind ?? kindOfArchitecture(model.fileInfo.metadata?.general?.architecture);
    this.log(
      `loaded model '${name}' (${kind}) from ${resolved.path} in ${(performance.now() - started).toFixed(0)} ms; ` +
        `weights ${mib(model.size)}, RSS ${rssBefore < process.memoryUsage.rss() ? '+' : ''}${mib(process.memoryUsage.rss() - rssBefore)}` +
        (llama.gpu === false ? '' : `, ${model.gpuLayers} layers on ${llama.gpu}`),
    );
    return { resolved, kind, model, contextBytes: 0 };
  }

  /** Counts a new context against the budget, and unloads idle models if it no longer fits. */
  private async accountContext(state: ModelState, options: ContextEstimate): Promise<void> {
    state.contextBytes += await contextEstimate(state.model, options);
    if (this.settled.get(state.resolved.name) === state) await this.makeRoom(state.resolved.name, 0);
  }

  private contextSizeFor(state: ModelState): number | { max: number } {
    if (state.resolved.contextSize !== undefined) return state.resolved.contextSize;
    return { max: Math.min(state.model.trainContextSize || DEFAULT_MAX_CONTEXT, DEFAULT_MAX_CONTEXT) };
  }

  completionRuntime(state: ModelState): Promise<CompletionRuntime> {
    state.completion ??= (async () => {
      const started = performance.now();
      const rssBefore = process.memoryUsage.rss();
      let context: LlamaContext;
      const cacheSize = state.resolved.promptCache ?? this.promptCache;
      const tracker = new GenerationTracker();
      const llama = await this.llama();
      try {
        context = await state.model.createContext({
          sequences: this.slots + cacheSize,
          contextSize: this.contextSizeFor(state),
          threads: this.threads,
          batching: { itemPrioritizationStrategy: llama.gpu === false ? waitForGenerating(tracker) : 'maximumParallelism' },
        });
      } catch (err) {
        throw new LlmError('runtime-error', `cannot create a context for model '${state.resolved.name}': ${(err as Error).message}`);
      }
      tracker.attach(context);
      state.tracker = tracker;
      await this.accountContext(state, { contextSize: context.contextSize, sequences: this.slots + cacheSize, batchSize: context.batchSize });
      const sequences = Array.from({ length: this.slots }, () => context.getSequence());
      const loop = this.tokenLoop(state.resolved.name, context, sequences[0]!, llama.gpu !== false);
      const gate = loop ? new NativeContextGate(loop) : new ContextGate();
      state.loop = loop;
      const pool = new SlotPool(sequences, this.queueLimit, `model '${state.resolved.name}'`);
      state.completionPool = pool;
      const cacheSequences = Array.from({ length: cacheSize }, () => context.getSequence());
      let prefixCache: PrefixCache | undefined;
      if (cacheSize > 0 && canCachePrefixes(sequences[0]!)) prefixCache = state.prefixCache = new PrefixCache(cacheSequences, gate);
      else if (cacheSize > 0) this.log(`no prompt cache for '${state.resolved.name}': its sequences cannot be cut to a shared prefix`);
      this.log(
        `context for '${state.resolved.name}': ${this.slots} slots${prefixCache ? ` + ${cacheSize} cached prompts` : ''} × ${context.contextSize} tokens, ` +
          `${(performance.now() - started).toFixed(0)} ms, RSS +${mib(Math.max(0, process.memoryUsage.rss() - rssBefore))}` +
          (loop ? ', native token loop' : ''),
      );
      return { context, tracker, gate, pool, prefixCache, loop };
    })();
    state.completion.catch(() => {
      state.completion = undefined;
    });
    return state.completion;
  }

  /** The native token loop for a new context, unless SPIN_TS_TOKEN_LOOP=js, where it can run there (else logged). */
  private tokenLoop(name: string, context: LlamaContext, sequence: LlamaContextSequence, gpu: boolean): NativeTokenLoop | undefined {
    if (tokenLoopChoice() !== 'native') return undefined;
    const addon = loadTokenLoopAddon(this.log);
    if (!addon) return undefined;
    try {
      if (!canSyncRecord(sequence)) throw new Error("its sequences need checkpoints, or node-llama-cpp's sequence record changed shape");
      return new NativeTokenLoop(addon, context, { packPrompts: gpu });
    } catch (err) {
      this.log(`token loop: the native loop cannot run on '${name}', using the JS loop: ${(err as Error).message}`);
      return undefined;
    }
  }

  embeddingRuntime(state: ModelState): Promise<EmbeddingRuntime> {
    state.embedding ??= (async () => {
      let context: LlamaEmbeddingContext;
      const size = this.contextSizeFor(state);
      const contextSize = typeof size === 'number' ? size : size.max;
      try {
        context = await state.model.createEmbeddingContext({ contextSize, threads: this.threads });
      } catch (err) {
        throw new LlmError('runtime-error', `cannot create an embedding context for model '${state.resolved.name}': ${(err as Error).message}`);
      }
      await this.accountContext(state, { contextSize, sequences: 1, embedding: true });
      const pool = new SlotPool([context], this.queueLimit, `model '${state.resolved.name}' (embeddings)`);
      state.embeddingPool = pool;
      this.log(`embedding context for '${state.resolved.name}': ${contextSize} tokens, ${state.model.embeddingVectorSize} dimensions`);
      return { context, pool, contextSize };
    })();
    state.embedding.catch(() => {
      state.embedding = undefined;
    });
    return state.embedding;
  }
}

/** The GPU devices llama.cpp sees and their free memory, for the start log. */
async function describeDevices(llama: Llama): Promise<string> {
  try {
    const [names, vram] = await Promise.all([llama.getGpuDeviceNames(), llama.getVramState()]);
    const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;
    return `${names.length > 0 ? names.join(', ') : 'an unnamed device'} (${gib(vram.free)} of ${gib(vram.total)} free)`;
  } catch (err) {
    return `a device that cannot be described (${(err as Error).message})`;
  }
}
