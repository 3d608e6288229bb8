/**
 * The one rule for request fields (docs/openai-api.md, "Parameters"): every field OpenAI
 * documents for chat/completions, and the common llama-server and Ollama extensions, is known
 * here and either
 *  - applied (turned into engine params),
 *  - accepted with no effect, because it cannot change the answer (`user`, `store`, `keep_alive`, …), or
 *  - accepted only at its no-op value; any other value is a 400 naming the field
 *    (`unsupported_value`), never silently ignored.
 * Any other top-level field is refused before this rule runs (known-fields.ts: OpenAI's
 * "Unrecognized request argument supplied"), so none is silently ignored.
 * OpenAI's defaults apply (temperature 1, top_p 1, no penalties, no top-k), except that a model
 * table's temperature, top_k, top_p and repeat_penalty win over them where the request is silent.
 */
import type { ChatParams, DefaultableParam, OutputConstraint } from '../llm/engine.js';
import { ApiError } from './errors.js';
import { checkGbnf } from './grammar-limits.js';
import { enforceableSchema } from './schema-support.js';
import { describeValue, isJsonObject, type Fields } from './request.js';
import { readTools } from './tools.js';

export type Endpoint = 'chat' | 'completions';

export interface GenerationRequest {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  /** maxTokens is absent when the client set no limit. */
  params: ChatParams;
}

const MAX_U32 = 2 ** 32 - 1;
/** OpenAI's maximum for top_logprobs. */
const MAX_TOP_LOGPROBS = 20;

/** Request fields a model table may give defaults for, and their engine names. */
const MODEL_DEFAULTABLE: ReadonlyArray<readonly [string, DefaultableParam]> = [
  ['temperature', 'temperature'],
  ['top_k', 'topK'],
  ['top_p', 'topP'],
  ['repeat_penalty', 'repeatPenalty'],
];

interface NoOpOnly {
  field: string;
  endpoints?: readonly Endpoint[];
  /** The values that change nothing. */
  noOp: (v: unknown) => boolean;
  /** Why another value cannot be honoured. */
  why: string;
}

const isFalse = (v: unknown) => v === false;
const isZero = (v: unknown) => v === 0;
const isEmptyList = (v: unknown) => Array.isArray(v) && v.length === 0;
const isEmptyObject = (v: unknown) => isJsonObject(v) && Object.keys(v).length === 0;

/** Fields accepted only at their no-op value. */
export const NO_OP_ONLY: readonly NoOpOnly[] = [
  { field: 'n_probs', noOp: isZero, why: "llama-server's native probabilities are not returned; send OpenAI's logprobs" },
  { field: 'best_of', endpoints: ['completions'], noOp: (v) => v === 1, why: 'only best_of = 1 (one sample per request)' },
  { field: 'echo', endpoints: ['completions'], noOp: isFalse, why: 'the prompt is not echoed' },
  { field: 'suffix', endpoints: ['completions'], noOp: (v) => v === '', why: 'insertion (fill-in-the-middle) is not supported' },
  { field: 'functions', endpoints: ['chat'], noOp: isEmptyList, why: "the deprecated function calling fields are not supported; use 'tools'" },
  {
    field: 'function_call',
    endpoints: ['chat'],
    noOp: (v) => v === 'none' || v === 'auto',
    why: 'the deprecated function calling fields are not supported (only "none" or "auto"); use \'tool_choice\'',
  },
  { field: 'modalities', endpoints: ['chat'], noOp: (v) => Array.isArray(v) && v.length === 1 && v[0] === 'text', why: 'only ["text"]' },
  { field: 'audio', endpoints: ['chat'], noOp: () => false, why: 'audio output is not supported' },
  { field: 'prediction', endpoints: ['chat'], noOp: () => false, why: 'predicted outputs are not supported' },
  { field: 'web_search_options', endpoints: ['chat'], noOp: () => false, why: 'web search is not supported' },
  { field: 'reasoning_effort', endpoints: ['chat'], noOp: () => false, why: 'reasoning effort is not adjustable on these models' },
  { field: 'verbosity', endpoints: ['chat'], noOp: (v) => v === 'medium', why: 'only "medium"' },
  { field: 'typical_p', noOp: (v) => v === 1, why: "locally typical sampling is not in node-llama-cpp's sampler (only 1)" },
  { field: 'mirostat', noOp: isZero, why: 'mirostat sampling is not supported (only 0)' },
  { field: 'dynatemp_range', noOp: isZero, why: 'dynamic temperature is not supported (only 0)' },
  { field: 'xtc_probability', noOp: isZero, why: 'XTC sampling is not supported (only 0)' },
  { field: 'dry_multiplier', noOp: isZero, why: 'DRY sampling is not supported (only 0)' },
  { field: 'ignore_eos', noOp: isFalse, why: 'generation always stops at end-of-generation tokens' },
  { field: 'samplers', noOp: () => false, why: 'the sampler order is fixed' },
  { field: 'options', noOp: isEmptyObject, why: "is Ollama's native API; send temperature, top_p, top_k, seed, stop, … as top-level fields" },
];

