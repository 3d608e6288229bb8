/**
 * The top-level request fields each endpoint knows (docs/openai-api.md, "Parameters"). A field
 * outside these lists is answered with OpenAI's own 400, `Unrecognized request argument
 * supplied: <name>`, instead of being ignored: a misspelt or foreign option (seed 002's camelCase
 * `maxTokens`) silently dropped once ran a request to the end of the context.
 *
 * The lists hold every field the official `openai` npm client's types define for
 * chat.completions.create, completions.create, embeddings.create and responses.create (what the
 * rest of the code does with each — apply it, accept it with no effect, or refuse a value it
 * cannot honour — is params.ts's rule), plus the llama-server and Ollama extensions params.ts
 * reads, plus the camelCase aliases below.
 */
import { ApiError } from './errors.js';
import type { JsonObject } from './request.js';

export type BodyEndpoint = 'chat' | 'completions' | 'embeddings' | 'responses';

/** The openai package's (6.x) params for chat.completions.create. */
const OPENAI_CHAT = [
  'messages', 'model', 'audio', 'frequency_penalty', 'function_call', 'functions', 'logit_bias', 'logprobs',
  'max_completion_tokens', 'max_tokens', 'metadata', 'modalities', 'moderation', 'n', 'parallel_tool_calls',
  'prediction', 'presence_penalty', 'prompt_cache_key', 'prompt_cache_options', 'prompt_cache_retention',
  'reasoning_effort', 'response_format', 'safety_identifier', 'seed', 'service_tier', 'stop', 'store', 'stream',
  'stream_options', 'temperature', 'tool_choice', 'tools', 'top_logprobs', 'top_p', 'user', 'verbosity',
  'web_search_options',
]; // prettier-ignore

/** … for completions.create. */
const OPENAI_COMPLETIONS = [
  'model', 'prompt', 'best_of', 'echo', 'frequency_penalty', 'logit_bias', 'logprobs', 'max_tokens', 'n',
  'presence_penalty', 'seed', 'stop', 'stream', 'stream_options', 'suffix', 'temperature', 'top_p', 'user',
]; // prettier-ignore

/** … for embeddings.create. */
const OPENAI_EMBEDDINGS = ['input', 'model', 'dimensions', 'encoding_format', 'user'];

/** … for responses.create. */
const OPENAI_RESPONSES = [
  'background', 'context_management', 'conversation', 'include', 'input', 'instructions', 'max_output_tokens',
  'metadata', 'model', 'moderation', 'parallel_tool_calls', 'previous_response_id', 'prompt', 'prompt_cache_key',
  'prompt_cache_options', 'prompt_cache_retention', 'reasoning', 'safety_identifier', 'service_tier', 'store',
  'stream', 'stream_options', 'temperature', 'text', 'tool_choice', 'tools', 'top_logprobs', 'top_p', 'truncation',
  'user',
]; // prettier-ignore

/** llama-server's and Ollama's fields on the OpenAI routes (params.ts applies or refuses each). */
const EXTENSIONS = [
  'top_k', 'min_p', 'repeat_penalty', 'repeat_last_n', 'n_predict', 'json_schema', 'grammar', 'n_probs',
  'typical_p', 'mirostat', 'dynatemp_range', 'xtc_probability', 'dry_multiplier', 'ignore_eos', 'samplers',
  'options', 'cache_prompt', 'id_slot', 'keep_alive', 'response_format', 'top_logprobs',
]; // prettier-ignore

/**
 * camelCase spellings a client's platform documents, and the field each stands for: seed 002's
 * serverless endpoints document `maxTokens` and `topP` in their request table (`temperature` is
 * the same in both spellings).
 */
export const CAMEL_CASE_ALIASES: Readonly<Record<string, string>> = { maxTokens: 'max_tokens', topP: 'top_p' };

const KNOWN: Record<BodyEndpoint, ReadonlySet<string>> = {
  chat: new Set([...OPENAI_CHAT, ...EXTENSIONS]),
  completions: new Set([...OPENAI_COMPLETIONS, ...EXTENSIONS]),
  embeddings: new Set(OPENAI_EMBEDDINGS),
  responses: new Set([...OPENAI_RESPONSES, ...EXTENSIONS.filter((f) => f !== 'n_predict')]),
};

/** The field names accepted on `endpoint` (for tests and docs). */
export function knownFields(endpoint: BodyEndpoint): ReadonlySet<string> {
  return KNOWN[endpoint];
}

/**
 * The body with camelCase aliases renamed (both spellings with different values is a 400), or a
 * 400 naming the first field the endpoint does not know.
 */
export function normalizeFields(body: JsonObject, endpoint: BodyEndpoint): JsonObject {
  const out: JsonObject = { ...body };
  if (endpoint === 'chat' || endpoint === 'completions') {
    for (const [alias, field] of Object.entries(CAMEL_CASE_ALIASES)) {
      if (!(alias in out)) continue;
      const v = out[alias];
      delete out[alias];
      if (out[field] !== undefined && out[field] !== null && JSON.stringify(out[field]) !== JSON.stringify(v)) {
        throw ApiError.badRequest(`'${alias}' and '${field}' are the same field and disagree; send one of them`, alias, 'invalid_value');
      }
      if (v !== undefined) out[field] = v;
    }
  }
  const known = KNOWN[endpoint];
  for (const key of Object.keys(out)) {
    if (!known.has(key)) throw ApiError.badRequest(`Unrecognized request argument supplied: ${key}`, key, 'unknown_parameter');
  }
  return out;
}
