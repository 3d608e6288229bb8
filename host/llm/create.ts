/** Chooses the LLM engine the runtime config asks for. */
import type { LlmRuntimeConfig } from './runtime-config.js';
import type { LlmEngine } from './engine.js';

export interface EngineOptions {
  config: LlmRuntimeConfig;
  stateDir: string;
  threads?: number;
  gpu?: 'auto' | 'cuda' | 'vulkan' | 'cpu';
  slots?: number;
  queue?: number;
  seed?: number;
  /** Local models: unload one no call has used for this long (default: never). */
  idleTimeoutMs?: number;
  /** Local models: the memory budget of the loaded models (least recently used idle ones are unloaded). */
  maxMemoryBytes?: number;
  /** Local models with a `source` URL: per-try timeout and tries of the download. */
  download?: { timeoutMs?: number; attempts?: number };
  /** remote_http only: give up on a remote call after this long (default 5 minutes). */
  remoteTimeoutMs?: number;
  log: (line: string) => void;
}

export async function createEngine(opts: EngineOptions): Promise<LlmEngine> {
  const compute = opts.config.llmCompute;
  if (compute.type === 'remote_http') {
    const remote = { url: compute.url, authToken: compute.authToken, timeoutMs: opts.remoteTimeoutMs, log: opts.log };
    opts.log(`LLM calls go to the remote ${new URL(compute.url).origin} (llm_compute remote_http, api_type ${compute.apiType})`);
    if (compute.apiType === 'open_ai') {
      const { OpenAiHttpEngine } = await import('./remote/openai-http.js');
      return new OpenAiHttpEngine(remote);
    }
    const { SpinHttpEngine } = await import('./remote/spin-http.js');
    return new SpinHttpEngine(remote);
  }
  const { LocalLlamaEngine } = await import('./local/engine.js');
  const engine = new LocalLlamaEngine({
    modelTable: opts.config.llmModels,
    stateDir: opts.stateDir,
    threads: opts.threads,
    gpu: opts.gpu,
    slots: opts.slots,
    queue: opts.queue,
    seed: opts.seed,
    idleTimeoutMs: opts.idleTimeoutMs,
    maxMemoryBytes: opts.maxMemoryBytes,
    download: opts.download,
    log: opts.log,
  });
  // The GPU probe (getLlama) starts with the engine, so the first request pays the model load alone.
  engine.probe().catch((err: unknown) => opts.log(`llama.cpp did not start: ${(err as Error).message}`));
  return engine;
}
