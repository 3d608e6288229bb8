/**
 * The sampling fields shared by /v1/chat/completions and /v1/completions, checked and turned
 * into engine params. OpenAI's defaults apply (temperature 1, top_p 1, no penalties, no top-k);
 * llama-server's extensions `top_k`, `repeat_penalty` and `repeat_last_n` are accepted too.
 * Options we cannot honour are refused with a 400 rather than silently ignored.
 */
import type { ChatParams } from '../llm/engine.js';
import { ApiError } from './errors.js';
import type { Fields } from './request.js';

export interface GenerationRequest {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  /** maxTokens is absent when the client set no limit. */
  params: ChatParams;
}

const MAX_U32 = 2 ** 32 - 1;

export function readGenerationRequest(f: Fields): GenerationRequest {
  const model = f.requiredString('model', 'a model id (see GET /v1/models)');
  const n = f.optInteger('n', 1);
  if (n !== undefined && n > 1) throw ApiError.badRequest(`'n': only n = 1 is supported, got ${n}`, 'n', 'unsupported_value');
  f.unsupported('logprobs', (v) => v === false, 'is not supported');
  f.unsupported('top_logprobs', (v) => v === 0, 'is not supported');
  f.unsupported('logit_bias', (v) => typeof v === 'object' && v !== null && Object.keys(v).length === 0, 'is not supported');
  f.unsupported('best_of', (v) => v === 1, 'is not supported (only best_of = 1)');

  const stream = f.optBoolean('stream') ?? false;
  const streamOptions = f.optObject('stream_options');
  const includeUsage = stream && (streamOptions?.optBoolean('include_usage') ?? false);

  // max_completion_tokens is preferred; max_tokens is its older name
  const maxTokens = f.optInteger('max_completion_tokens', 1, MAX_U32) ?? f.optInteger('max_tokens', 1, MAX_U32);
  const temperature = f.optNumber('temperature', 0, 2) ?? 1;
  const topP = f.optNumber('top_p', 0, 1) ?? 1;
  const topK = f.optInteger('top_k', 0, MAX_U32) ?? 0;
  const frequencyPenalty = f.optNumber('frequency_penalty', -2, 2) ?? 0;
  const presencePenalty = f.optNumber('presence_penalty', -2, 2) ?? 0;
  const repeatPenalty = f.optNumber('repeat_penalty', Number.MIN_VALUE, 100) ?? 1;
  const repeatLastN = f.optInteger('repeat_last_n', 0, MAX_U32) ?? 64;
  const seed = f.optInteger('seed', Number.MIN_SAFE_INTEGER);
  const stop = f.optStop('stop');

  const params: ChatParams = {
    temperature,
    topP,
    topK,
    repeatPenalty,
    repeatPenaltyLastNTokenCount: repeatLastN,
    frequencyPenalty,
    presencePenalty,
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(stop !== undefined ? { stop } : {}),
  };
  return { model, stream, includeUsage, params };
}
