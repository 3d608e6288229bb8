/**
 * The remote engines against a scripted HTTP server: the exact requests they send (paths, auth
 * header, bodies) and every failure becoming runtime-error naming the remote.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_INFER_PARAMS, LlmError } from '../engine.js';
import { OpenAiHttpEngine } from './openai-http.js';
import { SpinHttpEngine } from './spin-http.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

let server: Server;
let origin: string;
let seen: Seen[] = [];
/** What the next request gets: status, body (string as-is, else JSON), or 'hang'. */
let reply: { status: number; body: unknown } | 'hang' = { status: 200, body: {} };
const hung: ServerResponse[] = [];
let closedEarly = 0;

before(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body: raw ? JSON.parse(raw) : undefined });
      if (reply === 'hang') {
        hung.push(res);
        res.on('close', () => closedEarly++);
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const res of hung) res.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

function fresh(next: typeof reply): void {
  seen = [];
  reply = next;
}

function runtimeError(pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof LlmError, String(err));
    assert.equal(err.kind, 'runtime-error');
    assert.match(err.message, pattern);
    return true;
  };
}

const PARAMS = { ...DEFAULT_INFER_PARAMS, maxTokens: 5 };

describe('Spin protocol (api_type default)', () => {
  test('POST /infer with Spin\'s body and "bearer" token; the URL path is dropped', async () => {
    fresh({ status: 200, body: { text: 'hi there', usage: { promptTokenCount: 3, generatedTokenCount: 2 } } });
    const engine = new SpinHttpEngine({ url: `${origin}/some/path?x=1`, authToken: 'tok' });
    const chunks: string[] = [];
    const r = await engine.infer('llama2-chat', 'Hello', PARAMS, { onText: (c) => chunks.push(c) });
    assert.deepEqual(r, { text: 'hi there', promptTokens: 3, generatedTokens: 2, finishReason: 'stop' });
    assert.deepEqual(chunks, ['hi there']);
    assert.deepEqual(seen, [
      {
        method: 'POST',
        url: '/infer',
        authorization: 'bearer tok',
        body: {
          model: 'llama2-chat',
          prompt: 'Hello',
          options: { maxTokens: 5, repeatPenalty: 1.1, repeatPenaltyLastNTokenCount: 64, temperature: 0.8, topK: 40, topP: 0.9 },
        },
      },
    ]);
  });

  test('finish reason "length" when the count reaches maxTokens', async () => {
    fresh({ status: 200, body: { text: 'abcde', usage: { promptTokenCount: 1, generatedTokenCount: 5 } } });
    const r = await new SpinHttpEngine({ url: origin, authToken: 't' }).infer('m', 'p', PARAMS);
    assert.equal(r.finishReason, 'length');
  });

  test('POST /embed', async () => {
    fresh({
      status: 200,
      body: {
        embeddings: [
          [0.1, 0.2],
          [0.3, 0.4],
        ],
        usage: { promptTokenCount: 4 },
      },
    });
    const r = await new SpinHttpEngine({ url: origin, authToken: 't' }).embed('all-minilm-l6-v2', ['a', 'b']);
    assert.deepEqual(r, {
      embeddings: [
        [0.1, 0.2],
        [0.3, 0.4],
      ],
      promptTokens: 4,
    });
    assert.deepEqual(seen[0]!.body, { model: 'all-minilm-l6-v2', input: ['a', 'b'] });
    assert.equal(seen[0]!.url, '/embed');
  });

  test('no auth header when the token is empty', async () => {
    fresh({ status: 200, body: { text: '', usage: { promptTokenCount: 1, generatedTokenCount: 0 } } });
    await new SpinHttpEngine({ url: origin, authToken: '' }).infer('m', 'p', PARAMS);
    assert.equal(seen[0]!.authorization, undefined);
  });

  test('failures are runtime-error naming the remote and the call', async () => {
    const engine = new SpinHttpEngine({ url: origin, authToken: 't' });
    const where = new RegExp(`remote LLM at ${origin.replace(/\./g, '\\.')} \\(POST /infer\\)`);
    fresh({ status: 401, body: { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } });
    await assert.rejects(engine.infer('m', 'p', PARAMS), runtimeError(/answered 401: Incorrect API key provided\./));
    await assert.rejects(engine.infer('m', 'p', PARAMS), runtimeError(where));
    fresh({ status: 502, body: 'Bad gateway from the proxy' });
    await assert.rejects(engine.infer('m', 'p', PARAMS), runtimeError(/answered 502: Bad gateway from the proxy/));
    fresh({ status: 200, body: '<html>oops</html>' });
    await assert.rejects(engine.infer('m', 'p', PARAMS), runtimeError(/not JSON/));
    fresh({ status: 200, body: { text: 7, usage: { promptTokenCount: 1, generatedTokenCount: 1 } } });
    await assert.rejects(engine.infer('m', 'p', PARAMS), runtimeError(/unexpected body: "text" is not a string/));
    fresh({ status: 200, body: { text: 'x' } });
    await assert.rejects(engine.infer('m', 'p', PARAMS), runtimeError(/"usage" is not an object/));
    fresh({ status: 200, body: { embeddings: [[1, 'x']], usage: { promptTokenCount: 1 } } });
    await assert.rejects(engine.embed('m', ['a']), runtimeError(/\(POST \/embed\).*"embeddings"\[0\] is not a list of numbers/));
    fresh({ status: 200, body: { embeddings: [], usage: { promptTokenCount: 1 } } });
    await assert.rejects(engine.embed('m', ['a']), runtimeError(/returned 0 embeddings for 1 inputs/));
  });

  test('connection refused and timeouts', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await assert.rejects(
      new SpinHttpEngine({ url: `http://127.0.0.1:${port}`, authToken: 't' }).infer('m', 'p', PARAMS),
      runtimeError(/request failed: ECONNREFUSED/),
    );

    fresh('hang');
    const started = Date.now();
    await assert.rejects(
      new SpinHttpEngine({ url: origin, authToken: 't', timeoutMs: 150 }).infer('m', 'p', PARAMS),
      runtimeError(/no answer within 0\.1 s|no answer within 0\.2 s/),
    );
    assert.ok(Date.now() - started < 2000);
  });

  test("a caller's abort rejects with the abort reason and closes the request", async () => {
    fresh('hang');
    const before = closedEarly;
    const ac = new AbortController();
    const p = new SpinHttpEngine({ url: origin, authToken: 't' }).infer('m', 'p', PARAMS, { signal: ac.signal });
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    await assert.rejects(p, (err: unknown) => (err as Error).name === 'AbortError');
    for (let i = 0; i < 100 && closedEarly === before; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(closedEarly, before + 1, 'the remote sees the connection close');
  });

  test('a bad url is refused at construction', () => {
    assert.throws(() => new SpinHttpEngine({ url: 'not a url', authToken: '' }), /not a URL/);
    assert.throws(() => new SpinHttpEngine({ url: 'ftp://x', authToken: '' }), /not http\(s\)/);
  });
});

