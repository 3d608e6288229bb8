/** Chooses the LLM engine the runtime config asks for. */
import type { RuntimeConfig } from '../app/runtime-config.js';
import type { LlmEngine } from './engine.js';

export interface EngineOptions {
  runtimeConfig: RuntimeConfig;
  stateDir: string;
  threads?: number;
  gpu?: 'auto' | 'cuda' | 'vulkan' | 'cpu';
  slots?: number;
  queue?: number;
  seed?: number;
  log: (line: string) => void;
}

export async function createEngine(opts: EngineOptions): Promise<LlmEngine> {
  const { LocalLlamaEngine } = await import('./local/engine.js');
  return new LocalLlamaEngine({
    modelTable: opts.runtimeConfig.llmModels,
    stateDir: opts.stateDir,
    threads: opts.threads,
    gpu: opts.gpu,
    slots: opts.slots,
    queue: opts.queue,
    seed: opts.seed,
    log: opts.log,
  });
}
