/**
 * The one LLM serving set-up, shared by `spin-ts up` and `spin-ts models serve`: the engine
 * the runtime config asks for (made on first use), its metrics, the API keys, and the
 * OpenAI-compatible listener on that same engine.
 */
import { createEngine, type EngineOptions } from './llm/create.js';
import type { LlmEngine } from './llm/engine.js';
import type { LlmRuntimeConfig } from './llm/runtime-config.js';
import { instrumentEngine, type InstrumentedEngine } from './observability/engine-metrics.js';
import { ServingMetrics } from './observability/metrics.js';
import { collectApiKeys } from './openai/auth.js';
import { parseCorsOrigins } from './openai/cors.js';
import { checkChatTemplates, checkChatTemplatesRender } from './openai/chat-template.js';
import { completionTemplates, type CompletionTemplate } from './openai/completion-template.js';
import type { OpenAiRuntimeConfig } from './openai/config.js';
import type { ServerFacts } from './openai/llama-props.js';
import type { OllamaPull } from './openai/ollama/routes.js';
import { startOpenAiServer, type OpenAiServer } from './openai/server.js';

export interface LlmServingOptions {
  llm: LlmRuntimeConfig;
  openai: OpenAiRuntimeConfig;
  /** The runtime config file, for messages. */
  runtimeConfigPath: string | undefined;
  stateDir: string;
  engine?: Omit<EngineOptions, 'config' | 'stateDir' | 'log'> | undefined;
  /** Serve the OpenAI-compatible API (then every LLM call is recorded for /metrics). */
  api: boolean;
  /** --api-key values; the runtime config's [openai] api_keys and SPIN_TS_API_KEYS are added. */
  apiKeys?: readonly string[] | undefined;
  /** --cors-origin values: browser origins allowed to call the API. */
  corsOrigins?: readonly string[] | undefined;
  /** -n/--n-predict: the cap on tokens a request may generate, for every model (the model table's max_tokens wins). */
  nPredict?: number | undefined;
  /** --api-prefix: the path the API is served under. */
  apiPrefix?: string | undefined;
  /** What llama-server's /props and /slots report. */
  facts?: ServerFacts | undefined;
  /** Ollama's /api/pull. */
  pull?: OllamaPull | undefined;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

export interface LlmServing {
  /** The engine, made on first call. */
  engine(): Promise<LlmEngine>;
  /** Whether something has asked for the engine. */
  started(): boolean;
  /** Starts the OpenAI-compatible API on this engine (options.api must be true). */
  startApi(addr: { host: string; port: number }): Promise<OpenAiServer>;
  close(): Promise<void>;
}

export function llmServing(opts: LlmServingOptions): LlmServing {
  const metrics = opts.api ? new ServingMetrics() : undefined;
  let apiKeys: string[] = [];
  let corsOrigins: string[] = [];
  let completionTemplateMap = new Map<string, CompletionTemplate>();
  if (opts.api) {
    corsOrigins = parseCorsOrigins(opts.corsOrigins ?? []);
    // A template that cannot render stops the start, before anything listens.
    checkChatTemplates(opts.llm.llmModels, opts.runtimeConfigPath);
    completionTemplateMap = completionTemplates(opts.llm.llmModels, opts.runtimeConfigPath);
    apiKeys = collectApiKeys({ config: opts.openai.apiKeys, flags: opts.apiKeys, env: opts.env.SPIN_TS_API_KEYS });
  }
  let enginePromise: Promise<LlmEngine | InstrumentedEngine> | undefined;
  const engine = () =>
    (enginePromise ??= createEngine({ ...opts.engine, config: opts.llm, stateDir: opts.stateDir, log: opts.log }).then((e) =>
      metrics ? instrumentEngine(e, metrics) : e,
    ));
  return {
    engine,
    started: () => enginePromise !== undefined,
    async startApi(addr) {
      if (!metrics) throw new Error('llmServing: the API was not asked for');
      await checkChatTemplatesRender(opts.llm.llmModels, opts.runtimeConfigPath);
      const byModel = new Map<string, number>();
      for (const [name, entry] of Object.entries(opts.llm.llmModels)) if (entry.maxTokens !== undefined) byModel.set(name, entry.maxTokens);
      return startOpenAiServer({
        ...addr,
        engine,
        apiKeys,
        corsOrigins,
        completionTemplates: completionTemplateMap,
        metrics,
        tokenCaps: { all: opts.nPredict, byModel },
        ...(opts.apiPrefix !== undefined ? { apiPrefix: opts.apiPrefix } : {}),
        ...(opts.facts ? { facts: opts.facts } : {}),
        ...(opts.pull ? { pull: opts.pull } : {}),
        log: opts.log,
      });
    },
    async close() {
      if (enginePromise) await (await enginePromise).close();
    },
  };
}
