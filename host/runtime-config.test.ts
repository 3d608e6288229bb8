import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManifestError } from './app/errors.js';
import { loadRuntimeConfig as loadSections } from './app/runtime-config.js';
import { appFactors, runtimeConfigOwners } from './factors/index.js';
import type { LlmRuntimeConfig } from './llm/runtime-config.js';
import { openAiRuntimeConfig, type OpenAiRuntimeConfig } from './openai/config.js';

/** The runtime config as `spin-ts up` reads it (every factor's sections and [openai]), flattened for the assertions. */
async function loadRuntimeConfig(file?: string) {
  const owners = [...runtimeConfigOwners(appFactors({ llmEngine: () => Promise.reject(new Error('unused')) })), openAiRuntimeConfig];
  const { sections, ...config } = await loadSections(file, owners);
  return { ...config, ...(sections['llm'] as LlmRuntimeConfig), openai: sections['openai'] as OpenAiRuntimeConfig };
}

async function writeConfig(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'spin-ts-rtc-'));
  const file = path.join(dir, 'runtime-config.toml');
  await writeFile(file, text);
  return file;
}

async function rejects(text: string, field: string, ...fragments: string[]): Promise<ManifestError> {
  const file = await writeConfig(text);
  let err: unknown;
  try {
    await loadRuntimeConfig(file);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ManifestError, `expected a ManifestError, got ${String(err)}`);
  assert.equal(err.file, file);
  assert.equal(err.field, field);
  assert.ok(err.message.startsWith(file), err.message);
  if (field) assert.ok(err.message.includes(`: ${field}`), err.message);
  assert.ok(err.fix.length > 0 && err.message.includes(err.fix.replace(/\.$/, '')), err.message);
  for (const f of fragments) assert.ok(err.message.includes(f), `"${f}" not in: ${err.message}`);
  return err;
}

const SHA = '08a5566d61d7cb6b420c3e4387a39e0078e1f2fe5f055f3a03887385304d4bfa';

test('no path gives the defaults', async () => {
  const config = await loadRuntimeConfig();
  assert.deepEqual(config, { baseDir: process.cwd(), llmCompute: { type: 'spin' }, llmModels: {}, openai: { apiKeys: [] }, raw: {} });
});

test('a full runtime config is parsed and paths resolve against its directory', async () => {
  const file = await writeConfig(`state_dir = "state"

[llm_compute]
type = "remote_http"
url = "https://llm.example.com/some/path"
auth_token = "secret"
api_type = "open_ai"

[llm_models.llama2-chat]
path = "models/llama.gguf"
sha256 = "${SHA.toUpperCase()}"
chat_template = "llama2"
context_size = 4096
gpu_layers = 0

[llm_models.all-minilm-l6-v2]
path = "/abs/minilm.gguf"
kind = "embedding"

[openai]
api_keys = ["k1", "k2"]
`);
  const dir = path.dirname(file);
  const config = await loadRuntimeConfig(file);
  assert.equal(config.path, file);
  assert.equal(config.baseDir, dir);
  assert.equal(config.stateDir, path.join(dir, 'state'));
  assert.deepEqual(config.llmCompute, { type: 'remote_http', url: 'https://llm.example.com/some/path', authToken: 'secret', apiType: 'open_ai' });
  assert.deepEqual(config.llmModels, {
    'llama2-chat': { path: path.join(dir, 'models/llama.gguf'), kind: 'completion', sha256: SHA, chatTemplate: 'llama2', contextSize: 4096, gpuLayers: 0 },
    'all-minilm-l6-v2': { path: '/abs/minilm.gguf', kind: 'embedding' },
  });
  assert.deepEqual(config.openai, { apiKeys: ['k1', 'k2'] });
});

test('llm_compute: spin, and remote_http with the default api_type', async () => {
  const spin = await loadRuntimeConfig(await writeConfig('[llm_compute]\ntype = "spin"\n'));
  assert.deepEqual(spin.llmCompute, { type: 'spin' });
  assert.equal(spin.stateDir, undefined);
  const remote = await loadRuntimeConfig(await writeConfig('[llm_compute]\ntype = "remote_http"\nurl = "http://127.0.0.1:9000"\nauth_token = "t"\n'));
  assert.deepEqual(remote.llmCompute, { type: 'remote_http', url: 'http://127.0.0.1:9000', authToken: 't', apiType: 'default' });
});

