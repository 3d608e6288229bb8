/**
 * fermyon:spin/llm through real components (js-llm over wasi:http, rust-llm over
 * inbound-http) and the real llama.cpp engine on generated models.
 * The `tiny-predictable` model's greedy output is known exactly: after "a" comes
 * "bcdefghijklmnopqrstuvwxyz" then end-of-sequence; digits cycle forever.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generate, generateIntoStateDir } from './support/models.js';
import { guest, startSpin, tempDir, writeApp, type RunningSpin } from './support/spin.js';

const DENIED = (m: string) =>
  `The component does not have access to use '${m}'. To give the component access, add '${m}' to the 'ai_models' key for the component in your spin.toml manifest`;

let spin: RunningSpin;
let dir: string;

interface InferReply {
  text: string;
  usage: { promptTokenCount: number; generatedTokenCount: number };
  error?: { kind: string; message: string | null };
}

async function infer(
  prompt: string,
  params?: Partial<Record<string, number>>,
  model = 'llama2-chat',
  path = '/js/infer',
  signal?: AbortSignal,
): Promise<{ status: number; body: InferReply }> {
  const res = await fetch(spin.url + path, { method: 'POST', body: JSON.stringify({ model, prompt, params }), signal });
  return { status: res.status, body: (await res.json()) as InferReply };
}

const GREEDY = { maxTokens: 100, repeatPenalty: 1, repeatPenaltyLastNTokenCount: 64, temperature: 0, topK: 40, topP: 1 };

before(async () => {
  dir = await tempDir('spin-ts-llm-');
  const state = join(dir, 'state');
  await generateIntoStateDir('tiny-predictable', state, 'llama2-chat');
  const bert = await generate('tiny-bert', join(dir, 'models', 'bert.gguf'));
  const predictable = join(state, 'ai-models', 'llama', 'llama2-chat', 'model.gguf');
  const digest = createHash('sha256')
    .update(await readFile(predictable))
    .digest('hex');
  await writeFile(
    join(dir, 'runtime-config.toml'),
    `[llm_models.all-minilm-l6-v2]
path = "models/bert.gguf"
kind = "embedding"

[llm_models.checked]
path = "${predictable}"
sha256 = "${digest}"

[llm_models.tampered]
path = "${predictable}"
sha256 = "${'0'.repeat(64)}"
`,
  );
  assert.ok(bert);
  const manifest = await writeApp(`
spin_manifest_version = 2
[application]
name = "llm-app"

[variables]
api_host = { default = "example.com" }
token = { required = true, secret = true }

[[trigger.http]]
route = "/js/..."
component = "js"

[[trigger.http]]
route = "/rust/..."
component = "rust"

[[trigger.http]]
route = "/none/..."
component = "none"

[component.js]
source = "${guest('js-llm')}"
ai_models = ["llama2-chat", "all-minilm-l6-v2", "checked", "tampered", "ghost"]
variables = { api_url = "https://{{ api_host }}/v1", token = "{{ token }}" }

[component.rust]
source = "${guest('rust-llm')}"
ai_models = ["llama2-chat", "all-minilm-l6-v2"]
variables = { api_url = "https://{{ api_host }}/rust" }

[component.none]
source = "${guest('js-llm')}"
`);
  spin = await startSpin(
    ['-f', manifest, '--state-dir', state, '--runtime-config-file', join(dir, 'runtime-config.toml'), '--llm-threads', '1', '--llm-seed', '1234'],
    { env: { SPIN_VARIABLE_TOKEN: 'tok-secret-value' } },
  );
});
after(async () => spin?.stop());

describe('infer through a JS guest', () => {
  test('exact greedy text and token counts', async () => {
    const r = await infer('a', GREEDY);
    assert.equal(r.status, 200);
    assert.equal(r.body.text, 'bcdefghijklmnopqrstuvwxyz');
    assert.deepEqual(r.body.usage, { promptTokenCount: 2, generatedTokenCount: 25 });
  });

  test('stops at end-of-sequence', async () => {
    const r = await infer('x', GREEDY);
    assert.equal(r.body.text, 'yz');
    assert.equal(r.body.usage.generatedTokenCount, 2);
  });

  test('max-tokens is honoured exactly', async () => {
    const r = await infer('a', { ...GREEDY, maxTokens: 5 });
    assert.equal(r.body.text, 'bcdef');
    assert.equal(r.body.usage.generatedTokenCount, 5);
    const digits = await infer('0', { ...GREEDY, maxTokens: 37 });
    assert.equal(digits.body.usage.generatedTokenCount, 37);
    assert.equal(digits.body.text, '1234567890'.repeat(4).slice(0, 37));
  });

  test('Spin defaults apply when params are absent', async () => {
    const r = await infer('a');
    assert.equal(r.status, 200);
    // The defaults (temperature 0.8, top-p 0.9) keep this model's peaked output greedy.
    assert.equal(r.body.text, 'bcdefghijklmnopqrstuvwxyz');
    const digits = await infer('0');
    assert.equal(digits.body.usage.generatedTokenCount, 100, 'default max-tokens is 100');
  });

  test("fields the guest leaves out of params take Spin's defaults (not NaN)", async () => {
    const digits = await infer('0', { maxTokens: 24 });
    assert.equal(digits.status, 200, JSON.stringify(digits.body));
    assert.equal(digits.body.usage.generatedTokenCount, 24);
    // the defaults (temperature 0.8, top-k 40, top-p 0.9) keep this peaked model greedy
    assert.equal(digits.body.text, '1234567890'.repeat(3).slice(0, 24));
    const greedy = await infer('a', { temperature: 0 });
    assert.equal(greedy.status, 200, JSON.stringify(greedy.body));
    assert.equal(greedy.body.text, 'bcdefghijklmnopqrstuvwxyz');
  });

  test('temperature samples (seeded by --llm-seed, so reproducible) and top-k 1 is greedy', async () => {
    const hot = { ...GREEDY, temperature: 2, topK: 0, topP: 1, maxTokens: 20 };
    const a = await infer('a', hot);
    const b = await infer('a', hot);
    assert.equal(a.body.text, b.body.text, 'same seed, same text');
    assert.notEqual(a.body.text, 'bcdefghijklmnopqrstu', 'temperature 2 leaves the greedy path');
    const topK1 = await infer('a', { ...hot, topK: 1 });
    assert.equal(topK1.body.text, 'bcdefghijklmnopqrstu');
  });

  test('repeat-penalty over the last N tokens changes the output', async () => {
    const plain = await infer('abcab', GREEDY);
    assert.equal(plain.body.text, 'cdefghijklmnopqrstuvwxyz');
    const penalised = await infer('abcab', { ...GREEDY, repeatPenalty: 3 });
    assert.equal(penalised.body.text, 'defghijklmnopqrstuvwxyz');
    const shortWindow = await infer('abcab', { ...GREEDY, repeatPenalty: 3, repeatPenaltyLastNTokenCount: 1 });
    assert.equal(shortWindow.body.text, 'cdefghijklmnopqrstuvwxyz', 'a window of 1 does not see the earlier "c"');
  });

  test("a model not in ai_models is denied with Spin's exact message", async () => {
    const r = await infer('a', GREEDY, 'llama2-chat', '/none/infer');
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.error, { kind: 'invalid-input', message: DENIED('llama2-chat') });
    const other = await infer('a', GREEDY, 'codellama-instruct');
    assert.deepEqual(other.body.error, { kind: 'invalid-input', message: DENIED('codellama-instruct') });
  });

  test('an allowed model with no backend is model-not-supported', async () => {
    const r = await infer('a', GREEDY, 'ghost');
    assert.equal(r.status, 404);
    assert.equal(r.body.error?.kind, 'model-not-supported');
  });

  test('out-of-range params are invalid-input', async () => {
    for (const bad of [{ topP: 1.5 }, { maxTokens: 0 }, { temperature: -1 }, { repeatPenalty: 0 }, { maxTokens: 1_000_000 }]) {
      const r = await infer('a', { ...GREEDY, ...bad });
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(r.body.error?.kind, 'invalid-input', JSON.stringify(bad));
    }
  });

  test('a model table sha256 is verified: a match loads, a mismatch is refused with both digests', async () => {
    assert.equal((await infer('x', GREEDY, 'checked')).body.text, 'yz');
    const r = await infer('x', GREEDY, 'tampered');
    assert.equal(r.status, 500);
    assert.equal(r.body.error?.kind, 'runtime-error');
    assert.match(r.body.error!.message!, /0{64}/);
    assert.match(r.body.error!.message!, /[0-9a-f]{64}/);
  });

  test('8 concurrent calls are all answered correctly', async () => {
    const prompts = ['a', 'x', 'm', 'q', 'a', 'u', 'w', 'y'];
    const rs = await Promise.all(prompts.map((p) => infer(p, GREEDY)));
    const expected = (p: string) => 'abcdefghijklmnopqrstuvwxyz'.slice('abcdefghijklmnopqrstuvwxyz'.indexOf(p) + 1);
    rs.forEach((r, i) => assert.equal(r.body.text, expected(prompts[i]), prompts[i]));
  });
});

describe('embeddings through a JS guest', () => {
  test('one unit-norm vector per input, with the prompt token count', async () => {
    const res = await fetch(`${spin.url}/js/embed`, {
      method: 'POST',
      body: JSON.stringify({ model: 'all-minilm-l6-v2', input: ['hello world', 'a b c', 'x'] }),
    });
    assert.equal(res.status, 200);
    const j = (await res.json()) as { count: number; dimension: number; norms: number[]; embeddings: number[][]; usage: { promptTokenCount: number } };
    assert.equal(j.count, 3);
    assert.equal(j.dimension, 64);
    for (const n of j.norms) assert.ok(Math.abs(n - 1) < 1e-4, `norm ${n}`);
    assert.ok(j.usage.promptTokenCount > 3);
    assert.notDeepEqual(j.embeddings[0], j.embeddings[1]);
  });
});

describe('a Rust guest calling the real engine', () => {
  test('infer with explicit params and with none', async () => {
    const res = await fetch(`${spin.url}/rust/infer`, { method: 'POST', body: 'x', headers: { 'x-temperature': '0', 'x-max-tokens': '10' } });
    assert.equal(res.status, 200);
    const j = (await res.json()) as { text: string; usage: { prompt_token_count: number; generated_token_count: number } };
    assert.equal(j.text, 'yz');
    assert.deepEqual(j.usage, { prompt_token_count: 2, generated_token_count: 2 });
    const defaults = (await (await fetch(`${spin.url}/rust/infer`, { method: 'POST', body: 'a' })).json()) as { text: string };
    assert.equal(defaults.text, 'bcdefghijklmnopqrstuvwxyz');
  });

  test('embeddings', async () => {
    const res = await fetch(`${spin.url}/rust/embed`, { method: 'POST', body: 'hello\nworld' });
    assert.equal(res.status, 200);
    const j = (await res.json()) as { count: number; dimension: number; norms: number[] };
    assert.equal(j.count, 2);
    assert.equal(j.dimension, 64);
    for (const n of j.norms) assert.ok(Math.abs(n - 1) < 1e-4);
  });

  test('a model it may not use is denied', async () => {
    const res = await fetch(`${spin.url}/rust/infer`, { method: 'POST', body: 'a', headers: { 'x-model': 'checked' } });
    assert.equal(res.status, 400);
    const j = (await res.json()) as { error: string; message: string };
    assert.equal(j.error, 'invalid-input');
    assert.ok(j.message.endsWith(DENIED('checked')), j.message);
  });
});

describe('variables', () => {
  test('component templates render from defaults and from SPIN_VARIABLE_*', async () => {
    const url = (await (await fetch(`${spin.url}/js/variable/api_url`)).json()) as { value: string };
    assert.equal(url.value, 'https://example.com/v1');
    const token = (await (await fetch(`${spin.url}/js/variable/token`)).json()) as { value: string };
    assert.equal(token.value, 'tok-secret-value');
    assert.equal(await (await fetch(`${spin.url}/rust/variable/api_url`)).text(), 'https://example.com/rust');
  });

  test('a variable the component does not declare is undefined; a bad name is invalid-name', async () => {
    const res = await fetch(`${spin.url}/js/variable/api_host`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { kind: string } }).error.kind, 'undefined');
    assert.equal((await fetch(`${spin.url}/rust/variable/Bad-Name`)).status, 400);
  });

  test('secrets never reach the log', () => {
    assert.doesNotMatch(spin.output(), /tok-secret-value/);
  });
});
