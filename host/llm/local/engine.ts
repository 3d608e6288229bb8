/**
 * The local LLM engine: GGUF models run in-process through node-llama-cpp (llama.cpp).
 *
 * - Each model is loaded once per engine, lazily on first use (or by preload); concurrent
 *   first calls share one load.
 * - Completion: ONE context per model with `slots` sequences. Each call takes a free sequence;
 *   node-llama-cpp decodes the pending tokens of all busy sequences in one batch per cycle
 *   (continuous batching). Calls beyond the slots wait in a FIFO queue of `queue` entries; a
 *   full queue answers LlmError('busy'). An abort signal cancels a queued call at once, and a
 *   running one at once too: the call rejects immediately and its slot counts as free; the
 *   next holder of that sequence first waits for the in-flight decode step (one token) to end.
 *   A cancelled call rejects with the signal's reason (an AbortError by default).
 * - Embeddings: a separate embedding context per model (one sequence, same queue rules).
 * - GPU: getLlama({ gpu }) with prebuilt binaries only (never compiles). 'auto' falls back to
 *   the CPU with a log line. With a GPU, all layers are offloaded unless the model table's
 *   gpu_layers says otherwise. node-llama-cpp's prebuilt CUDA binary needs the CUDA 13 runtime
 *   and cuBLAS 13 on the machine; without them 'auto' moves on to Vulkan, then the CPU.
 * Models, their contexts and llama.cpp live in the model store (model-store.ts); this file holds
 * the calls: infer, chat, embed, tokenize, detokenize.
 * This engine knows nothing of Spin components or allow-lists.
 */

import { TokenBias, type LlamaGrammar, type LlamaModel, type Token } from 'node-llama-cpp';
import {
  LlmError,
  type ChatEngine,
  type ChatMessage,
  type ChatParams,
  type EmbedResult,
  type InferOptions,
  type InferParams,
  type InferResult,
  type ModelInfo,
  type OutputConstraint,
  type TokenizeResult,
} from '../engine.js';
import { chatOnModel } from './chat.js';
import { generate, type ExtraSampling, type GenerateInput, type GenerateOutcome } from './generate.js';
import { generateNative } from './generate-native.js';
import { guessKind } from './model-kind.js';
import { ModelStore, raceAbort, type CompletionRuntime, type LocalLlamaEngineOptions, type ModelState, type ModelStats } from './model-store.js';
import { NativeContextGate } from './native-gate.js';
import { checkAgainstContext, planSampling, randomSeed, type SamplingPlan } from './params.js';
import { withModelDefaults } from '../params.js';
import { PromptWorkerClient } from './prompt-worker-client.js';
import { chatTokens, textTokens, type PromptSource } from './prompt-tokens.js';
import { discoverModels } from './registry.js';
import { abortReason } from './slots.js';
import { detokenizeTokens, tokenizeText } from './tokenize.js';
import type { GenerationTracker } from './batching.js';
import type { PrefixCacheStats, Prepared } from './prefix-cache.js';

export type { LocalLlamaEngineOptions, ModelStats } from './model-store.js';

function isAbort(err: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && (err === signal.reason || (err instanceof Error && err.name === 'AbortError'));
}

function asLlmError(err: unknown, what: string): unknown {
  if (err instanceof LlmError) return err;
  if (err instanceof Error && err.name === 'AbortError') return err;
  return new LlmError('runtime-error', `${what}: ${err instanceof Error ? err.message : String(err)}`);
}

export class LocalLlamaEngine implements ChatEngine {
  private readonly store: ModelStore;
  /** Renders and tokenizes large prompts off the main thread (prompt-tokens.ts). */
  private readonly promptWorker: PromptWorkerClient;

  constructor(private readonly opts: LocalLlamaEngineOptions) {
    this.store = new ModelStore(opts);
    this.promptWorker = new PromptWorkerClient(async () => (await this.store.llama()).gpu, this.store.log);
  }

  /** Starts llama.cpp now (the GPU probe) and logs what it found; the first model load then costs the load alone. */
  probe(): Promise<void> {
    return this.store.probe();
  }

  /** Load these models (and their contexts) now rather than on first use. */
  preload(names: readonly string[]): Promise<void> {
    return this.store.preload(names);
  }

  /** The prompt cache of each loaded completion model that has one. */
  promptCacheStats(): Record<string, PrefixCacheStats> {
    return this.store.promptCacheStats();
  }

