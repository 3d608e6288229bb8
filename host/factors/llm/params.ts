/** fermyon:spin/llm inferencing-params: Spin's defaults and our range checks. */
import { DEFAULT_INFER_PARAMS, type InferParams } from '../../llm/engine.js';

/** As jco hands a WIT `inferencing-params` record to the host: Spin's six parameters. */
export type GuestInferParams = Pick<InferParams, 'maxTokens' | 'repeatPenalty' | 'repeatPenaltyLastNTokenCount' | 'temperature' | 'topK' | 'topP'>;

/** Returns the params to run with, or a message for `invalid-input`. */
export function checkParams(params: GuestInferParams | undefined): InferParams | string {
  const p: InferParams = params ? { ...params } : { ...DEFAULT_INFER_PARAMS };
  if (!Number.isInteger(p.maxTokens) || p.maxTokens < 1) return `max-tokens must be at least 1 (got ${p.maxTokens})`;
  if (!Number.isFinite(p.temperature) || p.temperature < 0) return `temperature must be a finite number ≥ 0 (got ${p.temperature}); 0 means greedy`;
  if (!Number.isFinite(p.topP) || p.topP < 0 || p.topP > 1) return `top-p must be within [0, 1] (got ${p.topP})`;
  if (!Number.isFinite(p.repeatPenalty) || p.repeatPenalty <= 0) return `repeat-penalty must be a finite number > 0 (got ${p.repeatPenalty}); 1.0 disables it`;
  return p;
}
