/**
 * The request shapes of issue #27 that once 404'd, through `spin-ts models serve`:
 *  - seed 002: the API under a prefix (--api-prefix /api/v1/ai) with /chat/completions at its root,
 *    called with curl's body and with the openai client's baseURL;
 *  - seed 004: Hugging Face's /models/<id>/v1/chat/completions, and calls naming a model this
 *    server does not serve (the HF repo id, "tgi"), answered by the one served model as TGI and
 *    llama-server do;
 *  - Hugging Face's feature-extraction {"inputs"} on /pipeline/feature-extraction/<id> and
 *    /models/<id>/pipeline/feature-extraction (the paths @huggingface/inference posts to).
 * Model p is tiny-predictable with a template concatenating the messages ("a" → "bcd…").
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { tempDir } from './support/spin.js';

const TEMPLATE = 'chat_template = "{% for m in messages %}{{ m.content }}{% endfor %}"';
let dir: string;
let p: string;
let bert: string;

before(async () => {
  dir = await tempDir('spin-ts-shapes-');
  p = (await generateModel('tiny-predictable', join(dir, 'p.gguf'))).path;
  bert = (await generateModel('tiny-bert', join(dir, 'bert.gguf'))).path;
});

async function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe('one model, under --api-prefix /api/v1/ai', () => {
  let server: RunningServer;
  let origin: string;

  before(async () => {
    await writeFile(join(dir, 'one.toml'), `[llm_models.p]\npath = "${p}"\n${TEMPLATE}\n`);
    server = await startModelsServe(['--runtime-config-file', join(dir, 'one.toml'), '--api-prefix', '/api/v1/ai', '--gpu', 'cpu', '--llm-threads', '1'], {
      cwd: dir,
    });
    origin = new URL(server.url).origin;
  });

  after(async () => {
    await server?.stop();
  });

  test('the startup line names the prefixed base URL', () => {
    assert.equal(server.url, `${origin}/api/v1/ai`);
  });

  test("seed 002's curl: POST /api/v1/ai/chat/completions with its body", async () => {
    const r = await post(`${origin}/api/v1/ai/chat/completions`, {
      messages: [
        { role: 'system', content: '' },
        { role: 'user', content: 'a' },
      ],
      model: 'meta-llama-3-8b-instruct',
      stream: false,
      maxTokens: 4,
      temperature: 0,
      topP: 0.02,
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.choices[0].message.content, 'bcde');
    assert.equal(r.json.model, 'p');
  });

  test("seed 002's openai client: baseURL <origin>/api/v1/ai, streamed", async () => {
    const client = new OpenAI({ baseURL: `${origin}/api/v1/ai`, apiKey: 'none', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: '$model',
      messages: [{ role: 'user', content: 'a' }],
      max_tokens: 3,
      temperature: 0,
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'bcd');
  });

  test('with a prefix, nothing answers outside it', async () => {
    const r = await post(`${origin}/v1/chat/completions`, { model: 'p', messages: [{ role: 'user', content: 'a' }] });
    assert.equal(r.status, 404);
    assert.equal((await fetch(`${origin}/api/v1/ai/health`)).status, 200);
  });

  test('seed 004: /models/<hf repo id>/v1/chat/completions is answered by the served model', async () => {
    const id = 'meta-llama/Meta-Llama-3.1-8B-Instruct';
    const r = await post(`${origin}/api/v1/ai/models/${id}/v1/chat/completions`, {
      model: id,
      messages: [{ role: 'user', content: 'a' }],
      max_tokens: 3,
      stream: false,
      temperature: 0,
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.choices[0].message.content, 'bcd');
  });

  test('a body naming no model, or "tgi", gets the one served model', async () => {
    for (const model of [undefined, 'tgi']) {
      const r = await post(`${origin}/api/v1/ai/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'a' }], max_tokens: 2, temperature: 0 });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json.choices[0].message.content, 'bc');
    }
  });
});

describe('two models: the URL names the model, HF feature extraction', () => {
  let server: RunningServer;

  before(async () => {
    await writeFile(
      join(dir, 'two.toml'),
      `[llm_models.p]\npath = "${p}"\n${TEMPLATE}\ncontext_size = 128\n\n[llm_models.bert]\npath = "${bert}"\nkind = "embedding"\n`,
    );
    server = await startModelsServe(['--runtime-config-file', join(dir, 'two.toml'), '--gpu', 'cpu', '--llm-threads', '1'], { cwd: dir });
  });

  after(async () => {
    await server?.stop();
  });

  test("/models/p/v1/chat/completions with no model in the body uses the URL's", async () => {
    const r = await post(`${server.url}/models/p/v1/chat/completions`, { messages: [{ role: 'user', content: 'a' }], max_tokens: 2, temperature: 0 });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.choices[0].message.content, 'bc');
    assert.equal(r.json.model, 'p');
  });

  test('with no cap, a chat that sets no limit runs to the end of the context, and the log says so', async () => {
    const r = await post(`${server.url}/v1/chat/completions`, { model: 'p', messages: [{ role: 'user', content: '0' }], temperature: 0 });
    assert.equal(r.json.choices[0].finish_reason, 'length');
    assert.ok(r.json.usage.completion_tokens > 100, JSON.stringify(r.json.usage));
    assert.match(
      server.output(),
      new RegExp(`request on 'p' set no max_tokens and generated ${r.json.usage.completion_tokens} tokens, to the end of the context`),
    );
  });

  test('with two models served, an unknown model is still a 404', async () => {
    const r = await post(`${server.url}/v1/chat/completions`, { model: 'tgi', messages: [{ role: 'user', content: 'a' }] });
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 'model_not_found');
  });

  test('{"inputs"} on both HF feature-extraction paths gives the vectors /v1/embeddings gives', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const want = (await client.embeddings.create({ model: 'bert', input: ['hello', 'world'] })).data.map((d) => d.embedding);
    const one = await post(`${server.url}/pipeline/feature-extraction/bert`, { inputs: 'hello', options: { wait_for_model: true } });
    assert.equal(one.status, 200, JSON.stringify(one.json));
    assert.equal(one.json.length, want[0]!.length);
    one.json.forEach((x: number, i: number) => assert.ok(Math.abs(x - want[0]![i]!) < 1e-5));
    const two = await post(`${server.url}/models/bert/pipeline/feature-extraction`, { inputs: ['hello', 'world'] });
    assert.equal(two.status, 200, JSON.stringify(two.json));
    assert.equal(two.json.length, 2);
    two.json[1].forEach((x: number, i: number) => assert.ok(Math.abs(x - want[1]![i]!) < 1e-5));
    const bad = await post(`${server.url}/pipeline/feature-extraction/bert`, { inputs: 'x', foo: 1 });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /Unrecognized request argument supplied: foo/);
  });
});
