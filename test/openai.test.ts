/**
 * `spin-ts models serve` driven by the official `openai` npm client, on generated models:
 *  - p: tiny-predictable with a Jinja chat template that concatenates the messages, so a chat
 *    of "a" answers exactly "bcdefghijklmnopqrstuvwxyz"; "0" makes digits forever (long runs);
 *  - tiny: tiny-llama, chatting through the ChatML template inside its GGUF;
 *  - bert: tiny-bert embeddings; llama2-chat: found in the state dir, not in the table.
 * One slot and no queue, so a second request while one runs is 503 busy.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI, { APIError, AuthenticationError, BadRequestError, NotFoundError } from 'openai';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { runCli, tempDir } from './support/spin.js';

const KEY = 'sk-test-123';
const ALPHABET = 'bcdefghijklmnopqrstuvwxyz';
let server: RunningServer;
let client: OpenAI;

before(async () => {
  const dir = await tempDir('spin-ts-openai-');
  const predictable = (await generateModel('tiny-predictable', join(dir, 'models', 'p.gguf'))).path;
  await generateModel('tiny-llama', join(dir, 'models', 'tiny.gguf'));
  await generateModel('tiny-bert', join(dir, 'models', 'bert.gguf'));
  await generateModel('tiny-predictable', join(dir, 'state', 'ai-models', 'llama', 'llama2-chat', 'model.gguf'));
  await writeFile(
    join(dir, 'runtime-config.toml'),
    `state_dir = "state"

[llm_models.p]
path = "${predictable}"
chat_template = "{% for m in messages %}{{ m.content }}{% endfor %}"
context_size = 16384

[llm_models.tiny]
path = "models/tiny.gguf"

[llm_models.bert]
path = "models/bert.gguf"
kind = "embedding"
`,
  );
  server = await startModelsServe([
    '--runtime-config-file',
    join(dir, 'runtime-config.toml'),
    '--api-key',
    KEY,
    '--llm-threads',
    '1',
    '--llm-slots',
    '1',
    '--llm-queue',
    '0',
    '--gpu',
    'cpu',
  ]);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

async function metrics(): Promise<string> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(res.status, 200);
  return res.text();
}

function metric(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

async function waitForSlotFree(model: string, timeoutMs = 5000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const text = await metrics();
    if (metric(text, 'spin_ts_llm_requests_running', `model="${model}"`) === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`slot of ${model} still busy:\n${text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('models', () => {
  test('list: the model table and the state dir', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) {
      ids.push(m.id);
      assert.equal(m.object, 'model');
      assert.equal(typeof m.created, 'number');
    }
    assert.deepEqual(ids.sort(), ['bert', 'llama2-chat', 'p', 'tiny']);
  });

  test('retrieve, and 404 for an unknown id', async () => {
    const m = await client.models.retrieve('llama2-chat');
    assert.deepEqual([m.id, m.owned_by], ['llama2-chat', 'state-dir']);
    await assert.rejects(
      client.models.retrieve('nope'),
      (err: unknown) => err instanceof NotFoundError && (err.error as { code?: string }).code === 'model_not_found',
    );
  });
});

describe('chat completions', () => {
  test('non-streaming: exact text, finish reason and usage', async () => {
    const r = await client.chat.completions.create({ model: 'p', messages: [{ role: 'user', content: 'a' }], temperature: 0 });
    assert.match(r.id, /^chatcmpl-/);
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.model, 'p');
    assert.equal(r.choices.length, 1);
    assert.equal(r.choices[0]!.message.role, 'assistant');
    assert.equal(r.choices[0]!.message.content, ALPHABET);
    assert.equal(r.choices[0]!.finish_reason, 'stop');
    assert.deepEqual(r.usage, { prompt_tokens: 2, completion_tokens: 25, total_tokens: 27 });
  });

  test('max_completion_tokens, max_tokens, stop', async () => {
    const a = await client.chat.completions.create({ model: 'p', messages: [{ role: 'user', content: 'a' }], temperature: 0, max_completion_tokens: 5 });
    assert.equal(a.choices[0]!.message.content, 'bcdef');
    assert.equal(a.choices[0]!.finish_reason, 'length');
    const b = await client.chat.completions.create({ model: 'p', messages: [{ role: 'user', content: 'a' }], temperature: 0, max_tokens: 3 });
    assert.equal(b.choices[0]!.message.content, 'bcd');
    const c = await client.chat.completions.create({ model: 'p', messages: [{ role: 'user', content: 'a' }], temperature: 0, stop: ['hij', 'zz'] });
    assert.equal(c.choices[0]!.message.content, 'bcdefg');
    assert.equal(c.choices[0]!.finish_reason, 'stop');
  });

  test('the GGUF chat template (tiny-llama, ChatML); seed makes sampling repeatable', async () => {
    const ask = () =>
      client.chat.completions.create({
        model: 'tiny',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello' },
        ],
        temperature: 1,
        seed: 7,
        max_completion_tokens: 12,
        frequency_penalty: 0.5,
        presence_penalty: 0.2,
        top_p: 0.95,
      });
    const [r1, r2] = [await ask(), await ask()];
    assert.equal(r1.choices[0]!.message.content, r2.choices[0]!.message.content);
    // the ChatML rendering of two messages plus the assistant header is well over the raw text's length
    assert.ok(r1.usage!.prompt_tokens > 15, String(r1.usage!.prompt_tokens));
    assert.ok(r1.usage!.completion_tokens >= 1 && r1.usage!.completion_tokens <= 12);
  });

  test('streaming with include_usage: role first, text deltas, finish reason, then usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'p',
      messages: [{ role: 'user', content: 'a' }],
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const ids = new Set(chunks.map((c) => c.id));
    assert.equal(ids.size, 1);
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
    assert.deepEqual(chunks[0]!.choices[0]!.delta, { role: 'assistant', content: '' });
    const text = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('');
    assert.equal(text, ALPHABET);
    const finish = chunks.at(-2)!;
    assert.deepEqual(finish.choices[0]!.delta, {});
    assert.equal(finish.choices[0]!.finish_reason, 'stop');
    const usage = chunks.at(-1)!;
    assert.deepEqual(usage.choices, []);
    assert.deepEqual(usage.usage, { prompt_tokens: 2, completion_tokens: 25, total_tokens: 27 });
  });

  test('streaming without include_usage has no usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'p',
      messages: [{ role: 'user', content: 'a' }],
      temperature: 0,
      max_completion_tokens: 4,
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.ok(chunks.every((c) => c.choices.length === 1 && !c.usage));
    assert.equal(chunks.at(-1)!.choices[0]!.finish_reason, 'length');
  });
});

describe('completions and embeddings', () => {
  test('completions on the raw prompt, streamed and not', async () => {
    const r = await client.completions.create({ model: 'p', prompt: 'a', temperature: 0, max_tokens: 30 });
    assert.equal(r.object, 'text_completion');
    assert.equal(r.choices[0]!.text, ALPHABET);
    assert.deepEqual(r.usage, { prompt_tokens: 2, completion_tokens: 25, total_tokens: 27 });
    const short = await client.completions.create({ model: 'p', prompt: '0', temperature: 0 });
    assert.equal(short.choices[0]!.text, '1234567890123456', 'max_tokens defaults to 16');
    const stream = await client.completions.create({ model: 'p', prompt: 'a', temperature: 0, max_tokens: 5, stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.text ?? '';
    assert.equal(text, 'bcdef');
  });

  test("embeddings with the client's default (base64) equal the float ones", async () => {
    const b64 = await client.embeddings.create({ model: 'bert', input: ['hello world', 'goodbye'] });
    const floats = await client.embeddings.create({ model: 'bert', input: ['hello world', 'goodbye'], encoding_format: 'float' });
    assert.equal(b64.data.length, 2);
    for (const [i, d] of b64.data.entries()) {
      assert.equal(d.index, i);
      assert.ok(Array.isArray(d.embedding), 'the client decoded base64 into numbers');
      assert.equal(d.embedding.length, 64);
      const norm = Math.sqrt(d.embedding.reduce((s, x) => s + x * x, 0));
      assert.ok(Math.abs(norm - 1) < 1e-4, String(norm));
      d.embedding.forEach((x, j) => assert.equal(x, Math.fround(floats.data[i]!.embedding[j]!)));
    }
    assert.ok(b64.usage.prompt_tokens > 0);
  });
});

describe('errors', () => {
  test('400 for a malformed body, with an OpenAI error body', async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: '{"model":"p",',
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: Record<string, unknown> };
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.code, 'invalid_json');
    await assert.rejects(
      client.chat.completions.create({ model: 'p', messages: [] }),
      (err: unknown) => err instanceof BadRequestError && err.param === 'messages',
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'p', messages: [{ role: 'user', content: 'a' }], n: 2 }),
      (err: unknown) => err instanceof BadRequestError && /only n = 1/.test(err.message),
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'bert', messages: [{ role: 'user', content: 'a' }] }),
      (err: unknown) => err instanceof BadRequestError && /embedding model/.test(err.message),
    );
  });

  test('401 with a wrong or missing key; /health needs none', async () => {
    const wrong = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    await assert.rejects(wrong.models.list(), (err: unknown) => err instanceof AuthenticationError && err.code === 'invalid_api_key');
    const res = await fetch(`${server.url}/v1/models`);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  });

  test('404 for an unknown model', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'a' }] }),
      (err: unknown) => err instanceof NotFoundError && err.code === 'model_not_found' && err.param === 'model',
    );
  });

  test('503 with Retry-After while the only slot is busy; aborting the stream frees it', async () => {
    const ac = new AbortController();
    const long = await client.chat.completions.create(
      { model: 'p', messages: [{ role: 'user', content: '0' }], temperature: 0, max_completion_tokens: 8000, stream: true },
      { signal: ac.signal },
    );
    const it = long[Symbol.asyncIterator]();
    await it.next();
    await it.next();
    await assert.rejects(client.chat.completions.create({ model: 'p', messages: [{ role: 'user', content: 'a' }] }), (err: unknown) => {
      assert.ok(err instanceof APIError, String(err));
      assert.equal(err.status, 503);
      assert.equal(err.headers?.get('retry-after'), '1');
      assert.equal(err.code, 'server_busy');
      return true;
    });
    ac.abort();
    await it.next().catch(() => undefined);
    await waitForSlotFree('p');
  });
});

describe('disconnect mid-stream', () => {
  test('stops the generation and frees the slot at once (8000 tokens would take seconds)', async () => {
    const before = metric(await metrics(), 'spin_ts_llm_requests_total', 'model="p",kind="chat",outcome="cancelled"') ?? 0;
    const ac = new AbortController();
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'p', messages: [{ role: 'user', content: '0' }], temperature: 0, max_completion_tokens: 8000, stream: true }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('"content":"3"')) seen += new TextDecoder().decode((await reader.read()).value);
    const running = metric(await metrics(), 'spin_ts_llm_requests_running', 'model="p"');
    assert.equal(running, 1, 'the stream holds the slot');
    ac.abort();
    const ms = await waitForSlotFree('p');
    assert.ok(ms < 2000, `slot freed after ${ms} ms`);
    const after = metric(await metrics(), 'spin_ts_llm_requests_total', 'model="p",kind="chat",outcome="cancelled"');
    assert.equal(after, before + 1);
    // the slot serves the next request straight away
    const r = await client.chat.completions.create({ model: 'p', messages: [{ role: 'user', content: 'a' }], temperature: 0 });
    assert.equal(r.choices[0]!.message.content, ALPHABET);
  });
});

describe('metrics and CLI', () => {
  test('/metrics counts requests by route and status, tokens, time to first token', async () => {
    const text = await metrics();
    assert.ok((metric(text, 'spin_ts_http_requests_total', 'route="/v1/chat/completions",status="200"') ?? 0) >= 5);
    assert.ok((metric(text, 'spin_ts_http_requests_total', 'route="/v1/chat/completions",status="503"') ?? 0) >= 1);
    assert.ok((metric(text, 'spin_ts_http_requests_total', 'route="/v1/models",status="401"') ?? 0) >= 1);
    assert.ok((metric(text, 'spin_ts_llm_generated_tokens_total', 'model="p"') ?? 0) > 100);
    assert.ok((metric(text, 'spin_ts_llm_time_to_first_token_seconds_count', 'model="p"') ?? 0) >= 5);
    assert.equal(metric(text, 'spin_ts_llm_slots', 'model="p"'), 1);
  });

  test('bad flags are clear errors', async () => {
    const listen = await runCli(['models', 'serve', '--listen', 'nowhere']);
    assert.notEqual(listen.code, 0);
    assert.match(listen.stderr, /--listen: 'nowhere' is not host:port/);
    const queue = await runCli(['models', 'serve', '--llm-queue', '-1']);
    assert.notEqual(queue.code, 0);
    assert.match(queue.stderr, /--llm-queue: '-1' is not an integer ≥ 0/);
    const badTemplate = join(await tempDir('spin-ts-openai-bad-'), 'rc.toml');
    await writeFile(badTemplate, '[llm_models.m]\npath = "m.gguf"\nchat_template = "vicuna"\n');
    const template = await runCli(['models', 'serve', '--runtime-config-file', badTemplate]);
    assert.notEqual(template.code, 0);
    assert.match(template.stderr, /llm_models\.m\.chat_template: unknown chat_template "vicuna": use a Jinja template string or one of llama2, /);
    const openaiListen = await runCli(['up', '--openai-listen', '127.0.0.1']);
    assert.notEqual(openaiListen.code, 0);
    assert.match(openaiListen.stderr, /--openai-listen: '127\.0\.0\.1' is not host:port/);
    const key = await runCli(['models', 'serve', '--api-key', '']);
    assert.notEqual(key.code, 0);
    assert.match(key.stderr, /API key must not be empty/);
  });
});