describe('OpenAI protocol (api_type open_ai)', () => {
  const completion = {
    id: 'c',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: 'yo' }, finish_reason: 'length' }],
    usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 },
  };

  test('infer is a chat completion with one user message', async () => {
    fresh({ status: 200, body: completion });
    const engine = new OpenAiHttpEngine({ url: `${origin}/v1`, authToken: 'sk' });
    const r = await engine.infer('gpt', 'Hello', { ...PARAMS, temperature: -1, seed: 3, stop: ['x'] });
    assert.deepEqual(r, { text: 'yo', promptTokens: 4, generatedTokens: 1, finishReason: 'length' });
    assert.deepEqual(seen[0], {
      method: 'POST',
      url: '/v1/chat/completions',
      authorization: 'Bearer sk',
      body: { model: 'gpt', messages: [{ role: 'user', content: 'Hello' }], max_completion_tokens: 5, temperature: 0, top_p: 0.9, seed: 3, stop: ['x'] },
    });
  });

  test('chat sends the messages; no limit → no max_completion_tokens', async () => {
    fresh({ status: 200, body: completion });
    const { maxTokens: _omit, ...rest } = PARAMS;
    void _omit;
    await new OpenAiHttpEngine({ url: origin, authToken: 'sk' }).chat(
      'gpt',
      [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'U' },
      ],
      rest,
    );
    const body = seen[0]!.body as Record<string, unknown>;
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'S' },
      { role: 'user', content: 'U' },
    ]);
    assert.equal('max_completion_tokens' in body, false);
  });

  test('embeddings in index order, floats requested', async () => {
    fresh({
      status: 200,
      body: {
        object: 'list',
        data: [
          { object: 'embedding', index: 1, embedding: [2] },
          { object: 'embedding', index: 0, embedding: [1] },
        ],
        model: 'e',
        usage: { prompt_tokens: 2, total_tokens: 2 },
      },
    });
    const r = await new OpenAiHttpEngine({ url: origin, authToken: 'sk' }).embed('e', ['a', 'b']);
    assert.deepEqual(r, { embeddings: [[1], [2]], promptTokens: 2 });
    assert.deepEqual(seen[0]!.body, { model: 'e', input: ['a', 'b'], encoding_format: 'float' });
    assert.equal(seen[0]!.url, '/v1/embeddings');
  });

  test('models from GET /v1/models', async () => {
    fresh({
      status: 200,
      body: {
        object: 'list',
        data: [
          { id: 'a', object: 'model' },
          { id: 'b', object: 'model' },
        ],
      },
    });
    const models = await new OpenAiHttpEngine({ url: origin, authToken: 'sk' }).listModels();
    assert.deepEqual(
      models.map((m) => [m.id, m.source]),
      [
        ['a', origin],
        ['b', origin],
      ],
    );
    assert.equal(seen[0]!.method, 'GET');
  });

  test('an error body becomes runtime-error with its message', async () => {
    const engine = new OpenAiHttpEngine({ url: origin, authToken: 'sk' });
    fresh({ status: 404, body: { error: { message: "The model 'gpt' does not exist", type: 'invalid_request_error' } } });
    await assert.rejects(engine.infer('gpt', 'x', PARAMS), runtimeError(/\(POST \/v1\/chat\/completions\) answered 404: The model 'gpt' does not exist/));
    fresh({ status: 200, body: { error: { message: 'overloaded' } } });
    await assert.rejects(engine.infer('gpt', 'x', PARAMS), runtimeError(/: overloaded$/));
    fresh({ status: 200, body: { choices: [], usage: {} } });
    await assert.rejects(engine.infer('gpt', 'x', PARAMS), runtimeError(/"choices" is not a non-empty list/));
  });
});
