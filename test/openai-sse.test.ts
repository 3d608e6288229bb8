/**
 * The SSE framing of streamed answers, byte for byte over real sockets: `data: <json>\n\n` per
 * event, `data: [DONE]\n\n` at the end, an error after the stream began as a JSON data event
 * (which the official client turns into an APIError rather than choking on plain text).
 * Real engine: `spin-ts models serve` on tiny-predictable (greedy "a" → "bcd…"), no API key.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI, { APIError } from 'openai';
import { generateModel } from '../host/gguf/presets.js';
import { LlmError, type EmbedResult, type InferOptions, type InferResult, type LlmEngine, type ModelInfo } from '../host/llm/engine.js';
import { startOpenAiServer, type OpenAiServer } from '../host/openai/server.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { tempDir } from './support/spin.js';

let server: RunningServer;
let scripted: OpenAiServer;
let config: string;

/** Streams "ok" then fails, for the in-stream error. */
class FailingEngine implements LlmEngine {
  async infer(_model: string, _prompt: string, _params: unknown, options: InferOptions = {}): Promise<InferResult> {
    options.onText?.('ok');
    await new Promise((r) => setTimeout(r, 10));
    throw new LlmError('runtime-error', 'the GPU caught fire');
  }
  async embed(): Promise<EmbedResult> {
    return { embeddings: [], promptTokens: 0 };
  }
  async listModels(): Promise<ModelInfo[]> {
    return [];
  }
  async close(): Promise<void> {}
}

before(async () => {
  const dir = await tempDir('spin-ts-sse-');
  const predictable = (await generateModel('tiny-predictable', join(dir, 'p.gguf'))).path;
  config = join(dir, 'runtime-config.toml');
  await writeFile(config, `[llm_models.p]\npath = "${predictable}"\nchat_template = "{% for m in messages %}{{ m.content }}{% endfor %}"\n`);
  server = await startModelsServe(['--runtime-config-file', config, '--llm-threads', '1', '--gpu', 'cpu'], { env: { SPIN_TS_API_KEYS: '' } });
  const engine = new FailingEngine();
  scripted = await startOpenAiServer({ host: '127.0.0.1', port: 0, engine: async () => engine, apiKeys: [], log: () => undefined });
});

after(async () => {
  await server?.stop();
  await scripted?.close();
});

/** POST over a raw socket; the status, headers and the body's exact bytes. */
function rawPost(url: string, body: unknown): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function idAndCreated(body: string): { id: string; created: number } {
  assert.ok(body.startsWith('data: {'), JSON.stringify(body.slice(0, 40)));
  return JSON.parse(body.slice(6, body.indexOf('\n'))) as { id: string; created: number };
}

