/**
 * `spin-ts models serve` as a library: the OpenAI-compatible API and Spin's remote protocol with
 * no app, like llama-server. The models are the runtime config's model table and the GGUF files
 * under the state dir (docs/spec.md §2) — or, with `[llm_compute] type = "remote_http"`, the remote's
 * (spin-ts then acts as a gateway). Models are loaded at start unless `preload` is false;
 * /health answers 503 until they are.
 */
import { resolve } from 'node:path';
import { loadRuntimeConfig } from '../app/runtime-config.js';
import { createEngine, type EngineOptions } from '../llm/create.js';
import type { LlmEngine } from '../llm/engine.js';
import { instrumentEngine, type InstrumentedEngine } from '../observability/engine-metrics.js';
import { ServingMetrics } from '../observability/metrics.js';
import { collectApiKeys } from './auth.js';
import { checkChatTemplates } from './chat-template.js';
import { parseListenAddress } from '../listen-address.js';
import { startOpenAiServer, type OpenAiServer } from './server.js';

export interface ServeModelsOptions {
  /** host:port (port 0 picks a free one). */
  listen: string;
  runtimeConfigFile?: string | undefined;
  /** Default: the runtime config's state_dir, else ./.spin. */
  stateDir?: string | undefined;
  /** --api-key values; the runtime config's [openai] api_keys and SPIN_TS_API_KEYS are added. */
  apiKeys?: string[] | undefined;
  llm?: Omit<EngineOptions, 'runtimeConfig' | 'stateDir' | 'log'> | undefined;
  /** Load every model at start (default true). */
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
  const runtimeConfig = await loadRuntimeConfig(opts.runtimeConfigFile);
  checkChatTemplates(runtimeConfig.llmModels, runtimeConfig.path);
  const stateDir = resolve(opts.stateDir ?? runtimeConfig.stateDir ?? '.spin');
  const apiKeys = collectApiKeys({ config: runtimeConfig.openai.apiKeys, flags: opts.apiKeys, env: (opts.processEnv ?? process.env).SPIN_TS_API_KEYS });
  const metrics = new ServingMetrics();
  const engine = instrumentEngine(await createEngine({ ...opts.llm, runtimeConfig, stateDir, log }), metrics);
  const getEngine = async (): Promise<LlmEngine> => engine;

  let server: OpenAiServer;
  try {
    server = await startOpenAiServer({ ...addr, engine: getEngine, apiKeys, metrics, log });
  } catch (err) {
    await engine.close();
    throw err;
  }

  const ready = server.health.track(
    (async () => {
      if (opts.preload === false || runtimeConfig.llmCompute.type === 'remote_http') return;
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
      await engine.close();
    },
  };
}
