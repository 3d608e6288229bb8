/**
 * An LlmEngine wrapper that records every call into ServingMetrics: prompt and generated tokens,
 * time to first token, tokens/s, outcomes. It forwards the local engine's extras (preload, stats)
 * so callers holding the wrapper lose nothing.
 */
import {
  LlmError,
  type ChatMessage,
  type ChatParams,
  type EmbedResult,
  type InferOptions,
  type InferParams,
  type InferResult,
  type LlmEngine,
  type ModelInfo,
} from '../llm/engine.js';
import type { ModelLoad, ServingMetrics } from './metrics.js';

interface EngineExtras {
  preload?(names: readonly string[]): Promise<void>;
  stats?(): Record<string, ModelLoad>;
}

function outcomeOf(err: unknown, signal: AbortSignal | undefined): string {
  if (signal?.aborted) return 'cancelled';
  if (err instanceof LlmError && err.kind === 'busy') return 'busy';
  return 'error';
}

export class InstrumentedEngine implements LlmEngine {
  readonly chat?: (model: string, messages: ChatMessage[], params: ChatParams, options?: InferOptions) => Promise<InferResult>;
  /** Passed through untimed (no generation). */
  readonly tokenize?: LlmEngine['tokenize'];
  readonly detokenize?: LlmEngine['detokenize'];
  readonly toolCalling?: boolean;
  readonly tokenLogprobs?: boolean;

  constructor(
    readonly inner: LlmEngine & EngineExtras,
    private readonly metrics: ServingMetrics,
  ) {
    if (inner.stats) metrics.setLoadSource(() => inner.stats?.());
    if (inner.toolCalling) this.toolCalling = true;
    if (inner.tokenLogprobs) this.tokenLogprobs = true;
    if (inner.tokenize) this.tokenize = inner.tokenize.bind(inner);
    if (inner.detokenize) this.detokenize = inner.detokenize.bind(inner);
    if (inner.chat) {
      const chat = inner.chat.bind(inner);
      this.chat = (model, messages, params, options = {}) => this.timed(model, 'chat', options, (o) => chat(model, messages, params, o));
    }
  }

  preload(names: readonly string[]): Promise<void> {
    return this.inner.preload ? this.inner.preload(names) : Promise.resolve();
  }

  stats(): Record<string, ModelLoad> {
    return this.inner.stats?.() ?? this.metrics.modelLoad();
  }

  infer(model: string, prompt: string, params: InferParams, options: InferOptions = {}): Promise<InferResult> {
    return this.timed(model, 'infer', options, (o) => this.inner.infer(model, prompt, params, o));
  }

  async embed(model: string, inputs: string[], options: { signal?: AbortSignal } = {}): Promise<EmbedResult> {
    this.metrics.callStarted(model);
    try {
      const r = await this.inner.embed(model, inputs, options);
      this.metrics.promptTokens.inc({ model }, r.promptTokens);
      this.metrics.llmCalls.inc({ model, kind: 'embed', outcome: 'ok' });
      return r;
    } catch (err) {
      this.metrics.llmCalls.inc({ model, kind: 'embed', outcome: outcomeOf(err, options.signal) });
      throw err;
    } finally {
      this.metrics.callEnded(model);
    }
  }

  listModels(): Promise<ModelInfo[]> {
    return this.inner.listModels();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async timed(model: string, kind: string, options: InferOptions, run: (o: InferOptions) => Promise<InferResult>): Promise<InferResult> {
    const started = performance.now();
    let firstAt: number | undefined;
    const onText = (chunk: string): unknown => {
      firstAt ??= performance.now();
      return options.onText?.(chunk);
    };
    this.metrics.callStarted(model);
    try {
      const r = await run({ ...options, onText });
      const ended = performance.now();
      this.metrics.promptTokens.inc({ model }, r.promptTokens);
      this.metrics.generatedTokens.inc({ model }, r.generatedTokens);
      if (firstAt !== undefined) {
        this.metrics.timeToFirstToken.observe({ model }, (firstAt - started) / 1000);
        // the first token's time is in TTFT; the rate is over the tokens after it
        if (r.generatedTokens > 1 && ended > firstAt) this.metrics.tokensPerSecond.observe({ model }, (r.generatedTokens - 1) / ((ended - firstAt) / 1000));
      }
      this.metrics.llmCalls.inc({ model, kind, outcome: 'ok' });
      return r;
    } catch (err) {
      this.metrics.llmCalls.inc({ model, kind, outcome: outcomeOf(err, options.signal) });
      throw err;
    } finally {
      this.metrics.callEnded(model);
    }
  }
}

export function instrumentEngine(engine: LlmEngine, metrics: ServingMetrics): InstrumentedEngine {
  return engine instanceof InstrumentedEngine ? engine : new InstrumentedEngine(engine, metrics);
}
