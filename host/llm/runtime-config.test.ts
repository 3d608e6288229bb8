/** The model table's serving keys (prompt_cache), read as `spin-ts up` and `models serve` read them. */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ManifestError } from '../app/errors.js';
import { loadRuntimeConfig } from '../app/runtime-config.js';
import { llmRuntimeConfig, type LlmRuntimeConfig } from './runtime-config.js';

async function read(text: string): Promise<LlmRuntimeConfig> {
  const dir = await mkdtemp(path.join(tmpdir(), 'spin-ts-llm-rtc-'));
  const file = path.join(dir, 'runtime-config.toml');
  await writeFile(file, text);
  return (await loadRuntimeConfig(file, [llmRuntimeConfig])).sections['llm'] as LlmRuntimeConfig;
}

async function rejects(text: string, field: string, fragment: string): Promise<void> {
  await assert.rejects(read(text), (err: unknown) => {
    assert.ok(err instanceof ManifestError, `expected a ManifestError, got ${String(err)}`);
    assert.equal(err.field, field);
    assert.ok(err.message.includes(fragment), err.message);
    return true;
  });
}

test('prompt_cache: the number of cached prompt prefixes of a model, 0 turns it off', async () => {
  const config = await read(
    '[llm_models.a]\npath = "/m.gguf"\nprompt_cache = 4\n[llm_models.b]\npath = "/m.gguf"\nprompt_cache = 0\n[llm_models.c]\npath = "/m.gguf"\n',
  );
  assert.equal(config.llmModels['a']!.promptCache, 4);
  assert.equal(config.llmModels['b']!.promptCache, 0);
  assert.equal(config.llmModels['c']!.promptCache, undefined);
  await rejects('[llm_models.m]\npath = "m.gguf"\nprompt_cache = -1\n', 'llm_models.m.prompt_cache', 'at least 0');
  await rejects('[llm_models.m]\npath = "m.gguf"\nprompt_cache = "on"\n', 'llm_models.m.prompt_cache', 'must be an integer');
});

test("temperature, top_k, top_p, repeat_penalty: the model's sampling defaults, checked like request fields", async () => {
  const config = await read(
    '[llm_models.a]\npath = "/m.gguf"\ntemperature = 0.2\ntop_k = 20\ntop_p = 0.95\nrepeat_penalty = 1\n[llm_models.b]\npath = "/m.gguf"\n',
  );
  assert.deepEqual(config.llmModels['a']!.defaults, { temperature: 0.2, topK: 20, topP: 0.95, repeatPenalty: 1 });
  assert.equal(config.llmModels['b']!.defaults, undefined);
  await rejects('[llm_models.m]\npath = "m.gguf"\ntemperature = -0.5\n', 'llm_models.m.temperature', 'must be ≥ 0');
  await rejects('[llm_models.m]\npath = "m.gguf"\ntemperature = "hot"\n', 'llm_models.m.temperature', 'must be a number');
  await rejects('[llm_models.m]\npath = "m.gguf"\ntop_p = 1.5\n', 'llm_models.m.top_p', 'within [0, 1]');
  await rejects('[llm_models.m]\npath = "m.gguf"\ntop_k = 0.5\n', 'llm_models.m.top_k', 'must be an integer');
  await rejects('[llm_models.m]\npath = "m.gguf"\nrepeat_penalty = 0\n', 'llm_models.m.repeat_penalty', 'must be > 0');
});
