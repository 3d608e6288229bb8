/**
 * What a loaded model counts for against the models memory budget (`--models-max-memory`,
 * docs/ai.md "Memory budget"), and which model to unload to make room.
 *
 * A model counts its weights as loaded (node-llama-cpp's `model.size`; before the load, the GGUF
 * file's size, and its context estimated from the GGUF header) plus, per context, node-llama-cpp's estimate of the context's memory (KV cache and
 * compute buffers), RAM and VRAM together. Unloading picks the least recently used model that no
 * call is using or waiting for.
 */
import { stat } from 'node:fs/promises';
import { GgufInsights, readGgufFileInfo, type Llama, type LlamaModel } from 'node-llama-cpp';

export interface ContextEstimate {
  contextSize: number;
  sequences: number;
  batchSize?: number;
  embedding?: boolean;
}

/** Bytes a context of `model` takes by node-llama-cpp's estimate (0 when it cannot say). */
export async function contextEstimate(model: LlamaModel, c: ContextEstimate): Promise<number> {
  try {
    const r = await model.fileInsights.estimateContextResourceRequirementsV2({
      contextSize: c.contextSize,
      modelGpuLayers: model.gpuLayers,
      sequences: c.sequences,
      ...(c.batchSize !== undefined ? { batchSize: c.batchSize } : {}),
      ...(c.embedding ? { isEmbeddingContext: true } : {}),
    });
    return r.cpuRam + r.gpuVram;
  } catch {
    return 0;
  }
}

export interface LoadPlan {
  /** The model table's context_size; else the trained size, at most `maxContext`. */
  contextSize?: number | undefined;
  maxContext: number;
  sequences: number;
  /** Layers offloaded to a GPU (0 on the CPU). */
  gpuLayers: number | 'max';
  embedding: boolean;
}

/** What a model will take once loaded with its context: the file's size plus the context estimate from its GGUF header. */
export async function estimateBeforeLoad(path: string, llama: Llama, plan: LoadPlan): Promise<number> {
  const weights = await fileBytes(path);
  try {
    const insights = await GgufInsights.from(await readGgufFileInfo(path), llama);
    const contextSize = plan.contextSize ?? Math.min(insights.trainContextSize || plan.maxContext, plan.maxContext);
    const r = await insights.estimateContextResourceRequirementsV2({
      contextSize,
      modelGpuLayers: plan.gpuLayers === 'max' ? insights.totalLayers : plan.gpuLayers,
      sequences: plan.embedding ? 1 : plan.sequences,
      ...(plan.embedding ? { isEmbeddingContext: true } : {}),
    });
    return weights + r.cpuRam + r.gpuVram;
  } catch {
    return weights;
  }
}

/** The size of a model file (what its weights take once loaded, near enough). */
export async function fileBytes(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0;
}

export function footprint(state: { model: LlamaModel; contextBytes: number }): number {
  return state.model.size + state.contextBytes;
}

/** The least recently used of `loaded`, other than `keep`, that is not in use; undefined when none. */
export function pickVictim(
  loaded: readonly string[],
  keep: string,
  inUse: (name: string) => boolean,
  lastUsed: ReadonlyMap<string, number>,
): string | undefined {
  return loaded.filter((n) => n !== keep && !inUse(n)).sort((a, b) => (lastUsed.get(a) ?? 0) - (lastUsed.get(b) ?? 0))[0];
}
