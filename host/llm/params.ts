/**
 * The one validator of inference parameters, with Spin's rules (docs/spec.md §1). The
 * guest-facing llm glue, the local engine and the OpenAI API's mapping all apply it, so a
 * value is accepted or refused the same way whichever road it came by.
 *
 * Accepted (anything else → LlmError('invalid-input')):
 *  - maxTokens: integer ≥ 1 (and ≤ the model's context size, checked once the model is loaded).
 *  - temperature: finite and ≥ 0; 0 means greedy (argmax).
 *  - topK: integer ≥ 0; 0 means "no top-k" (the whole vocabulary).
 *  - topP: in [0, 1]; 1 disables it.
 *  - repeatPenalty: finite and > 0; 1 disables it.
 *  - repeatPenaltyLastNTokenCount: integer ≥ 0; 0 disables the penalties.
 *  - seed: integer.  frequencyPenalty / presencePenalty: in [-2, 2] (OpenAI's range).
 *  - stop: a list of strings.
 */
import { DEFAULT_INFER_PARAMS, LlmError, type DefaultableParam, type InferParams } from './engine.js';

/** A model's own sampling defaults (the model table's temperature, top_k, top_p, repeat_penalty). */
export type ModelDefaults = Partial<Pick<InferParams, DefaultableParam>>;

export const DEFAULTABLE_PARAMS: readonly DefaultableParam[] = ['temperature', 'topK', 'topP', 'repeatPenalty'];

/**
 * fermyon:spin/llm: which fields the guest left to the host. Spin's guest SDKs always send every
 * field, filled with Spin's defaults when the app chose none; so `none` and a field equal to
 * Spin's default both count as not chosen (docs/ai.md, "Per-model defaults").
 */
export function spinDefaultedFields(params: InferParams | undefined): DefaultableParam[] {
  if (!params) return [...DEFAULTABLE_PARAMS];
  // the WIT's floats are f32: 0.8 arrives as 0.800000011920929
  return DEFAULTABLE_PARAMS.filter((k) => Math.fround(params[k]) === Math.fround(DEFAULT_INFER_PARAMS[k]));
}

/** The params with the model's defaults in place of the fields the caller did not choose. */
export function withModelDefaults<P extends Partial<InferParams>>(params: P, defaults: ModelDefaults | undefined): P {
  const unset = params.defaulted;
  if (!defaults || !unset || unset.length === 0) return params;
  const out = { ...params };
  for (const k of unset) if (defaults[k] !== undefined) out[k] = defaults[k];
  return out;
}

function invalid(message: string): never {
  throw new LlmError('invalid-input', message);
}

export function finite(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) invalid(`${name} must be a finite number, got ${String(v)}`);
  return v;
}

export function integer(name: string, v: unknown, min: number): number {
  const n = finite(name, v);
  if (!Number.isInteger(n) || n < min) invalid(`${name} must be an integer ≥ ${min}, got ${n}`);
  return n;
}

/** Throws LlmError('invalid-input') naming the first parameter out of range. `maxTokens` may be absent (chat). */
export function checkInferParams(params: Partial<InferParams>): void {
  if (typeof params !== 'object' || params === null) invalid('params must be an object');
  if (params.maxTokens !== undefined) integer('max-tokens', params.maxTokens, 1);
  const temperature = finite('temperature', params.temperature);
  if (temperature < 0) invalid(`temperature must be ≥ 0, got ${temperature} (0 means greedy)`);
  integer('top-k', params.topK, 0);
  const topP = finite('top-p', params.topP);
  if (topP < 0 || topP > 1) invalid(`top-p must be within [0, 1], got ${topP}`);
  const repeatPenalty = finite('repeat-penalty', params.repeatPenalty);
  if (repeatPenalty <= 0) invalid(`repeat-penalty must be > 0, got ${repeatPenalty} (1 disables it)`);
  integer('repeat-penalty-last-n-token-count', params.repeatPenaltyLastNTokenCount, 0);
  for (const name of ['frequencyPenalty', 'presencePenalty'] as const) {
    const v = params[name];
    const shown = name === 'frequencyPenalty' ? 'frequency-penalty' : 'presence-penalty';
    if (v !== undefined && Math.abs(finite(shown, v)) > 2) invalid(`${shown} must be within [-2, 2], got ${v}`);
  }
  if (params.seed !== undefined && !Number.isInteger(finite('seed', params.seed))) invalid(`seed must be an integer, got ${params.seed}`);
  const stop = params.stop;
  if (stop !== undefined && (!Array.isArray(stop) || stop.some((s) => typeof s !== 'string'))) invalid('stop must be a list of strings');
}