function refuse(field: string, why: string): never {
  throw ApiError.badRequest(`'${field}': ${why}`, field, 'unsupported_value');
}

/** Apply the NO_OP_ONLY rule to a body for one endpoint. */
export function checkNoOpOnly(f: Fields, endpoint: Endpoint): void {
  for (const rule of NO_OP_ONLY) {
    if (rule.endpoints && !rule.endpoints.includes(endpoint)) continue;
    const v = f.raw(rule.field);
    if (v !== undefined && !rule.noOp(v)) refuse(rule.field, `${describeValue(v)} cannot be honoured: ${rule.why}`);
  }
}

/** OpenAI `logit_bias`: {"<token id>": -100…100}. */
function readLogitBias(f: Fields): Record<number, number> | undefined {
  const v = f.raw('logit_bias');
  if (v === undefined) return undefined;
  if (!isJsonObject(v))
    throw ApiError.badRequest(`'logit_bias': expected an object of token id → bias, got ${describeValue(v)}`, 'logit_bias', 'invalid_value');
  const out: Record<number, number> = {};
  for (const [key, bias] of Object.entries(v)) {
    if (!/^\d+$/.test(key)) throw ApiError.badRequest(`'logit_bias': the key "${key}" is not a token id`, 'logit_bias', 'invalid_value');
    if (typeof bias !== 'number' || !Number.isFinite(bias) || bias < -100 || bias > 100) {
      throw ApiError.badRequest(`'logit_bias.${key}': expected a number between -100 and 100, got ${describeValue(bias)}`, 'logit_bias', 'invalid_value');
    }
    if (bias !== 0) out[Number(key)] = bias;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Structured output: OpenAI's `response_format` ({"type":"text"|"json_object"|"json_schema"}),
 * llama-server's `json_schema` (a schema) and `grammar` (GBNF). At most one of them.
 */
function readConstraint(f: Fields): OutputConstraint | undefined {
  const found: OutputConstraint[] = [];
  const rf = f.optObject('response_format');
  if (rf) {
    const type = rf.requiredString('type', '"text", "json_object" or "json_schema"');
    if (type === 'json_object') found.push({ type: 'json', param: 'response_format' });
    else if (type === 'json_schema') {
      const js = rf.optObject('json_schema');
      if (!js)
        throw ApiError.badRequest(
          '\'response_format.json_schema\' is required with type "json_schema": {name, schema, strict}',
          'response_format.json_schema',
          'missing_required_parameter',
        );
      js.requiredString('name', 'the schema name');
      js.optBoolean('strict');
      const schema = js.optObject('schema');
      // no schema: any JSON object, as OpenAI
      found.push(
        schema ? { type: 'json_schema', schema: schema.body, param: 'response_format.json_schema.schema' } : { type: 'json', param: 'response_format' },
      );
    } else if (type !== 'text') {
      throw ApiError.badRequest(
        `'response_format.type': expected "text", "json_object" or "json_schema", got ${describeValue(type)}`,
        'response_format.type',
        'invalid_value',
      );
    }
  }
  const schema = f.optObject('json_schema');
  if (schema) found.push({ type: 'json_schema', schema: schema.body, param: 'json_schema' });
  const grammar = f.raw('grammar');
  if (grammar !== undefined) {
    if (typeof grammar !== 'string')
      throw ApiError.badRequest(`'grammar': expected a GBNF grammar string, got ${describeValue(grammar)}`, 'grammar', 'invalid_value');
    if (grammar.trim() !== '') found.push({ type: 'gbnf', grammar, param: 'grammar' });
  }
  if (found.length > 1)
    throw ApiError.badRequest(
      `'${found[1]!.param}': only one of response_format, json_schema and grammar may constrain the output`,
      found[1]!.param,
      'invalid_value',
    );
  // bounded before the engine compiles anything (grammar-limits.ts)
  const c = found[0];
  if (c?.type === 'gbnf') checkGbnf(c.grammar, c.param);
  if (c?.type === 'json_schema') return { ...c, schema: enforceableSchema(c.schema, c.param) };
  return c;
}

export function readGenerationRequest(f: Fields, endpoint: Endpoint = 'chat'): GenerationRequest {
  const model = f.requiredString('model', 'a model id (see GET /v1/models)');
  const n = f.optInteger('n', 1);
  if (n !== undefined && n > 1) throw ApiError.badRequest(`'n': only n = 1 is supported, got ${n}`, 'n', 'unsupported_value');
  checkNoOpOnly(f, endpoint);

  const stream = f.optBoolean('stream') ?? false;
  const streamOptions = f.optObject('stream_options');
  const includeUsage = stream && (streamOptions?.optBoolean('include_usage') ?? false);

  // max_completion_tokens is preferred; max_tokens is its older name, n_predict llama-server's
  const maxTokens = f.optInteger('max_completion_tokens', 1, MAX_U32) ?? f.optInteger('max_tokens', 1, MAX_U32) ?? readNPredict(f);
  const temperature = f.optNumber('temperature', 0, 2) ?? 1;
  const topP = f.optNumber('top_p', 0, 1) ?? 1;
  const topK = f.optInteger('top_k', 0, MAX_U32) ?? 0;
  const minP = f.optNumber('min_p', 0, 1);
  const frequencyPenalty = f.optNumber('frequency_penalty', -2, 2) ?? 0;
  const presencePenalty = f.optNumber('presence_penalty', -2, 2) ?? 0;
  const repeatPenalty = f.optNumber('repeat_penalty', Number.MIN_VALUE, 100) ?? 1;
  const repeatLastN = f.optInteger('repeat_last_n', 0, MAX_U32) ?? 64;
  const seed = f.optInteger('seed', Number.MIN_SAFE_INTEGER);
  const stop = f.optStop('stop');
  const logitBias = readLogitBias(f);
  const constraint = readConstraint(f);
  const logprobs = readLogprobs(f, endpoint);
  const tools = endpoint === 'chat' ? readTools(f) : undefined;
  // left out: the model's own default applies, where the model table gives one
  const defaulted = MODEL_DEFAULTABLE.filter(([field]) => f.raw(field) === undefined).map(([, param]) => param);

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
    ...(minP !== undefined && minP > 0 ? { minP } : {}),
    ...(logitBias ? { logitBias } : {}),
    ...(constraint ? { constraint } : {}),
    ...(tools ? { tools } : {}),
    ...(logprobs !== undefined ? { logprobs } : {}),
    ...(defaulted.length > 0 ? { defaulted } : {}),
  };
  return { model, stream, includeUsage, params };
}

/**
 * Log probabilities: chat's `logprobs` (true/false) and `top_logprobs` (0–20, with logprobs
 * true); the legacy completions' `logprobs` (0–20: the alternatives per token). The number of
 * alternatives, or undefined when none are asked for.
 */
function readLogprobs(f: Fields, endpoint: Endpoint): number | undefined {
  if (endpoint === 'completions') {
    if (f.has('top_logprobs')) refuse('top_logprobs', "is chat's field; the legacy completions take the number of alternatives in 'logprobs'");
    return f.optInteger('logprobs', 0, MAX_TOP_LOGPROBS);
  }
  const on = f.optBoolean('logprobs') ?? false;
  const top = f.optInteger('top_logprobs', 0, MAX_TOP_LOGPROBS);
  if (!on && top !== undefined && top > 0) throw ApiError.badRequest("'top_logprobs': needs 'logprobs': true", 'top_logprobs', 'invalid_value');
  return on ? (top ?? 0) : undefined;
}

/** llama-server's `n_predict`: -1 means no limit. */
function readNPredict(f: Fields): number | undefined {
  const v = f.optInteger('n_predict', -1, MAX_U32);
  return v === undefined || v === -1 ? undefined : v === 0 ? refuse('n_predict', '0 tokens cannot be generated; give at least 1, or -1 for no limit') : v;
}
