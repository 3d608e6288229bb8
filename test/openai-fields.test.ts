/**
 * Request fields on `spin-ts models serve` (issue #27, "Silent fields"): seed 002's camelCase
 * `maxTokens`/`topP` are honoured, any other unknown field is OpenAI's 400 naming it, every field
 * the official client sends stays accepted, and the server's caps (-n/--n-predict, the model
 * table's max_tokens) bound requests that set no limit.
 * Models: p, tiny-predictable with a template that concatenates the messages ("a" answers
 * "bcdefghijklmnopqrstuvwxyz", one token a letter; "0" makes digits forever); pcap, the same file
 * with max_tokens = 5; bert, embeddings. Started with -n 12.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI, { BadRequestError } from 'openai';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { tempDir } from './support/spin.js';

const CAP = 12;
let server: RunningServer;
let client: OpenAI;

before(async () => {
  const dir = await tempDir('spin-ts-fields-');
  const p = (await generateModel('tiny-predictable', join(dir, 'p.gguf'))).path;
  const bert = (await generateModel('tiny-bert', join(dir, 'bert.gguf'))).path;
  const template = 'chat_template = "{% for m in messages %}{{ m.content }}{% endfor %}"';
  await writeFile(
    join(dir, 'runtime-config.toml'),
    `[llm_models.p]\npath = "${p}"\n${template}\ncontext_size = 4096\n\n[llm_models.pcap]\npath = "${p}"\n${template}\ncontext_size = 4096\nmax_tokens = 5\n\n[llm_models.bert]\npath = "${bert}"\nkind = "embedding"\n`,
  );
  server = await startModelsServe(['--runtime-config-file', join(dir, 'runtime-config.toml'), '--gpu', 'cpu', '--llm-threads', '1', '-n', String(CAP)]);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

async function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe('camelCase aliases (seed 002)', () => {
  test("seed 002's request body: maxTokens and topP are honoured (3 tokens generated, not the cap)", async () => {
    const r = await post('/v1/chat/completions', {
      messages: [
        { role: 'system', content: '' },
        { role: 'user', content: 'a' },
      ],
      model: 'p',
      stream: false,
      maxTokens: 3,
      temperature: 0,
      topP: 0.02,
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.choices[0].message.content, 'bcd');
    assert.equal(r.json.usage.completion_tokens, 3);
    assert.equal(r.json.choices[0].finish_reason, 'length');
  });

  test('maxTokens on the legacy completions too', async () => {
    const r = await post('/v1/completions', { model: 'p', prompt: 'a', maxTokens: 2, temperature: 0 });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.usage.completion_tokens, 2);
  });

  test('both spellings with different values are a 400 naming the alias', async () => {
    const r = await post('/v1/chat/completions', { model: 'p', messages: [{ role: 'user', content: 'a' }], maxTokens: 3, max_tokens: 4 });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.param, 'maxTokens');
  });
});

describe('unknown fields', () => {
  test("an unknown top-level field is OpenAI's 400 naming it", async () => {
    for (const [path, body] of [
      ['/v1/chat/completions', { model: 'p', messages: [{ role: 'user', content: 'a' }], max_tokenz: 3 }],
      ['/v1/completions', { model: 'p', prompt: 'a', max_tokenz: 3 }],
      ['/v1/embeddings', { model: 'bert', input: 'a', max_tokenz: 3 }],
      ['/v1/responses', { model: 'p', input: 'a', max_tokenz: 3 }],
    ] as const) {
      const r = await post(path, body);
      assert.equal(r.status, 400, path);
      assert.equal(r.json.error.message, 'Unrecognized request argument supplied: max_tokenz', path);
      assert.equal(r.json.error.type, 'invalid_request_error');
      assert.equal(r.json.error.param, 'max_tokenz');
    }
  });

  test('through the official client, an unknown field sent as an extra body property is refused by name', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'p', messages: [{ role: 'user', content: 'a' }], topK: 3 } as never),
      (err: unknown) => err instanceof BadRequestError && /Unrecognized request argument supplied: topK/.test(err.message),
    );
  });

  test('the fields official clients send at their harmless values stay accepted', async () => {
    const chat = await client.chat.completions.create({
      model: 'p',
      messages: [{ role: 'user', content: 'a' }],
      max_tokens: 2,
      temperature: 0,
      top_p: 1,
      n: 1,
      seed: 1,
      stop: ['zz'],
      user: 'u-1',
      metadata: { team: 'x' },
      store: false,
      service_tier: 'auto',
      parallel_tool_calls: true,
      logit_bias: {},
      logprobs: false,
      frequency_penalty: 0,
      presence_penalty: 0,
      prompt_cache_key: 'k',
      safety_identifier: 's',
      modalities: ['text'],
      verbosity: 'medium',
      stream: false,
    });
    assert.equal(chat.choices[0]!.message.content, 'bc');
    const stream = await client.chat.completions.create({
      model: 'p',
      messages: [{ role: 'user', content: 'a' }],
      max_completion_tokens: 2,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    assert.equal(usage?.completion_tokens, 2);
    const legacy = await client.completions.create({ model: 'p', prompt: 'a', max_tokens: 2, temperature: 0, user: 'u', best_of: 1, echo: false, n: 1 });
    assert.equal(legacy.choices[0]!.text, 'bc');
    const emb = await client.embeddings.create({ model: 'bert', input: ['a', 'b'], user: 'u', encoding_format: 'float' });
    assert.equal(emb.data.length, 2);
    const resp = await client.responses.create({
      model: 'p',
      input: 'a',
      max_output_tokens: 2,
      temperature: 0,
      store: false,
      metadata: { a: 'b' },
      user: 'u',
      parallel_tool_calls: true,
      truncation: 'disabled',
    });
    assert.equal(resp.output_text, 'bc');
  });
});

describe('server-side caps', () => {
  test(`-n ${CAP} bounds a chat request that sets no max_tokens`, async () => {
    const r = await post('/v1/chat/completions', { model: 'p', messages: [{ role: 'user', content: '0' }], temperature: 0 });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.usage.completion_tokens, CAP);
    assert.equal(r.json.choices[0].finish_reason, 'length');
  });

  test('a request asking for more than the cap is cut to it, and the log says so', async () => {
    const r = await post('/v1/chat/completions', { model: 'p', messages: [{ role: 'user', content: '0' }], temperature: 0, max_tokens: 500 });
    assert.equal(r.json.usage.completion_tokens, CAP);
    assert.match(server.output(), new RegExp(`request on 'p' asked for 500 tokens; the server's cap is ${CAP}`));
  });

  test("the model table's max_tokens wins over -n for its model (streamed too)", async () => {
    const r = await post('/v1/chat/completions', { model: 'pcap', messages: [{ role: 'user', content: '0' }], temperature: 0 });
    assert.equal(r.json.usage.completion_tokens, 5);
    const stream = await client.chat.completions.create({
      model: 'pcap',
      messages: [{ role: 'user', content: '0' }],
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    assert.equal(usage?.completion_tokens, 5);
  });

  test('the responses API is capped as well', async () => {
    const r = await post('/v1/responses', { model: 'p', input: '0', temperature: 0 });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.usage.output_tokens, CAP);
  });
});
