/**
 * `spin-ts models serve` as a library: the OpenAI-compatible API and Spin's remote protocol with
 * no app, like llama-server. The models are the runtime config's model table and the GGUF files
 * under the state dir (docs/spec.md §2) — or, with `[llm_compute] type = "remote_http"`, the remote's
 * (spin-ts then acts as a gateway). Models are loaded on first use, as `up` does; with `preload`
 * they are loaded at start and /health answers 503 until they are. llama.cpp itself (the GPU
 * probe) starts with the engine, at start.
 */
import { existsSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { loadRuntimeConfig } from '../app/runtime-config.js';
import type { EngineOptions } from '../llm/create.js';
import { isValidModelTableName, LLM_DEFAULTS, llmRuntimeConfig, MODEL_NAME_RULE, type LlmRuntimeConfig, type ModelTableEntry } from '../llm/runtime-config.js';
import { readAikitFile } from '../llm/aikit/spec.js';
import { hfUrl, parseHfUri, type HfSource } from '../llm/local/hf-source.js';
import { pullModels } from '../llm/local/pull.js';
import { UserError } from '../user-error.js';
import { ApiError } from './errors.js';
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
  /** llama-server's flags (serve-flags in docs/cli.md). */
  llamaServer?: LlamaServerFlags | undefined;
  /** --models-config: an aikit spec whose models are served beside the model table's (host/llm/aikit/spec.ts). */
  modelsConfig?: string | undefined;
  processEnv?: NodeJS.ProcessEnv | undefined;
  log?: ((line: string) => void) | undefined;
}

/** llama-server's flags as `models serve` takes them. */
export interface LlamaServerFlags {
  /** -m/--model: a GGUF file served with no model table; named by its file stem or `alias`. */
  model?: string | undefined;
  /** -a/--alias: the -m model's name. */
  alias?: string | undefined;
  /** --embedding: the -m model is an embedding model. */
  embedding?: boolean | undefined;
  /** -c/--ctx-size: the context size of the -m model, and of table models that give none. */
  ctxSize?: number | undefined;
  /** -ngl/--n-gpu-layers: layers offloaded to the GPU (the -m model, and table models that give none). */
  gpuLayers?: number | undefined;
  /** -n/--n-predict: the most tokens a request may generate (-1: no cap). */
  nPredict?: number | undefined;
  /** --api-prefix. */
  apiPrefix?: string | undefined;
  /** -hf/--hf-repo: `<user>/<repo>` (with --hf-file) or `<user>/<repo>/<file>.gguf`, downloaded into the state dir. */
  hfRepo?: string | undefined;
  /** -hff/--hf-file: the file in the -hf repository. */
  hfFile?: string | undefined;
}

/** The model table entry of -hf/-hff: an `hf:` source, named by its file stem or `alias`. */
function hfModel(flags: LlamaServerFlags): { name: string; entry: ModelTableEntry } {
  if (flags.model !== undefined) throw new UserError('-m/--model and -hf/--hf-repo both name the model: give one');
  let source: HfSource;
  try {
    source = parseHfUri(`hf:${flags.hfRepo}${flags.hfFile !== undefined ? `/${flags.hfFile}` : ''}`);
  } catch (err) {
    throw new UserError(
      `-hf/--hf-repo: ${(err as Error).message.replace('hf:<user>/<repo>/<file>.gguf', '-hf <user>/<repo>/<file>.gguf, or -hf <user>/<repo> -hff <file>.gguf')}`,
    );
  }
  const name = flags.alias ?? basename(source.file, extname(source.file));
  if (!isValidModelTableName(name))
    throw new UserError(
      `-hf/--hf-repo: the model name ${JSON.stringify(name)} (${flags.alias ? '--alias' : 'the file name'}) may hold ${MODEL_NAME_RULE}; give another with --alias`,
    );
  return { name, entry: { sourceUrl: hfUrl(source), kind: flags.embedding ? 'embedding' : 'completion' } };
}

