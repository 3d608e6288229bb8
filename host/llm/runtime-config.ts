/**
 * The runtime-config sections the LLM owns: `[llm_compute]` (local, or a remote
 * `remote_http` backend) and the model table `[llm_models.<name>]` (docs/spec.md §2, §3).
 * Read by the llm factor for `spin-ts up` and by `spin-ts models serve`.
 */
import path from 'node:path';
import type { RuntimeConfigSectionOwner } from '../app/runtime-config.js';
import type { FieldReader, Table } from '../app/toml-fields.js';
import { describeValue } from '../app/toml-fields.js';
import { joinField } from '../app/toml-locate.js';
import { hfUrl, isHfUri, parseHfUri } from './local/hf-source.js';
import type { ModelDefaults } from './params.js';

export type LlmCompute = { type: 'spin' } | { type: 'remote_http'; url: string; authToken: string; apiType: 'default' | 'open_ai' };

export interface ModelTableEntry {
  /** Absolute path, resolved against the runtime config file's directory (also a local `source`). */
  path?: string;
  /** An http(s) URL fetched once into `<state_dir>/ai-models/<name>/` (host/llm/local/download.ts). */
  sourceUrl?: string;
  /** Lowercase hex SHA-256 of the file, verified before load. */
  sha256?: string;
  /** A named template or a Jinja string; default: the one in the GGUF. */
  chatTemplate?: string;
  /** Jinja over `prompt` wrapping POST /v1/completions prompts (host/openai/completion-template.ts). */
  completionTemplate?: string;
  contextSize?: number;
  kind: 'completion' | 'embedding';
  gpuLayers?: number;
  /** Used when a chat request has no system message. */
  systemPrompt?: string;
  /** Prompt prefixes kept evaluated and shared across requests (0 turns the cache off). */
  promptCache?: number;
  /** The most tokens one request may generate (the OpenAI API's cap, like llama-server's -n). */
  maxTokens?: number;
  /** Sampling defaults used where a request does not choose (host/llm/params.ts). */
  defaults?: ModelDefaults;
}

export interface LlmRuntimeConfig {
  llmCompute: LlmCompute;
  llmModels: Record<string, ModelTableEntry>;
}

const MODEL_KEYS = [
  'path',
  'source',
  'sha256',
  'system_prompt',
  'chat_template',
  'completion_template',
  'context_size',
  'kind',
  'gpu_layers',
  'prompt_cache',
  'max_tokens',
  'temperature',
  'top_k',
  'top_p',
  'repeat_penalty',
];

/**
 * A model-table name is also a directory name (a `source` URL's file goes to
 * `<state_dir>/ai-models/<name>/`), so it must be one safe path segment on every platform:
 * letters, digits, '.', '_' and '-', starting with a letter or digit (so never "." or ".."),
 * at most 128 characters. Anything else is refused when the runtime config is read, before any
 * download could write outside the state directory.
 */
export const MODEL_NAME_RULE = "only letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128 characters";
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isValidModelTableName(name: string): boolean {
  return MODEL_NAME.test(name);
}

export const LLM_DEFAULTS: LlmRuntimeConfig = { llmCompute: { type: 'spin' }, llmModels: {} };

export const llmRuntimeConfig: RuntimeConfigSectionOwner = {
  name: 'llm',
  sections: ['llm_compute', 'llm_models'],
  read: (r, raw, baseDir): LlmRuntimeConfig => ({ llmCompute: readLlmCompute(r, raw), llmModels: readModels(r, raw, baseDir) }),
};

