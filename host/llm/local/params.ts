/**
 * Validation of InferParams and their translation to llama.cpp sampling settings.
 *
 * Accepted ranges (anything else → LlmError('invalid-input')):
 *  - maxTokens: integer ≥ 1 and ≤ the model's context size (checked once the model is loaded).
 *  - temperature: any finite number; ≤ 0 means greedy (argmax). Negative is NOT an error
 *    (Spin's own rule is "≤ 0 is greedy").
 *  - topK: integer ≥ 0; 0 means "no top-k" (the whole vocabulary).
 *  - topP: in [0, 1]; 1 disables it.
 *  - repeatPenalty: finite and > 0; 1 disables it.
 *  - repeatPenaltyLastNTokenCount: integer ≥ 0; 0 disables the penalties; values above the
 *    context size are capped to it.
 *  - seed: integer (taken modulo 2^32).
 *  - frequencyPenalty / presencePenalty: in [-2, 2] (OpenAI's range).
 *  - stop: strings; empty strings are ignored.
 */

import { LlmError, type InferParams } from '../engine.js';

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

function finite(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) invalid(`${name} must be a finite number, got ${String(v)}`);
  return v;
}

function integer(name: string, v: unknown, min: number): number {
  const n = finite(name, v);
  if (!Number.isInteger(n) || n < min) invalid(`${name} must be an integer ≥ ${min}, got ${n}`);
  return n;
}

/** Check the params that do not depend on the model; `randomSeed` supplies the seed when none is given. */
export function planSampling(params: InferParams, fallbackSeed: () => number): SamplingPlan {
  if (typeof params !== 'object' || params === null) invalid('params must be an object');
  const maxTokens = integer('max-tokens', params.maxTokens, 1);
  const temperature = finite('temperature', params.temperature);
  const topK = integer('top-k', params.topK, 0);
  const topP = finite('top-p', params.topP);
  if (topP < 0 || topP > 1) invalid(`top-p must be within [0, 1], got ${topP}`);
  const repeatPenalty = finite('repeat-penalty', params.repeatPenalty);
  if (repeatPenalty <= 0) invalid(`repeat-penalty must be > 0, got ${repeatPenalty}`);
  const lastN = integer('repeat-penalty-last-n-token-count', params.repeatPenaltyLastNTokenCount, 0);
  const frequencyPenalty = params.frequencyPenalty === undefined ? 0 : finite('frequency-penalty', params.frequencyPenalty);
  const presencePenalty = params.presencePenalty === undefined ? 0 : finite('presence-penalty', params.presencePenalty);
  if (Math.abs(frequencyPenalty) > 2) invalid(`frequency-penalty must be within [-2, 2], got ${frequencyPenalty}`);
  if (Math.abs(presencePenalty) > 2) invalid(`presence-penalty must be within [-2, 2], got ${presencePenalty}`);
  let seed: number;
  if (params.seed === undefined) seed = fallbackSeed();
  else {
    const s = finite('seed', params.seed);
    if (!Number.isInteger(s)) invalid(`seed must be an integer, got ${s}`);
    seed = ((s % 2 ** 32) + 2 ** 32) % 2 ** 32;
  }
  const stop = params.stop ?? [];
  if (!Array.isArray(stop) || stop.some((s) => typeof s !== 'string')) invalid('stop must be a list of strings');
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
    penaltyLastN: penaltiesOn ? lastN : 0,
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