  /** How each loaded completion model's batches were composed (batching.ts): for tests and profiling. */
  batchingStats(): Record<string, GenerationTracker['stats']> {
    return this.store.batchingStats();
  }

  /** Per model seen so far: calls holding a slot, calls waiting (for a slot or the load), and the slot count. */
  stats(): Record<string, ModelStats> {
    return this.store.stats();
  }

  /** Loaded models and what each takes against the memory budget (weights + context estimate). */
  memoryUse(): Record<string, number> {
    return this.store.memoryUse();
  }

  infer(modelName: string, prompt: string, params: InferParams, options: InferOptions = {}): Promise<InferResult> {
    return this.store.using(modelName, () => this.inferNow(modelName, prompt, params, options));
  }

  /** chat() honours params.tools (tool-calls.ts). */
  readonly toolCalling = true;
  /** Results carry logprobs when params.logprobs asks (logprobs.ts). */
  readonly tokenLogprobs = true;

  chat(modelName: string, messages: ChatMessage[], params: ChatParams, options: InferOptions = {}): Promise<InferResult> {
    return this.store.using(modelName, () => this.chatNow(modelName, messages, params, options));
  }

  embed(modelName: string, inputs: string[], options: { signal?: AbortSignal } = {}): Promise<EmbedResult> {
    return this.store.using(modelName, () => this.embedNow(modelName, inputs, options));
  }

  /** llama-server's /tokenize (tokenize.ts); loads the model if needed, takes no slot. */
  tokenize(modelName: string, text: string, options: { addSpecial: boolean; withPieces: boolean; signal?: AbortSignal }): Promise<TokenizeResult> {
    return this.store.using(modelName, async () => {
      const { state } = await this.store.waitFor(modelName, options.signal, async () => undefined);
      return tokenizeText(this.promptSource(state), text, options, this.promptWorker);
    });
  }

  /** llama-server's /detokenize (tokenize.ts). */
  detokenize(modelName: string, tokens: number[], options: { signal?: AbortSignal } = {}): Promise<string> {
    return this.store.using(modelName, async () =>
      detokenizeTokens((await this.store.waitFor(modelName, options.signal, async () => undefined)).state.model, tokens),
    );
  }

  private async inferNow(modelName: string, prompt: string, callParams: InferParams, options: InferOptions): Promise<InferResult> {
    const { signal } = options;
    if (signal?.aborted) throw abortReason(signal);
    if (typeof prompt !== 'string') throw new LlmError('invalid-input', 'prompt must be a string');
    // model-independent checks first: a bad call never triggers a model load
    planSampling(callParams, () => 0);
    const { state, runtime } = await this.store.waitFor(modelName, signal, async (state) => {
      if (state.kind === 'embedding') {
        throw new LlmError('invalid-input', `model '${modelName}' is an embedding model; it cannot generate text`);
      }
      return this.store.completionRuntime(state);
    });
    const params = withModelDefaults(callParams, state.resolved.defaults);
    const plan = planSampling(params, () => this.opts.seed ?? randomSeed());
    // the native loop holds its next batch briefly for this call, so that calls arriving together start together
    const started = runtime.loop?.expect();
    try {
      const promptTokens = await textTokens(this.promptSource(state), prompt, this.promptWorker, signal);
      return await this.generateFrom(modelName, state.model, runtime, promptTokens, params, plan, options, started);
    } finally {
      started?.();
    }
  }

  /** A chat completion through the model's chat template (chat.ts), its prompt tokenized once. */
  private async chatNow(modelName: string, chatMessages: ChatMessage[], params: ChatParams, options: InferOptions): Promise<InferResult> {
    const { signal } = options;
    const { state, runtime } = await this.store.waitFor(modelName, signal, async (s) => (s.kind === 'embedding' ? undefined : this.store.completionRuntime(s)));
    if (!runtime) throw new LlmError('invalid-input', `model '${modelName}' is an embedding model; it cannot generate text`);
    const systemPrompt = state.resolved.systemPrompt;
    // the model table's system_prompt stands in for a system message the chat does not have
    const messages =
      systemPrompt !== undefined && !chatMessages.some((m) => m.role === 'system')
        ? [{ role: 'system' as const, content: systemPrompt }, ...chatMessages]
        : chatMessages;
    const started = runtime.loop?.expect();
    try {
      return await this.chatOn(modelName, state, runtime, messages, params, options, started);
    } finally {
      started?.();
    }
  }