function readLlmCompute(r: FieldReader, raw: Table): LlmCompute {
  const t = r.optTable(raw, 'llm_compute', '');
  if (!t) return { type: 'spin' };
  const type = r.reqString(t, 'type', 'llm_compute', 'Add type = "spin" (local models) or type = "remote_http".');
  if (type === 'spin') {
    r.checkKeys(t, 'llm_compute', ['type']);
    return { type: 'spin' };
  }
  if (type !== 'remote_http') {
    r.fail('llm_compute.type', `unknown llm_compute type "${type}"`, 'Use type = "spin" (local models) or type = "remote_http".');
  }
  r.checkKeys(t, 'llm_compute', ['type', 'url', 'auth_token', 'api_type']);
  const url = r.reqString(t, 'url', 'llm_compute', 'Add url = "https://<your LLM service>".');
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    r.fail('llm_compute.url', `"${url}" is not an http(s) URL`, 'Write the full URL, e.g. url = "https://llm.example.com".');
  }
  const authToken = r.reqString(t, 'auth_token', 'llm_compute', 'Add auth_token = "<token>" (the bearer token the service expects).');
  const apiType = r.optString(t, 'api_type', 'llm_compute') ?? 'default';
  if (apiType !== 'default' && apiType !== 'open_ai') {
    r.fail('llm_compute.api_type', `unknown api_type "${apiType}"`, 'Use api_type = "default" (Spin\'s protocol) or api_type = "open_ai".');
  }
  return { type: 'remote_http', url, authToken, apiType };
}

function readModels(r: FieldReader, raw: Table, baseDir: string): Record<string, ModelTableEntry> {
  const models = r.optTable(raw, 'llm_models', '') ?? {};
  const out: Record<string, ModelTableEntry> = {};
  for (const [name, value] of Object.entries(models)) {
    const field = joinField('llm_models', name);
    if (!isValidModelTableName(name)) {
      r.fail(
        field,
        `the model name ${JSON.stringify(name)} cannot be used: a model name is also a directory name under the state directory, so it may hold ${MODEL_NAME_RULE}`,
        'Rename the table, e.g. [llm_models.llama-3-8b], and use that name in ai_models and requests.',
      );
    }
    const t = r.asTable(value, field);
    r.checkKeys(t, field, MODEL_KEYS);
    const kind = r.optString(t, 'kind', field) ?? 'completion';
    if (kind !== 'completion' && kind !== 'embedding') {
      r.fail(joinField(field, 'kind'), `unknown kind "${kind}"`, 'Use kind = "completion" (the default) or kind = "embedding".');
    }
    const entry: ModelTableEntry = { kind, ...readLocation(r, t, field, baseDir) };
    const sha256 = r.optString(t, 'sha256', field);
    if (sha256 !== undefined) {
      if (!/^[0-9a-fA-F]{64}$/.test(sha256)) {
        r.fail(
          joinField(field, 'sha256'),
          `bad sha256 "${sha256}": expected 64 hex digits`,
          'Compute it with `sha256sum <file>` and paste the hex digest (no "sha256:" prefix).',
        );
      }
      entry.sha256 = sha256.toLowerCase();
    }
    const chatTemplate = r.optString(t, 'chat_template', field);
    if (chatTemplate !== undefined) {
      if (chatTemplate.trim() === '')
        r.fail(
          joinField(field, 'chat_template'),
          'must not be empty',
          'Remove it to use the template in the GGUF file, or name one, e.g. chat_template = "llama2".',
        );
      entry.chatTemplate = chatTemplate;
    }
    const completionTemplate = r.optString(t, 'completion_template', field);
    if (completionTemplate !== undefined) {
      if (completionTemplate.trim() === '')
        r.fail(joinField(field, 'completion_template'), 'must not be empty', 'Remove it to send prompts as they are, or wrap them, e.g. "{{ prompt }}\\n".');
      entry.completionTemplate = completionTemplate;
    }
    const contextSize = r.optInt(t, 'context_size', field, 1);
    if (contextSize !== undefined) entry.contextSize = contextSize;
    const gpuLayers = r.optInt(t, 'gpu_layers', field, 0);
    if (gpuLayers !== undefined) entry.gpuLayers = gpuLayers;
    const systemPrompt = r.optString(t, 'system_prompt', field);
    if (systemPrompt !== undefined) entry.systemPrompt = systemPrompt;
    const promptCache = r.optInt(t, 'prompt_cache', field, 0);
    if (promptCache !== undefined) entry.promptCache = promptCache;
    const maxTokens = r.optInt(t, 'max_tokens', field, 1);
    if (maxTokens !== undefined) entry.maxTokens = maxTokens;
    const defaults = readDefaults(r, t, field);
    if (Object.keys(defaults).length > 0) entry.defaults = defaults;
    out[name] = entry;
  }
  return out;
}

