/**
 * Translation of checked InferParams (host/llm/params.ts, the one validator) into llama.cpp
 * sampling settings, and the checks that need the loaded model (the context size).
 */

import { LlmError, type InferParams } from '../engine.js';
import { checkInferParams } from '../params.js';

export interface SamplingPlan {
  maxTokens: number;
  greedy: boolean;
  temperature: number;
  topK: number;
  topP: number;
  repeatPenalty: number;
  frequencyPenalty: number;
  presencePenalty: number;
  /** Window of the repeat/frequency/presence penalties; 0 = penalties off. */
  penaltyLastN: number;
  seed: number;
  stop: string[];
}

function invalid(message: string): never {
  throw new LlmError('invalid-input', message);
}

/** Check the params that do not depend on the model; `randomSeed` supplies the seed when none is given. */
export function planSampling(params: InferParams, fallbackSeed: () => number): SamplingPlan {
  checkInferParams(params);
  const { maxTokens, temperature, topK, topP, repeatPenalty } = params;
  const frequencyPenalty = params.frequencyPenalty ?? 0;
  const presencePenalty = params.presencePenalty ?? 0;
  const seed = params.seed === undefined ? fallbackSeed() : ((params.seed % 2 ** 32) + 2 ** 32) % 2 ** 32;
  const stop = params.stop ?? [];
  const penaltiesOn = repeatPenalty !== 1 || frequencyPenalty !== 0 || presencePenalty !== 0;
  return {
    maxTokens,
    greedy: temperature <= 0,
    temperature,
    topK,
    topP,
    repeatPenalty,
    frequencyPenalty,
    presencePenalty,
    penaltyLastN: penaltiesOn ? params.repeatPenaltyLastNTokenCount : 0,
    seed,
    stop: stop.filter((s) => s.length > 0),
  };
}

/** The model-dependent checks: maxTokens and the prompt must fit the context. */
export function checkAgainstContext(plan: SamplingPlan, promptTokens: number, contextSize: number): void {
  if (plan.maxTokens > contextSize) invalid(`max-tokens ${plan.maxTokens} is above the context size ${contextSize}`);
  if (promptTokens >= contextSize) invalid(`the prompt is ${promptTokens} tokens; the context holds ${contextSize}, leaving no room to generate`);
}

/** A random 32-bit seed. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
