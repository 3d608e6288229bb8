/**
 * `spin-ts models serve` as a library: the OpenAI-compatible API and Spin's remote protocol with
 * no app, like llama-server. The models are the runtime config's model table and the GGUF files
 * under the state dir (docs/spec.md §2) — or, with `[llm_compute] type = "remote_http"`, the remote's
 * (spin-ts then acts as a gateway). Models are loaded on first use, as `up` does; with `preload`
 * they are loaded at start and /health answers 503 until they are. llama.cpp itself (the GPU
 * probe) starts with the engine, at start.
 */
import { resolve } from 'node:path';
import { loadRuntimeConfig } from '../app/runtime-config.js';
import type { EngineOptions } from '../llm/create.js';
import { LLM_DEFAULTS, llmRuntimeConfig, type LlmRuntimeConfig } from '../llm/runtime-config.js';
import { llmServing } from '../llm-serving.js';
import type { InstrumentedEngine } from '../observability/engine-metrics.js';
import { openAiRuntimeConfig, type OpenAiRuntimeConfig } from './config.js';
import { parseListenAddress } from '../listen-address.js';
import type { OpenAiServer } from './server.js';

export interface ServeModelsOptions {
  /** host:port (port 0 picks a free one). */
  listen: string;
  runtimeConfigFile?: string | undefined;
  /** Default: the runtime config's state_dir, else ./.spin. */
  stateDir?: string | undefined;
  /** --api-key values; the runtime config's [openai] api_keys and SPIN_TS_API_KEYS are added. */
  apiKeys?: string[] | undefined;
  /** --cors-origin values: browser origins allowed to call the API (`*`: any). */
  corsOrigins?: string[] | undefined;
  llm?: Omit<EngineOptions, 'config' | 'stateDir' | 'log'> | undefined;
  /** Load every model at start (default false: on first use). */
  preload?: boolean | undefined;
  processEnv?: NodeJS.ProcessEnv | undefined;
  log?: ((line: string) => void) | undefined;
}

export interface ServingModels {
  server: OpenAiServer;
  engine: InstrumentedEngine;
  stateDir: string;
  /** Settles when the preload is over (failures are logged, not thrown). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export async function serveModels(opts: ServeModelsOptions): Promise<ServingModels> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const addr = parseListenAddress('--listen', opts.listen);
  const runtimeConfig = await loadRuntimeConfig(opts.runtimeConfigFile, [llmRuntimeConfig, openAiRuntimeConfig]);
  const llm = (runtimeConfig.sections[llmRuntimeConfig.name] as LlmRuntimeConfig | undefined) ?? LLM_DEFAULTS;
  const stateDir = resolve(opts.stateDir ?? runtimeConfig.stateDir ?? '.spin');
  const serving = llmServing({
    llm,
    openai: runtimeConfig.sections[openAiRuntimeConfig.name] as OpenAiRuntimeConfig,
    runtimeConfigPath: runtimeConfig.path,
    stateDir,
    engine: opts.llm,
    api: true,
    apiKeys: opts.apiKeys,
    corsOrigins: opts.corsOrigins,
    env: opts.processEnv ?? process.env,
    log,
  });
  // models serve is an API server: the engine (not the models) is made at start.
  const engine = (await serving.engine()) as InstrumentedEngine;

  let server: OpenAiServer;
  try {
    server = await serving.startApi(addr);
  } catch (err) {
    await serving.close();
    throw err;
  }

  const ready = server.health.track(
    (async () => {
      if (llm.llmCompute.type === 'remote_http') return;
      // the GPU probe, begun with the engine (host/llm/create.ts): /health is 503 until it is over
      await (engine.inner as { probe?: () => Promise<void> }).probe?.().catch(() => undefined);
      if (opts.preload !== true) return;
      let names: string[];
      try {
        names = (await engine.listModels()).map((m) => m.id);
      } catch (err) {
        log(`cannot list the models: ${(err as Error).message}`);
        return;
      }
      if (names.length === 0) log(`no models found: add [llm_models.<name>] entries to the runtime config, or GGUF files under ${stateDir}/ai-models`);
      for (const name of names) {
        try {
          await engine.preload([name]);
        } catch (err) {
          log(`model '${name}' failed to load: ${(err as Error).message}`);
        }
      }
    })(),
  );

  return {
    server,
    engine,
    stateDir,
    ready,
    async close() {
      await server.close();
      await serving.close();
    },
  };
}
