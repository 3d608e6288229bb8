/**
 * Prometheus metrics for serving models (prom-client), one registry per server so that several
 * servers in one process (tests) keep separate counts. The OpenAI-compatible listener records
 * HTTP requests; the instrumented engine (engine-metrics.ts) records every LLM call, whoever
 * makes it (OpenAI clients, Spin's remote protocol, components).
 *
 * Names follow llama-server's set (prompt tokens, generated tokens, tokens/s, requests processing
 * and deferred) under a `spin_ts_` prefix.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ModelLoad {
  running: number;
  queued: number;
  slots: number;
}

export class ServingMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly httpDuration: Histogram<'route'>;
  readonly httpInFlight: Gauge<'route'>;
  readonly llmCalls: Counter<'model' | 'kind' | 'outcome'>;
  readonly promptTokens: Counter<'model'>;
  readonly generatedTokens: Counter<'model'>;
  readonly tokensPerSecond: Histogram<'model'>;
  readonly timeToFirstToken: Histogram<'model'>;
  private readonly inFlightCalls = new Map<string, number>();
  private loadSource: (() => Record<string, ModelLoad> | undefined) | undefined;

  constructor() {
    const registers = [this.registry];
    this.httpRequests = new Counter({
      name: 'spin_ts_http_requests_total',
      help: 'HTTP requests served, by route and status',
      labelNames: ['route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'spin_ts_http_request_duration_seconds',
      help: 'Time to the end of the response (the whole stream for streamed answers), by route',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.httpInFlight = new Gauge({
      name: 'spin_ts_http_requests_in_flight',
      help: 'HTTP requests being answered, by route',
      labelNames: ['route'],
      registers,
    });
    this.llmCalls = new Counter({
      name: 'spin_ts_llm_requests_total',
      help: 'LLM calls by model, kind (infer, chat, embed) and outcome (ok, error, busy, cancelled)',
      labelNames: ['model', 'kind', 'outcome'],
      registers,
    });
    this.promptTokens = new Counter({
      name: 'spin_ts_llm_prompt_tokens_total',
      help: 'Prompt tokens processed (inference and embeddings)',
      labelNames: ['model'],
      registers,
    });
    this.generatedTokens = new Counter({ name: 'spin_ts_llm_generated_tokens_total', help: 'Tokens generated', labelNames: ['model'], registers });
    this.tokensPerSecond = new Histogram({
      name: 'spin_ts_llm_tokens_per_second',
      help: 'Generation speed of each completed call: generated tokens ÷ time from the first to the last token',
      labelNames: ['model'],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
      registers,
    });
    this.timeToFirstToken = new Histogram({
      name: 'spin_ts_llm_time_to_first_token_seconds',
      help: 'Time from the call to its first generated text (queueing and prompt processing included)',
      labelNames: ['model'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    const self = this;
    const loadGauge = (name: string, help: string, pick: (l: ModelLoad) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['model'],
        registers,
        collect(this: Gauge<'model'>) {
          this.reset();
          for (const [model, l] of Object.entries(self.modelLoad())) this.set({ model }, pick(l));
        },
      });
    };
    loadGauge('spin_ts_llm_requests_running', 'LLM calls holding a slot, by model', (l) => l.running);
    loadGauge('spin_ts_llm_requests_queued', 'LLM calls waiting for a slot or for the model to load, by model', (l) => l.queued);
    loadGauge('spin_ts_llm_slots', 'Slots (sequences decoded together), by model', (l) => l.slots);
  }

  /** Where running/queued counts come from (the local engine's stats()); without one, calls in flight count as running. */
  setLoadSource(source: () => Record<string, ModelLoad> | undefined): void {
    this.loadSource = source;
  }

  callStarted(model: string): void {
    this.inFlightCalls.set(model, (this.inFlightCalls.get(model) ?? 0) + 1);
  }

  callEnded(model: string): void {
    this.inFlightCalls.set(model, Math.max(0, (this.inFlightCalls.get(model) ?? 1) - 1));
  }

  modelLoad(): Record<string, ModelLoad> {
    const fromSource = this.loadSource?.();
    if (fromSource) return fromSource;
    const out: Record<string, ModelLoad> = {};
    for (const [model, n] of this.inFlightCalls) out[model] = { running: n, queued: 0, slots: 0 };
    return out;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