  private chatOn(
    modelName: string,
    state: ModelState,
    runtime: CompletionRuntime,
    messages: ChatMessage[],
    params: ChatParams,
    options: InferOptions,
    started: (() => void) | undefined,
  ): Promise<InferResult> {
    const { signal } = options;
    return chatOnModel(
      { model: state.model, chatTemplate: state.resolved.chatTemplate, contextSize: runtime.context.contextSize },
      withModelDefaults(params, state.resolved.defaults),
      (functions) => chatTokens(this.promptSource(state), messages, this.promptWorker, signal, functions),
      (tokens, p, o = options) =>
        this.generateFrom(
          modelName,
          state.model,
          runtime,
          tokens,
          p,
          planSampling(p, () => this.opts.seed ?? randomSeed()),
          o,
          started,
        ),
      options,
    );
  }

  /** Generation from prompt tokens (BOS included) on a slot of the model's context. */
  private async generateFrom(
    modelName: string,
    model: LlamaModel,
    runtime: CompletionRuntime,
    promptTokens: Token[],
    params: InferParams,
    plan: SamplingPlan,
    options: InferOptions,
    started?: () => void,
  ): Promise<InferResult> {
    const { signal, onText } = options;
    if (signal?.aborted) throw abortReason(signal);
    if (promptTokens.length === 0) throw new LlmError('invalid-input', 'the prompt is empty');
    checkAgainstContext(plan, promptTokens.length, runtime.context.contextSize);

    const extra = await this.extraSampling(model, params);

    const lease = await runtime.pool.acquire(signal);
    let released = false;
    // a prefix copy still running when the call is aborted: the next holder waits for it too
    let preparing: Promise<unknown> = Promise.resolve();
    let prepared: Prepared | undefined;
    try {
      // the previous holder may still be copying this slot's prompt into a cache entry: that copy
      // waits for the context lock, which generating sequences keep; closing the gate lets it in
      lease.hurry();
      await raceAbort(lease.ready, signal);
      const prepare = runtime.prefixCache?.prepare(lease.resource, promptTokens) ?? Promise.resolve({ cached: 0, done: () => undefined });
      preparing = prepare.then((p) => (prepared = p)).catch(() => undefined);
      prepared = await raceAbort(prepare, signal);
      const publish = prepared.publish;
      let published: Promise<void> = Promise.resolve();
      const outcome = await generateOn(runtime, {
        sequence: lease.resource,
        promptTokens,
        plan,
        extra,
        cachedPrefix: prepared.cached > 0,
        tracker: runtime.tracker,
        gate: runtime.gate,
        ...(started ? { started } : {}),
        ...(publish ? { onPromptEvaluated: () => void (published = publish()) } : {}),
        ...(signal ? { signal } : {}),
        ...(onText ? { onText } : {}),
      });
      // the slot's next holder waits for the copy into the cache entry too, and hurries it
      lease.release(
        Promise.all([outcome.settled, published]).then(() => undefined),
        prepared.hurry,
      );
      released = true;
      if (outcome.result) return outcome.result;
      if (outcome.callbackError || isAbort(outcome.error, signal)) throw outcome.error;
      throw asLlmError(outcome.error, `inference on '${modelName}' failed`);
    } finally {
      // an abort while waiting for the previous holder: its wind-down is still the next holder's wait
      if (!released)
        lease.release(
          Promise.all([lease.ready, preparing]).then(() => undefined),
          lease.hurry,
        );
      // a reserved cache entry this call never filled goes back (after an abort, once prepare is over)
      void preparing.then(() => prepared?.done());
    }
  }

  private promptSource(state: ModelState): PromptSource {
    return { model: state.model, modelPath: state.resolved.path, chatTemplate: state.resolved.chatTemplate };
  }