/** The model table with -m's model added and -c/-ngl filled in where an entry gives none. */
export function withLlamaServerFlags(llm: LlmRuntimeConfig, flags: LlamaServerFlags): LlmRuntimeConfig {
  const models = { ...llm.llmModels };
  if (flags.model !== undefined) {
    const file = resolve(flags.model);
    if (!existsSync(file)) throw new UserError(`-m/--model: no file ${file}`);
    const name = flags.alias ?? basename(file, extname(file));
    if (!isValidModelTableName(name))
      throw new UserError(
        `-m/--model: the model name ${JSON.stringify(name)} (${flags.alias ? '--alias' : 'the file name'}) may hold ${MODEL_NAME_RULE}; give another with --alias`,
      );
    if (models[name]) throw new UserError(`-m/--model: the model table already has a model named '${name}'; give the file another name with --alias`);
    models[name] = { path: file, kind: flags.embedding ? 'embedding' : 'completion' };
  } else if (flags.hfRepo !== undefined) {
    const { name, entry } = hfModel(flags);
    if (models[name]) throw new UserError(`-hf/--hf-repo: the model table already has a model named '${name}'; give it another name with --alias`);
    models[name] = entry;
  } else if (flags.hfFile !== undefined) {
    throw new UserError('-hff/--hf-file names a file of the -hf/--hf-repo repository; give -hf <user>/<repo> too');
  } else if (flags.alias !== undefined) {
    throw new UserError('--alias names the model given with -m/--model or -hf/--hf-repo; give one of them too');
  }
  for (const [name, entry] of Object.entries(models)) {
    models[name] = {
      ...entry,
      ...(entry.contextSize === undefined && flags.ctxSize !== undefined && flags.ctxSize > 0 ? { contextSize: flags.ctxSize } : {}),
      ...(entry.gpuLayers === undefined && flags.gpuLayers !== undefined ? { gpuLayers: flags.gpuLayers } : {}),
    };
  }
  return { ...llm, llmModels: models };
}

/** The model table with an aikit spec's models added (a name in both is an error); what has no effect here is logged. */
async function withAikitModels(llm: LlmRuntimeConfig, file: string, log: (line: string) => void): Promise<LlmRuntimeConfig> {
  const aikit = await readAikitFile(file);
  for (const note of aikit.notes) log(`--models-config ${file}: ${note}`);
  for (const name of Object.keys(aikit.models))
    if (llm.llmModels[name]) throw new UserError(`--models-config ${file}: the model '${name}' is also in the runtime config's model table; keep one`);
  log(`--models-config ${file}: serving ${Object.keys(aikit.models).join(', ')}`);
  return { ...llm, llmModels: { ...llm.llmModels, ...aikit.models } };
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
  const flags = opts.llamaServer ?? {};
  let table = (runtimeConfig.sections[llmRuntimeConfig.name] as LlmRuntimeConfig | undefined) ?? LLM_DEFAULTS;
  if (opts.modelsConfig !== undefined) table = await withAikitModels(table, opts.modelsConfig, log);
  const llm = withLlamaServerFlags(table, flags);
  if (flags.gpuLayers !== undefined)
    log(
      opts.llm?.gpu === 'cpu'
        ? `-ngl/--n-gpu-layers ${flags.gpuLayers}: no effect, llama.cpp runs on the CPU (--gpu cpu)`
        : `-ngl/--n-gpu-layers ${flags.gpuLayers}: offloaded where a GPU is found; on the CPU it has no effect`,
    );
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
    nPredict: flags.nPredict !== undefined && flags.nPredict > 0 ? flags.nPredict : undefined,
    apiPrefix: flags.apiPrefix,
    facts: {
      slots: opts.llm?.slots,
      seed: opts.llm?.seed,
      contextSize: (m) => llm.llmModels[m]?.contextSize,
      modelPath: (m) => llm.llmModels[m]?.path,
      version: '0.1.0',
    },
    pull: async (name) => {
      const entry = llm.llmModels[name];
      if (entry?.sourceUrl !== undefined) {
        await pullModels({ runtimeConfigFile: opts.runtimeConfigFile, stateDir, names: [name], log });
        return;
      }
      if (entry?.path !== undefined) {
        if (!existsSync(entry.path)) throw new ApiError(404, `model '${name}': no file ${entry.path}`, 'invalid_request_error', 'model_not_found', 'model');
        return;
      }
      const listed = await (await serving.engine()).listModels();
      if (listed.some((m) => m.id === name)) return;
      throw new ApiError(
        404,
        `model '${name}' is not in the model table: add [llm_models.${name}] with source = "https://…/<file>.gguf" to the runtime config (models serve does not download from the Ollama registry)`,
        'invalid_request_error',
        'model_not_found',
        'model',
      );
    },
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
