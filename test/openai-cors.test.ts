/**
 * CORS on the OpenAI-compatible API, over raw HTTP as a browser sends it: the preflight
 * (OPTIONS) never needs the API key; `--cors-origin` decides which origins get
 * Access-Control-Allow-Origin; with none given, no origin does.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { runCli, tempDir } from './support/spin.js';

const KEY = 'sk-cors-1';
const APP = 'http://localhost:5173';
let stateDir: string;
const servers: RunningServer[] = [];

before(async () => {
  stateDir = join(await tempDir('spin-ts-cors-'), 'state');
  await generateModel('tiny-predictable', join(stateDir, 'ai-models', 'p', 'model.gguf'));
});

after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function serve(...args: string[]): Promise<RunningServer> {
  const s = await startModelsServe(['--state-dir', stateDir, '--api-key', KEY, '--llm-threads', '1', '--gpu', 'cpu', '--no-preload', ...args]);
  servers.push(s);
  return s;
}

function preflight(url: string, origin: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-stainless-os' },
  });
}

function chat(url: string, origin: string, key?: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ model: 'p', messages: [{ role: 'user', content: 'a' }], max_tokens: 3 }),
  });
}

describe('--cors-origin <origin>', () => {
  let url: string;
  before(async () => {
    url = (await serve('--cors-origin', APP, '--cors-origin', 'https://chat.example')).url;
  });

  test('the preflight of an allowed origin: 204 without a key, methods and the requested headers allowed', async () => {
    const res = await preflight(url, APP);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), APP);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.equal(res.headers.get('access-control-allow-headers'), 'authorization,content-type,x-stainless-os');
    assert.match(res.headers.get('vary') ?? '', /Origin/);
    const other = await preflight(url, 'https://chat.example');
    assert.equal(other.headers.get('access-control-allow-origin'), 'https://chat.example');
  });

  test('the real request carries the allow-origin, on success and on a 401 (so the page can read the error)', async () => {
    const ok = await chat(url, APP, KEY);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), APP);
    assert.equal(ok.headers.get('access-control-expose-headers'), 'Retry-After');
    assert.equal(((await ok.json()) as { object: string }).object, 'chat.completion');
    const refused = await chat(url, APP);
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), APP);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
  });

  test('another origin gets no allow-origin (the browser blocks it); the key is still required', async () => {
    const pre = await preflight(url, 'https://evil.example');
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
    const res = await chat(url, 'https://evil.example');
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    await res.body?.cancel();
  });
});

describe('defaults and *', () => {
  test('no --cors-origin: the preflight is 204 (not 401) with no allow-origin', async () => {
    const { url } = await serve();
    const res = await preflight(url, APP);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    const post = await chat(url, APP, KEY);
    assert.equal(post.status, 200);
    assert.equal(post.headers.get('access-control-allow-origin'), null);
    await post.body?.cancel();
  });

  test("--cors-origin '*': every origin, streamed responses too, and a warning at start", async () => {
    const s = await serve('--cors-origin', '*');
    const res = await preflight(s.url, 'https://anywhere.example');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const stream = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { origin: 'https://anywhere.example', 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: 'p', messages: [{ role: 'user', content: 'a' }], max_tokens: 3, stream: true }),
    });
    assert.equal(stream.status, 200);
    assert.equal(stream.headers.get('access-control-allow-origin'), '*');
    assert.match(await stream.text(), /data: \[DONE\]/);
    assert.match(s.output(), /warning: --cors-origin '\*': any web page a browser opens may call/);
  });

  test('a bad origin, or --cors-origin on up without --openai-listen, is a clear error', async () => {
    const bad = await runCli(['models', 'serve', '--cors-origin', 'http://localhost:5173/']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--cors-origin 'http:\/\/localhost:5173\/' is not an origin/);
    const up = await runCli(['up', '--cors-origin', APP]);
    assert.notEqual(up.code, 0);
    assert.match(up.stderr, /--cors-origin applies to the OpenAI-compatible API: add --openai-listen/);
  });
});