/** The model's sampling defaults, with the ranges the request fields have (host/llm/params.ts). */
function readDefaults(r: FieldReader, t: Table, field: string): ModelDefaults {
  const number = (key: string, ok: (v: number) => boolean, range: string, example: string): number | undefined => {
    const v = t[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v))
      r.fail(joinField(field, key), `must be a number, not ${describeValue(v)}`, `Write it as ${key} = ${example}.`);
    if (!ok(v)) r.fail(joinField(field, key), `must be ${range}, not ${v}`, `Write it as ${key} = ${example}.`);
    return v;
  };
  const out: ModelDefaults = {};
  const temperature = number('temperature', (v) => v >= 0, '≥ 0 (0 means greedy)', '0.7');
  if (temperature !== undefined) out.temperature = temperature;
  const topK = r.optInt(t, 'top_k', field, 0);
  if (topK !== undefined) out.topK = topK;
  const topP = number('top_p', (v) => v >= 0 && v <= 1, 'within [0, 1]', '0.9');
  if (topP !== undefined) out.topP = topP;
  const repeatPenalty = number('repeat_penalty', (v) => v > 0, '> 0 (1 disables it)', '1.1');
  if (repeatPenalty !== undefined) out.repeatPenalty = repeatPenalty;
  return out;
}

/**
 * Where the model file is: `path` (a local file) or `source` (an http(s) URL downloaded into the
 * state dir, or a local path, then the same as `path`). Exactly one of them.
 */
function readLocation(r: FieldReader, t: Table, field: string, baseDir: string): { path: string } | { sourceUrl: string } {
  const file = r.optString(t, 'path', field);
  const source = r.optString(t, 'source', field);
  if (file !== undefined && source !== undefined) {
    r.fail(
      field,
      'gives both path and source',
      'Keep one: path = "<model>.gguf" for a file you have, or source = "https://…" to download it once into the state dir.',
    );
  }
  if (file === undefined && source === undefined) {
    r.fail(
      joinField(field, 'path'),
      'missing required key "path" (or "source")',
      'Add path = "<model>.gguf" (relative to the runtime config file) or source = "https://…/<model>.gguf" (or "hf:<user>/<repo>/<model>.gguf").',
    );
  }
  const value = (file ?? source)!;
  const key = file !== undefined ? 'path' : 'source';
  if (value.trim() === '') r.fail(joinField(field, key), 'must not be empty', 'Give the model file, e.g. path = "models/model.gguf".');
  if (key === 'source' && isHfUri(value)) {
    // hf:<user>/<repo>/<file>: node-llama-cpp's URI form, downloaded from the Hugging Face endpoint (hf-source.ts)
    try {
      return { sourceUrl: hfUrl(parseHfUri(value)) };
    } catch (err) {
      r.fail(joinField(field, 'source'), (err as Error).message, 'For example source = "hf:TheBloke/Llama-2-7B-Chat-GGUF/llama-2-7b-chat.Q4_K_M.gguf".');
    }
  }
  if (key === 'source' && /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      r.fail(
        joinField(field, 'source'),
        `"${value}" is not an http(s) URL`,
        'Use an https:// (or http://) URL, or a local path relative to the runtime config file.',
      );
    }
    return { sourceUrl: url.href };
  }
  return { path: path.resolve(baseDir, value) };
}
