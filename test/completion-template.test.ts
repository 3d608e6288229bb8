/**
 * The model table's `completion_template` (host/openai/completion-template.ts) through
 * `spin-ts models serve` on the predictable model, whose greedy text follows the prompt's last
 * character: a template ending in "x" turns "a" (→ "bcdef…") into "yz". It wraps
 * /v1/completions only; Spin's /infer gets the prompt as sent. A template that cannot render
 * stops the start, naming the model.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { runCli, tempDir } from './support/spin.js';

let dir: string;
let model: string;

before(async () => {
  dir = await tempDir('spin-ts-completion-template-');
  model = (await generateModel('tiny-predictable', join(dir, 'p.gguf'))).path;
});

async function config(name: string, template: string): Promise<string> {
  const file = join(dir, `${name}.toml`);
  await writeFile(file, `[llm_models.p]\npath = "${model}"\ncompletion_template = ${JSON.stringify(template)}\nsystem_prompt = "x"\n`);
  return file;
}

describe('completion_template', () => {
  let s: RunningServer;
  before(async () => {
    // the model's system_prompt ("x") is available to the template as system_prompt
    const rc = await config('ok', '{{ prompt }}{{ system_prompt }}');
    s = await startModelsServe(['--runtime-config-file', rc, '--gpu', 'cpu', '--llm-threads', '1']);
  });
  after(() => s?.stop());

  test('/v1/completions renders the prompt through it', async () => {
    const res = await fetch(`${s.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'p', prompt: 'a', max_tokens: 5, temperature: 0 }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { choices: Array<{ text: string }>; usage: { prompt_tokens: number } };
    // "a" + "x" → "yz", then end of text; BOS + 2 characters
    assert.equal(body.choices[0]!.text, 'yz');
    assert.equal(body.usage.prompt_tokens, 3);
  });

  test("Spin's /infer is not templated", async () => {
    const res = await fetch(`${s.url}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'p', prompt: 'a', options: { maxTokens: 5, temperature: 0 } }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { text: string }).text, 'bcdef');
  });
});

describe('a completion_template that cannot render stops the start', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['go', '### Input:\n{{.Input}}\n### Response:', /Go template/],
    ['syntax', '{{ prompt ', /Unexpected end of input/],
    ['no-prompt', 'Answer briefly.', /does not contain the request's prompt/],
  ];
  for (const [name, template, why] of cases) {
    test(name, async () => {
      const rc = await config(name, template);
      const r = await runCli(['models', 'serve', '--listen', '127.0.0.1:0', '--runtime-config-file', rc, '--gpu', 'cpu']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /llm_models\.p\.completion_template cannot render/);
      assert.match(r.stderr, why);
    });
  }

  test('an empty one is refused when the config is read', async () => {
    const rc = await config('empty', ' ');
    const r = await runCli(['models', 'serve', '--listen', '127.0.0.1:0', '--runtime-config-file', rc, '--gpu', 'cpu']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /completion_template.*must not be empty/);
  });
});
