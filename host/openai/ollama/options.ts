/**
 * Ollama's request fields as the OpenAI body params.ts reads, so one rule applies to both:
 * `options` (num_predict, temperature, top_k, top_p, min_p, repeat_penalty, repeat_last_n, seed,
 * stop, frequency_penalty, presence_penalty, typical_p, mirostat), `format` ("json" or a JSON
 * schema) and `tools`. The load-time options (num_ctx, num_gpu, num_thread, …) change nothing
 * per request here — the server's flags and the model table set them — and are accepted; an
 * option Ollama does not define is a 400 naming it.
 */
import { ApiError } from '../errors.js';
import { describeValue, isJsonObject, type JsonObject } from '../request.js';

/** Ollama option → the OpenAI/llama-server field params.ts reads. */
const SAMPLING: Readonly<Record<string, string>> = {
  temperature: 'temperature',
  top_k: 'top_k',
  top_p: 'top_p',
  min_p: 'min_p',
  repeat_penalty: 'repeat_penalty',
  repeat_last_n: 'repeat_last_n',
  seed: 'seed',
  stop: 'stop',
  frequency_penalty: 'frequency_penalty',
  presence_penalty: 'presence_penalty',
  typical_p: 'typical_p',
  mirostat: 'mirostat',
};

/** Set when the model loads (the server's flags and the model table), not per request. */
const LOAD_TIME = new Set([
  'num_ctx', 'num_batch', 'num_gpu', 'main_gpu', 'num_thread', 'num_keep', 'use_mmap', 'use_mlock', 'numa',
  'low_vram', 'vocab_only', 'penalize_newline', 'mirostat_tau', 'mirostat_eta', 'tfs_z',
]); // prettier-ignore

/** The OpenAI-shaped generation fields for an Ollama body (model and messages/prompt excluded). */
export function ollamaGenerationFields(body: JsonObject): JsonObject {
  const out: JsonObject = {};
  const options = body.options;
  if (options !== undefined && options !== null) {
    if (!isJsonObject(options)) throw ApiError.badRequest(`'options': expected an object, got ${describeValue(options)}`, 'options', 'invalid_value');
    for (const [key, v] of Object.entries(options)) {
      if (v === null || LOAD_TIME.has(key)) continue;
      if (key === 'num_predict') {
        if (typeof v !== 'number' || !Number.isInteger(v) || v === 0 || v < -2)
          throw ApiError.badRequest(
            `'options.num_predict': expected a positive integer, or -1 for no limit, got ${describeValue(v)}`,
            'options.num_predict',
            'invalid_value',
          );
        if (v > 0) out.max_tokens = v;
        continue;
      }
      const field = SAMPLING[key];
      if (!field) throw ApiError.badRequest(`'options.${key}' is not an Ollama option`, `options.${key}`, 'unknown_parameter');
      out[field] = v;
    }
  }
  const format = body.format;
  if (format === 'json') out.response_format = { type: 'json_object' };
  else if (isJsonObject(format)) out.response_format = { type: 'json_schema', json_schema: { name: 'format', schema: format } };
  else if (format !== undefined && format !== null && format !== '')
    throw ApiError.badRequest(`'format': expected "json" or a JSON schema object, got ${describeValue(format)}`, 'format', 'invalid_value');
  if (body.tools !== undefined && body.tools !== null) out.tools = body.tools;
  if (body.think === true) throw ApiError.badRequest("'think': these models have no thinking mode", 'think', 'unsupported_value');
  return out;
}