  private async embedNow(modelName: string, inputs: string[], options: { signal?: AbortSignal }): Promise<EmbedResult> {
    const { signal } = options;
    if (signal?.aborted) throw abortReason(signal);
    if (!Array.isArray(inputs) || inputs.some((s) => typeof s !== 'string')) {
      throw new LlmError('invalid-input', 'the input must be a list of strings');
    }
    const { runtime } = await this.store.waitFor(modelName, signal, (state) => this.store.embeddingRuntime(state));
    if (inputs.length === 0) return { embeddings: [], promptTokens: 0 };
    const ctx = runtime.context;
    const lengths = inputs.map((text, i) => {
      if (text.trim().length === 0) throw new LlmError('invalid-input', `input ${i} is empty`);
      const n = ctx.calculateInputLength(text);
      if (n >= runtime.contextSize) {
        throw new LlmError('invalid-input', `input ${i} is ${n} tokens; the embedding context holds ${runtime.contextSize - 1}`);
      }
      return n;
    });
    const lease = await runtime.pool.acquire(signal);
    try {
      const embeddings: number[][] = [];
      for (const text of inputs) {
        if (signal?.aborted) throw abortReason(signal);
        const { vector } = await ctx.getEmbeddingFor(text).catch((err: unknown) => {
          throw asLlmError(err, `embedding with '${modelName}' failed`);
        });
        embeddings.push(l2Normalize(vector));
      }
      return { embeddings, promptTokens: lengths.reduce((a, b) => a + b, 0) };
    } finally {
      lease.release();
    }
  }

  async listModels(): Promise<ModelInfo[]> {
    const found = await discoverModels({ modelTable: this.opts.modelTable, stateDir: this.opts.stateDir });
    return Promise.all(
      found.map(async (r) => ({
        id: r.name,
        kind: r.kind ?? this.store.settled.get(r.name)?.kind ?? (await guessKind(r.path)),
        source: r.source,
        loaded: this.store.settled.has(r.name),
      })),
    );
  }

  async close(): Promise<void> {
    await this.store.close(() => this.promptWorker.close());
  }

  /** min-p, logit bias and the grammar of a call, checked against the model (LlmError 'invalid-input' naming the field). */
  private async extraSampling(model: LlamaModel, params: InferParams): Promise<ExtraSampling> {
    const extra: ExtraSampling = {};
    if (params.minP !== undefined) {
      if (!(params.minP >= 0 && params.minP <= 1)) throw new LlmError('invalid-input', `min-p must be within [0, 1], got ${params.minP}`);
      extra.minP = params.minP;
    }
    const bias = Object.entries(params.logitBias ?? {});
    if (bias.length > 0) {
      const tokenBias = new TokenBias(model.tokenizer);
      const vocab: number | undefined = model.fileInfo.metadata?.tokenizer?.ggml?.tokens?.length;
      for (const [key, value] of bias) {
        const token = Number(key);
        if (!Number.isInteger(token) || token < 0 || (vocab !== undefined && token >= vocab)) {
          throw new LlmError('invalid-input', `'logit_bias': ${key} is not a token id of this model${vocab === undefined ? '' : ` (0–${vocab - 1})`}`);
        }
        tokenBias.set(token as Token, value <= -100 ? 'never' : { logit: value });
      }
      extra.tokenBias = tokenBias;
    }
    if (params.constraint) extra.grammar = await this.grammar(params.constraint);
    if (params.logprobs !== undefined) extra.logprobs = params.logprobs;
    return extra;
  }

  /** The grammar of a constraint; one that cannot be compiled is the caller's error. */
  private async grammar(c: OutputConstraint): Promise<LlamaGrammar> {
    const llama = await this.store.llama();
    try {
      if (c.type === 'json') return await llama.getGrammarFor('json');
      if (c.type === 'json_schema') return await llama.createGrammarForJsonSchema(c.schema as never);
      return await llama.createGrammar({ grammar: c.grammar });
    } catch (err) {
      throw new LlmError('invalid-input', `'${c.param}': cannot be turned into a grammar: ${(err as Error).message}`);
    }
  }
}

/**
 * One generation on the runtime's loop: the native loop when it runs there, except for a call
 * that wants logprobs, which takes the JS loop with the native loop parked meanwhile.
 */
async function generateOn(runtime: CompletionRuntime, input: GenerateInput): Promise<GenerateOutcome> {
  const gate = runtime.gate;
  if (!(gate instanceof NativeContextGate)) return generate(input);
  if (input.extra?.logprobs === undefined) return generateNative({ ...input, gate });
  input.started?.();
  return gate.maintain(async () => {
    const outcome = await generate(input);
    await outcome.settled;
    return outcome;
  });
}

function l2Normalize(vector: readonly number[]): number[] {
  let sum = 0;
  for (const v of vector) sum += v * v;
  if (!Number.isFinite(sum)) throw new LlmError('runtime-error', 'the model produced a non-finite embedding');
  const norm = Math.sqrt(sum);
  return norm > 0 ? vector.map((v) => v / norm) : [...vector];
}