describe('SSE framing, byte for byte', () => {
  test('chat: role delta, one event per piece, finish, usage, [DONE]', async () => {
    const res = await rawPost(`${server.url}/v1/chat/completions`, {
      model: 'p',
      messages: [{ role: 'user', content: 'a' }],
      temperature: 0,
      max_completion_tokens: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/event-stream');
    assert.equal(res.headers['cache-control'], 'no-cache');
    const { id, created } = idAndCreated(res.body);
    assert.match(id, /^chatcmpl-[A-Za-z0-9]{24}$/);
    const head = `{"id":"${id}","object":"chat.completion.chunk","created":${created},"model":"p","choices":[`;
    const delta = (d: string, finish: string) => `data: ${head}{"index":0,"delta":${d},"logprobs":null,"finish_reason":${finish}}],"usage":null}\n\n`;
    assert.equal(
      res.body,
      delta('{"role":"assistant","content":""}', 'null') +
        delta('{"content":"b"}', 'null') +
        delta('{"content":"c"}', 'null') +
        delta('{"content":"d"}', 'null') +
        delta('{}', '"length"') +
        `data: ${head}],"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}}\n\n` +
        'data: [DONE]\n\n',
    );
  });

  test('chat without include_usage: no usage fields at all; end of sequence gives "stop"', async () => {
    const res = await rawPost(`${server.url}/v1/chat/completions`, { model: 'p', messages: [{ role: 'user', content: 'y' }], temperature: 0, stream: true });
    const { id, created } = idAndCreated(res.body);
    const head = `{"id":"${id}","object":"chat.completion.chunk","created":${created},"model":"p","choices":[`;
    assert.equal(
      res.body,
      `data: ${head}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n` +
        `data: ${head}{"index":0,"delta":{"content":"z"},"logprobs":null,"finish_reason":null}]}\n\n` +
        `data: ${head}{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}\n\n` +
        'data: [DONE]\n\n',
    );
  });

  test('completions: text events, a finish event with empty text, usage, [DONE]', async () => {
    const res = await rawPost(`${server.url}/v1/completions`, {
      model: 'p',
      prompt: 'a',
      temperature: 0,
      max_tokens: 2,
      stream: true,
      stream_options: { include_usage: true },
    });
    const { id, created } = idAndCreated(res.body);
    assert.match(id, /^cmpl-/);
    const head = `{"id":"${id}","object":"text_completion","created":${created},"model":"p","choices":[`;
    const ev = (text: string, finish: string) => `data: ${head}{"text":"${text}","index":0,"logprobs":null,"finish_reason":${finish}}],"usage":null}\n\n`;
    assert.equal(
      res.body,
      ev('b', 'null') +
        ev('c', 'null') +
        ev('', '"length"') +
        `data: ${head}],"usage":{"prompt_tokens":2,"completion_tokens":2,"total_tokens":4}}\n\n` +
        'data: [DONE]\n\n',
    );
  });

  test('an error after the first text: a JSON error event and the end of the stream', async () => {
    const res = await rawPost(`${scripted.origin}/v1/completions`, { model: 'm', prompt: 'x', stream: true });
    assert.equal(res.status, 200);
    const { id, created } = idAndCreated(res.body);
    assert.equal(
      res.body,
      `data: {"id":"${id}","object":"text_completion","created":${created},"model":"m","choices":[{"text":"ok","index":0,"logprobs":null,"finish_reason":null}]}\n\n` +
        'data: {"error":{"message":"the GPU caught fire","type":"server_error","param":null,"code":"server_error"}}\n\n',
    );
  });

  test('the official client surfaces that error as an APIError with the message', async () => {
    const client = new OpenAI({ baseURL: `${scripted.origin}/v1`, apiKey: 'none', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true });
    const texts: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const c of stream) texts.push(c.choices[0]?.delta.content ?? '');
      })(),
      (err: unknown) => err instanceof APIError && /the GPU caught fire/.test(err.message),
    );
    assert.deepEqual(texts, ['', 'ok']);
  });
});

describe('open API', () => {
  test('no key configured: requests are served without one', async () => {
    const res = await fetch(`${server.url}/v1/models`);
    assert.equal(res.status, 200);
  });

  test('no key and a non-loopback listener: a warning at start', async () => {
    const open = await startModelsServe(['--runtime-config-file', config, '--listen', '0.0.0.0:0', '--no-preload', '--gpu', 'cpu'], {
      env: { SPIN_TS_API_KEYS: '' },
    });
    try {
      assert.match(open.output(), /warning: the OpenAI-compatible API on http:\/\/0\.0\.0\.0:\d+ accepts requests without an API key/);
    } finally {
      await open.stop();
    }
    const closed = await startModelsServe(['--runtime-config-file', config, '--listen', '0.0.0.0:0', '--no-preload', '--gpu', 'cpu'], {
      env: { SPIN_TS_API_KEYS: 'k1,k2' },
    });
    try {
      assert.doesNotMatch(closed.output(), /warning/);
      assert.equal((await fetch(`${closed.url}/v1/models`, { headers: { authorization: 'Bearer k2' } })).status, 200);
      assert.equal((await fetch(`${closed.url}/v1/models`)).status, 401);
    } finally {
      await closed.stop();
    }
  });
});
