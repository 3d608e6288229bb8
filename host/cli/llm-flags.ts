/**
 * The LLM engine flags `up` and `models serve` share: the options defined identically in both,
 * and the one mapping from parsed flags to the engine's options.
 */
import { Option } from 'commander';
import type { EngineOptions } from '../llm/create.js';
import { parseByteSize } from './byte-size.js';

export function gpuOption(): Option {
  return new Option('--gpu <mode>', 'where llama.cpp runs').choices(['auto', 'cuda', 'vulkan', 'cpu']).default('auto');
}

export function modelsMaxMemoryOption(): Option {
  return new Option(
    '--models-max-memory <size>',
    'memory the loaded models may take together (weights + context estimate), e.g. 8g; loading past it unloads the least recently used idle model (default: no limit)',
  ).argParser((v: string) => parseByteSize('--models-max-memory', v));
}

/** What commander parsed from the LLM flags. */
export interface LlmFlags {
  llmThreads?: number;
  gpu: EngineOptions['gpu'];
  llmSlots: number;
  llmQueue: number;
  llmSeed?: number;
  modelIdleTimeout?: number;
  modelsMaxMemory?: number;
}

export function engineOptions(o: LlmFlags): Omit<EngineOptions, 'config' | 'stateDir' | 'log'> {
  return {
    threads: o.llmThreads,
    gpu: o.gpu,
    slots: o.llmSlots,
    queue: o.llmQueue,
    seed: o.llmSeed,
    idleTimeoutMs: o.modelIdleTimeout,
    maxMemoryBytes: o.modelsMaxMemory,
  };
}