test('a missing runtime config file is an error', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'spin-ts-rtc-'));
  const file = path.join(dir, 'nope.toml');
  await assert.rejects(loadRuntimeConfig(file), (e: unknown) => {
    assert.ok(e instanceof ManifestError);
    assert.equal(e.file, file);
    assert.match(e.message, /not found.*--runtime-config-file/);
    return true;
  });
});

test('TOML syntax errors carry line and column', async () => {
  const err = await rejects('[llm_compute]\ntype = \n', '', 'invalid TOML');
  assert.equal(err.line, 2);
});

test('unknown keys are rejected', async () => {
  const err = await rejects('state_dir = "x"\nllm_model = {}\n', 'llm_model', 'unknown key "llm_model"', 'Did you mean "llm_models"?', 'openai');
  assert.equal(err.line, 2);
  await rejects('[llm_models.m]\npath = "m.gguf"\ncontext = 5\n', 'llm_models.m.context', 'unknown key "context"', 'context_size');
  await rejects('[llm_compute]\ntype = "spin"\nurl = "http://x"\n', 'llm_compute.url', 'unknown key "url"');
  await rejects('[openai]\nkeys = ["a"]\n', 'openai.keys', 'Did you mean "api_keys"?');
});

test('bad llm_compute values', async () => {
  await rejects('[llm_compute]\nurl = "http://x"\n', 'llm_compute.type', 'missing required key "type"');
  await rejects('[llm_compute]\ntype = "cloud"\n', 'llm_compute.type', 'unknown llm_compute type "cloud"', 'remote_http');
  await rejects('[llm_compute]\ntype = "remote_http"\nauth_token = "t"\n', 'llm_compute.url', 'missing required key "url"');
  await rejects('[llm_compute]\ntype = "remote_http"\nurl = "http://x"\n', 'llm_compute.auth_token', 'missing required key "auth_token"');
  await rejects('[llm_compute]\ntype = "remote_http"\nurl = "not a url"\nauth_token = "t"\n', 'llm_compute.url', 'not an http(s) URL');
  await rejects(
    '[llm_compute]\ntype = "remote_http"\nurl = "http://x"\nauth_token = "t"\napi_type = "anthropic"\n',
    'llm_compute.api_type',
    'unknown api_type "anthropic"',
    'open_ai',
  );
});

test('bad model table entries', async () => {
  await rejects('[llm_models.m]\nkind = "completion"\n', 'llm_models.m.path', 'missing required key "path"');
  await rejects('[llm_models.m]\npath = "m.gguf"\nsha256 = "abc"\n', 'llm_models.m.sha256', 'bad sha256 "abc"', '64 hex');
  await rejects(`[llm_models.m]\npath = "m.gguf"\nsha256 = "sha256:${SHA}"\n`, 'llm_models.m.sha256', 'bad sha256');
  await rejects('[llm_models.m]\npath = "m.gguf"\nkind = "chat"\n', 'llm_models.m.kind', 'unknown kind "chat"', 'embedding');
  await rejects('[llm_models.m]\npath = "m.gguf"\ncontext_size = "4096"\n', 'llm_models.m.context_size', 'must be an integer, not a string');
  await rejects('[llm_models.m]\npath = "m.gguf"\ncontext_size = 0\n', 'llm_models.m.context_size', 'at least 1');
  await rejects('[llm_models.m]\npath = "m.gguf"\ngpu_layers = -1\n', 'llm_models.m.gpu_layers', 'at least 0');
  await rejects('[llm_models]\nm = "m.gguf"\n', 'llm_models.m', 'must be a table, not a string');
});

test('bad openai and state_dir values', async () => {
  await rejects('[openai]\napi_keys = "k"\n', 'openai.api_keys', 'must be a list of strings');
  await rejects('[openai]\napi_keys = ["k", ""]\n', 'openai.api_keys[1]', 'must not be empty');
  await rejects('state_dir = 3\n', 'state_dir', 'must be a string, not an integer');
});

test('a section Spin has and spin-ts does not implement is a clear start-up error, never silence', async () => {
  for (const [text, section, what] of [
    ['[[variables_provider]]\ntype = "vault"\nurl = "http://127.0.0.1:8200"\n', 'variables_provider', 'variables providers'],
    ['log_dir = "logs"\n', 'log_dir', 'writing component logs'],
  ] as const) {
    await rejects(text, section, `spin-ts does not support ${what}`, `Remove [${section}]`);
  }
});
