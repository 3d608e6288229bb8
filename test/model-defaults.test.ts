/**
 * Per-model sampling defaults (docs/ai.md, "Per-model defaults"): the model table's temperature,
 * top_k, top_p and repeat_penalty apply where a request does not choose — on the OpenAI API a
 * field left out, on fermyon:spin/llm a field left at Spin's default (or no params at all) —
 * and a value the request chooses always wins. On tiny-predictable, greedy "a" gives the rest
 * of the alphabet; temperature 2 with top-p 1 visibly does not (gguf/predictable.ts).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generate } from './support/models.js';
import { startSpinWithOpenAi } from './support/serve.js';
import { guest, tempDir, writeApp, type RunningSpin } from './support/spin.js';

const ALPHABET = 'bcdefghijklmnopqrstuvwxyz';
const SPIN_DEFAULTS = { maxTokens: 25, repeatPenalty: 1.1, repeatPenaltyLastNTokenCount: 64, temperature: 0.8, topK: 40, topP: 0.9 };

let spin: RunningSpin & { openaiUrl: string };

before(async () => {
  const dir = await tempDir('spin-ts-model-defaults-');
  const p = await generate('tiny-predictable', join(dir, 'p.gguf'));
  await writeFile(
    join(dir, 'rc.toml'),
    `[llm_models.plain]\npath = "${p}"\n\n[llm_models.hot]\npath = "${p}"\ntemperature = 2.0\ntop_p = 1.0\n\n[llm_models.greedy]\npath = "${p}"\ntop_k = 1\n`,
  );
  const manifest = await writeApp(`
spin_manifest_version = 2
[application]
name = "model-defaults"
[[trigger.http]]
route = "/js/..."
component = "js"
[component.js]
source = "${guest('js-llm')}"
ai_models = ["plain", "hot", "greedy"]
`);
  spin = await startSpinWithOpenAi(['-f', manifest, '--runtime-config-file', join(dir, 'rc.toml'), '--llm-threads', '1', '--llm-seed', '99']);
});
after(async () => spin?.stop());

async function completion(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${spin.openaiUrl}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'a', max_tokens: 25, seed: 7, ...body }),
  });
  const j = (await res.json()) as { choices: Array<{ text: string }> };
  assert.equal(res.status, 200, JSON.stringify(j));
  return j.choices[0]!.text;
}

async function infer(model: string, params?: Record<string, number>): Promise<string> {
  const res = await fetch(`${spin.url}/js/infer`, { method: 'POST', body: JSON.stringify({ model, prompt: 'a', params }) });
  const j = (await res.json()) as { text: string };
  assert.equal(res.status, 200, JSON.stringify(j));
  return j.text;
}

describe('OpenAI API: the model table fills what the request leaves out', () => {
  test("temperature and top_p left out: the model's 2.0 and 1.0, not OpenAI's 1 and 1", async () => {
    const hot = await completion({ model: 'hot' });
    assert.notEqual(hot, ALPHABET);
    assert.equal(hot, await completion({ model: 'plain', temperature: 2, top_p: 1 }));
    assert.notEqual(hot, await completion({ model: 'plain' }));
  });

  test('a value the request gives wins over the model default', async () => {
    assert.equal(await completion({ model: 'hot', temperature: 0 }), ALPHABET);
  });

  test("top_k left out: the model's top_k 1 makes any temperature greedy", async () => {
    assert.equal(await completion({ model: 'greedy', temperature: 2, top_p: 1 }), ALPHABET);
    assert.notEqual(await completion({ model: 'plain', temperature: 2, top_p: 1 }), ALPHABET);
    assert.notEqual(await completion({ model: 'greedy', temperature: 2, top_p: 1, top_k: 0 }), ALPHABET);
  });
});

describe("fermyon:spin/llm: fields at Spin's defaults take the model table's", () => {
  test("params equal to Spin's defaults (what the SDKs send when the app chose none)", async () => {
    const hot = await infer('hot', SPIN_DEFAULTS);
    assert.notEqual(hot, ALPHABET);
    assert.equal(hot, await infer('plain', { ...SPIN_DEFAULTS, temperature: 2, topP: 1 }));
    // Spin's defaults on a model without defaults: greedy on this model (top-p 0.9 keeps one token)
    assert.equal(await infer('plain', SPIN_DEFAULTS), ALPHABET);
  });

  test('no params at all (none)', async () => {
    assert.equal(await infer('hot'), await infer('plain', { ...SPIN_DEFAULTS, maxTokens: 100, temperature: 2, topP: 1 }));
  });

  test('a field the app set to another value wins', async () => {
    assert.equal(await infer('hot', { ...SPIN_DEFAULTS, temperature: 0 }), ALPHABET);
  });
});
