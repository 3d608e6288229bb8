/**
 * The OpenAI-compatible app against a scripted engine (no model, no sockets): request checking,
 * error bodies, auth, health, the SSE framing of successes and failures, cancellation.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  LlmError,
  type ChatMessage,
  type ChatParams,
  type EmbedResult,
  type InferOptions,
  type InferParams,
  type InferResult,
  type LlmEngine,
  type ModelInfo,
} from '../llm/engine.js';
import { instrumentEngine } from '../observability/engine-metrics.js';
import { ServingMetrics } from '../observability/metrics.js';
import { createOpenAiApp, HealthState } from './server.js';

interface Call {
  method: 'infer' | 'chat' | 'embed';
  model: string;
  prompt?: string;
  messages?: ChatMessage[];
  params?: InferParams | ChatParams;
  inputs?: string[];
}

/** Models: ok (streams "Hel","lo"), fail-mid, busy, invalid, ghost, crash, hang (until aborted). */
class ScriptedEngine implements LlmEngine {
  calls: Call[] = [];
  aborted: string[] = [];

  constructor(private readonly withChat = true) {
    if (!withChat) (this as { chat?: unknown }).chat = undefined;
  }

  private async run(model: string, options: InferOptions): Promise<InferResult> {
    const emit = (s: string) => options.onText?.(s);
    switch (model) {
      case 'busy':
        throw new LlmError('busy', 'busy: all 1 slots of model are in use');
      case 'invalid':
        throw new LlmError('invalid-input', 'top-p must be within [0, 1]');
      case 'ghost':
        throw new LlmError('model-not-supported', "model 'ghost' is not available under /secret/path");
      case 'crash':
        throw new LlmError('runtime-error', 'llama.cpp fell over');
      case 'fail-mid':
        emit('Hel');
        await new Promise((r) => setTimeout(r, 5));
        throw new LlmError('runtime-error', 'decode failed');
      case 'hang':
        emit('x');
        return new Promise((_, reject) => {
          const signal = options.signal!;
          signal.addEventListener('abort', () => {
            this.aborted.push(model);
            reject(signal.reason);
          });
        });
      default:
        emit('Hel');
        await new Promise((r) => setTimeout(r, 1));
        emit('lo');
        return { text: 'Hello', promptTokens: 7, generatedTokens: 2, finishReason: 'stop' };
    }
  }

  infer(model: string, prompt: string, params: InferParams, options: InferOptions = {}): Promise<InferResult> {
    this.calls.push({ method: 'infer', model, prompt, params });
    return this.run(model, options);
  }

  chat(model: string, messages: ChatMessage[], params: ChatParams, options: InferOptions = {}): Promise<InferResult> {
    this.calls.push({ method: 'chat', model, messages, params });
    return this.run(model, options);
  }

  async embed(model: string, inputs: string[]): Promise<EmbedResult> {
    this.calls.push({ method: 'embed', model, inputs });
    if (model === 'ghost') throw new LlmError('model-not-supported', 'no');
    return { embeddings: inputs.map((_, i) => [0.5, -0.25, i, 1 / 3]), promptTokens: inputs.length * 3 };
  }

  async listModels(): Promise<ModelInfo[]> {
    return [
      { id: 'ok', kind: 'completion', source: 'model-table', loaded: true },
      { id: 'bert', kind: 'embedding', source: 'state-dir', loaded: false },
    ];
  }

  async close(): Promise<void> {}
}

function setup(opts: { keys?: string[]; withChat?: boolean } = {}) {
  const engine = new ScriptedEngine(opts.withChat ?? true);
  const metrics = new ServingMetrics();
  const health = new HealthState();
  const instrumented = instrumentEngine(engine, metrics);
  const { hono } = createOpenAiApp({ engine: async () => instrumented, apiKeys: opts.keys ?? [], metrics, health, log: () => undefined });
  const request = (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const { json, ...rest } = init;
    return hono.request(`http://test${path}`, {
      ...rest,
      ...(json !== undefined
        ? { method: 'POST', body: JSON.stringify(json), headers: { 'content-type': 'application/json', ...(rest.headers as Record<string, string>) } }
        : {}),
    });
  };
  return { engine, metrics, health, request };
}

async function errorOf(res: Response): Promise<{ message: string; type: string; param: string | null; code: string | null }> {
  const body = (await res.json()) as { error: { message: string; type: string; param: string | null; code: string | null } };
  assert.deepEqual(Object.keys(body), ['error']);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  return body.error;
}

const CHAT = { model: 'ok', messages: [{ role: 'user', content: 'hi' }] };

describe('errors are OpenAI error bodies', () => {
  test('unknown URL → 404 unknown_url', async () => {
    const { request } = setup();
    const res = await request('/v1/nothing');
    assert.equal(res.status, 404);
    const e = await errorOf(res);
    assert.equal(e.code, 'unknown_url');
    assert.match(e.message, /GET \/v1\/nothing/);
  });

  test('malformed bodies → 400', async () => {
    const { request } = setup();
    for (const [body, code, pattern] of [
      ['{"model":', 'invalid_json', /not valid JSON/],
      ['', 'invalid_body', /empty/],
      ['[1,2]', 'invalid_body', /JSON object/],
      ['"text"', 'invalid_body', /JSON object/],
    ] as const) {
      const res = await request('/v1/chat/completions', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 400, body);
      const e = await errorOf(res);
      assert.equal(e.type, 'invalid_request_error');
      assert.equal(e.code, code);
      assert.match(e.message, pattern);
    }
  });

  test('bad chat fields → 400 naming the field', async () => {
    const { request, engine } = setup();
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ messages: CHAT.messages }, 'model', /'model' is required/],
      [{ model: 7, messages: CHAT.messages }, 'model', /expected a model id/],
      [{ model: 'ok' }, 'messages', /'messages' is required/],
      [{ model: 'ok', messages: 'hi' }, 'messages', /expected a list/],
      [{ model: 'ok', messages: [] }, 'messages', /must not be empty/],
      [{ model: 'ok', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role', /"robot" is not supported/],
      [{ model: 'ok', messages: [{ role: 'function', content: 'x' }] }, 'messages[0].role', /not supported/],
      [{ model: 'ok', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id', /is required/],
      [
        { model: 'ok', messages: [{ role: 'assistant', content: 'x', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }] },
        'messages[0]',
        /need a local model/,
      ],
      [{ model: 'ok', messages: [{ role: 'user' }] }, 'messages[0].content', /required/],
      [{ model: 'ok', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, 'messages[0].content[0].type', /only "text"/],
      [{ ...CHAT, n: 2 }, 'n', /only n = 1/],
      [{ ...CHAT, n: 0 }, 'n', /≥ 1/],
      [{ ...CHAT, temperature: 3 }, 'temperature', /between 0 and 2/],
      [{ ...CHAT, temperature: 'hot' }, 'temperature', /expected a number/],
      [{ ...CHAT, top_p: 1.5 }, 'top_p', /between 0 and 1/],
      [{ ...CHAT, max_tokens: 0 }, 'max_tokens', /≥ 1|between 1/],
      [{ ...CHAT, max_completion_tokens: 2.5 }, 'max_completion_tokens', /integer/],
      [{ ...CHAT, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', /at most 4/],
      [{ ...CHAT, stop: 5 }, 'stop', /string or a list/],
      [{ ...CHAT, seed: 1.5 }, 'seed', /integer/],
      [{ ...CHAT, frequency_penalty: 3 }, 'frequency_penalty', /between -2 and 2/],
      [{ ...CHAT, stream: 'yes' }, 'stream', /true or false/],
      [{ ...CHAT, stream: true, stream_options: 1 }, 'stream_options', /object/],
      [{ ...CHAT, logprobs: true }, 'logprobs', /log probabilities need a local model/],
      [{ ...CHAT, top_logprobs: 2 }, 'top_logprobs', /needs 'logprobs': true/],
      [{ ...CHAT, tools: [{ type: 'function', function: { name: 'f' } }] }, 'tools', /tool calling needs a local model/],
      [{ ...CHAT, tool_choice: 'required' }, 'tool_choice', /needs at least one tool/],
      [{ ...CHAT, response_format: { type: 'xml' } }, 'response_format.type', /"text", "json_object" or "json_schema"/],
      [{ ...CHAT, response_format: { type: 'json_schema' } }, 'response_format.json_schema', /is required/],
      [{ ...CHAT, response_format: { type: 'json_schema', json_schema: { schema: {} } } }, 'response_format.json_schema.name', /is required/],
      [{ ...CHAT, json_schema: { type: 'object' }, grammar: 'root ::= "a"' }, 'grammar', /only one of/],
      [{ ...CHAT, grammar: 7 }, 'grammar', /GBNF grammar string/],
      [{ ...CHAT, min_p: 1.5 }, 'min_p', /between 0 and 1/],
      [{ ...CHAT, typical_p: 0.5 }, 'typical_p', /not in node-llama-cpp's sampler/],
      [{ ...CHAT, mirostat: 2 }, 'mirostat', /not supported/],
      [{ ...CHAT, options: { num_ctx: 4096 } }, 'options', /Ollama's native API/],
      [{ ...CHAT, logit_bias: { abc: 1 } }, 'logit_bias', /not a token id/],
      [{ ...CHAT, logit_bias: { 15: 101 } }, 'logit_bias', /between -100 and 100/],
      [{ ...CHAT, n_predict: 0 }, 'n_predict', /at least 1/],
      [{ ...CHAT, audio: { voice: 'alloy' } }, 'audio', /audio output/],
    ];
    for (const [json, param, pattern] of cases) {
      const res = await request('/v1/chat/completions', { json });
      assert.equal(res.status, 400, JSON.stringify(json));
      const e = await errorOf(res);
      assert.equal(e.param, param, JSON.stringify(json));
      assert.match(e.message, pattern, JSON.stringify(json));
    }
    assert.equal(engine.calls.length, 0, 'no bad request reaches the engine');
  });

  test('one rule: no-effect fields are accepted, no-op values pass, applied fields reach the engine', async () => {
    const { request, engine } = setup();
    const noEffect = {
      user: 'u',
      metadata: { a: 'b' },
      store: false,
      service_tier: 'auto',
      prompt_cache_key: 'k',
      safety_identifier: 's',
      cache_prompt: false,
      id_slot: 0,
      keep_alive: '5m',
      parallel_tool_calls: true,
    };
    const noOps = {
      logprobs: false,
      top_logprobs: 0,
      tools: [],
      tool_choice: 'none',
      typical_p: 1,
      mirostat: 0,
      ignore_eos: false,
      options: {},
      modalities: ['text'],
      verbosity: 'medium',
    };
    const applied = {
      min_p: 0.05,
      logit_bias: { 15: -100, 16: 0, 17: 2.5 },
      response_format: { type: 'json_schema', json_schema: { name: 'x', strict: true, schema: { type: 'object' } } },
      n_predict: 9,
    };
    const res = await request('/v1/chat/completions', { json: { ...CHAT, ...noEffect, ...noOps, ...applied } });
    assert.equal(res.status, 200, await res.clone().text());
    const p = engine.calls[0]!.params!;
    assert.equal(p.minP, 0.05);
    assert.deepEqual(p.logitBias, { 15: -100, 17: 2.5 });
    assert.deepEqual(p.constraint, { type: 'json_schema', schema: { type: 'object' }, param: 'response_format.json_schema.schema' });
    assert.equal(p.maxTokens, 9);
    for (const [json, constraint] of [
      [{ response_format: { type: 'json_object' } }, { type: 'json', param: 'response_format' }],
      [{ response_format: { type: 'text' } }, undefined],
      [{ json_schema: { type: 'object' } }, { type: 'json_schema', schema: { type: 'object' }, param: 'json_schema' }],
      [{ grammar: 'root ::= "a"' }, { type: 'gbnf', grammar: 'root ::= "a"', param: 'grammar' }],
    ] as const) {
      engine.calls.length = 0;
      const r = await request('/v1/completions', { json: { model: 'ok', prompt: 'x', ...json } });
      assert.equal(r.status, 200);
      assert.deepEqual(engine.calls[0]!.params!.constraint, constraint, JSON.stringify(json));
    }
    const echo = await request('/v1/completions', { json: { model: 'ok', prompt: 'x', echo: true } });
    assert.equal(echo.status, 400);
    assert.equal((await errorOf(echo)).param, 'echo');
  });

  test('engine errors map to statuses; busy carries Retry-After; server paths are not leaked', async () => {
    const { request } = setup();
    const expect = async (model: string, status: number, code: string) => {
      const res = await request('/v1/chat/completions', { json: { ...CHAT, model } });
      assert.equal(res.status, status, model);
      const e = await errorOf(res);
      assert.equal(e.code, code, model);
      return { res, e };
    };
    const busy = await expect('busy', 503, 'server_busy');
    assert.equal(busy.res.headers.get('retry-after'), '1');
    assert.equal((await expect('invalid', 400, 'invalid_value')).e.message, 'top-p must be within [0, 1]');
    const ghost = await expect('ghost', 404, 'model_not_found');
    assert.doesNotMatch(ghost.e.message, /secret/);
    assert.equal(ghost.e.param, 'model');
    assert.equal((await expect('crash', 500, 'server_error')).e.type, 'server_error');
  });

  test('a streamed request refused before any text gets its real status, not a 200 stream', async () => {
    const { request } = setup();
    for (const [model, status] of [
      ['busy', 503],
      ['ghost', 404],
      ['invalid', 400],
    ] as const) {
      const res = await request('/v1/chat/completions', { json: { ...CHAT, model, stream: true } });
      assert.equal(res.status, status);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      await errorOf(res);
    }
  });
});

describe('auth and health', () => {
  test('with keys: 401 without or with a wrong key; health endpoints stay open', async () => {
    const { request } = setup({ keys: ['sk-test'] });
    const none = await request('/v1/models');
    assert.equal(none.status, 401);
    const e = await errorOf(none);
    assert.equal(e.code, 'invalid_api_key');
    assert.equal((await request('/v1/models', { headers: { authorization: 'Bearer nope' } })).status, 401);
    assert.equal((await request('/v1/chat/completions', { json: CHAT })).status, 401);
    assert.equal((await request('/infer', { json: { model: 'ok', prompt: 'x' } })).status, 401);
    assert.equal((await request('/metrics')).status, 401);
    assert.equal((await request('/v1/models', { headers: { authorization: 'Bearer sk-test' } })).status, 200);
    assert.equal((await request('/infer', { json: { model: 'ok', prompt: 'x' }, headers: { authorization: 'bearer sk-test' } })).status, 200);
    assert.equal((await request('/health')).status, 200);
    const spinHealth = await request('/.well-known/spin/health');
    assert.equal(spinHealth.status, 200);
    assert.equal(await spinHealth.text(), 'OK');
  });

  test('/health: 503 while a load is tracked, 200 once it settles', async () => {
    const { request, health } = setup();
    let finish: () => void = () => undefined;
    void health.track(new Promise<void>((r) => (finish = r)));
    const loading = await request('/health');
    assert.equal(loading.status, 503);
    assert.equal(loading.headers.get('retry-after'), '1');
    assert.equal((await errorOf(loading)).code, 'loading');
    finish();
    await new Promise((r) => setImmediate(r));
    const ready = await request('/health');
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ok' });
  });
});

describe('chat and completions', () => {
  test('chat: params mapped (max_completion_tokens preferred, OpenAI defaults, developer → system, text parts joined)', async () => {
    const { request, engine } = setup();
    const res = await request('/v1/chat/completions', {
      json: {
        model: 'ok',
        messages: [
          { role: 'developer', content: 'be brief' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'hel' },
              { type: 'text', text: 'lo' },
            ],
          },
          { role: 'assistant', content: 'hi' },
          { role: 'user', content: 'again', name: 'bob' },
        ],
        max_tokens: 9,
        max_completion_tokens: 5,
        seed: 42,
        stop: 'END',
        top_k: 3,
        user: 'ignored',
      },
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.match(body.id as string, /^chatcmpl-/);
    assert.equal(body.object, 'chat.completion');
    assert.equal(typeof body.created, 'number');
    assert.equal(body.model, 'ok');
    assert.deepEqual(body.choices, [{ index: 0, message: { role: 'assistant', content: 'Hello', refusal: null }, logprobs: null, finish_reason: 'stop' }]);
    assert.deepEqual(body.usage, { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });
    const call = engine.calls[0]!;
    assert.equal(call.method, 'chat');
    assert.deepEqual(call.messages, [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: 'hi' },
      { role: 'user', content: 'again' },
    ]);
    assert.deepEqual(call.params, {
      temperature: 1,
      topP: 1,
      topK: 3,
      repeatPenalty: 1,
      repeatPenaltyLastNTokenCount: 64,
      frequencyPenalty: 0,
      presencePenalty: 0,
      maxTokens: 5,
      seed: 42,
      stop: ['END'],
      // left out of the request: a model table's defaults may stand in (docs/ai.md, "Per-model defaults")
      defaulted: ['temperature', 'topP', 'repeatPenalty'],
    });
  });

  test('chat without a limit leaves maxTokens to the engine (the rest of the context)', async () => {
    const { request, engine } = setup();
    assert.equal((await request('/v1/chat/completions', { json: CHAT })).status, 200);
    assert.equal('maxTokens' in engine.calls[0]!.params!, false);
  });

  test('an engine without chat gets a plain rendering of the messages', async () => {
    const { request, engine } = setup({ withChat: false });
    assert.equal(
      (
        await request('/v1/chat/completions', {
          json: {
            model: 'ok',
            messages: [
              { role: 'system', content: 'S' },
              { role: 'user', content: 'U' },
            ],
          },
        })
      ).status,
      200,
    );
    const call = engine.calls[0]!;
    assert.equal(call.method, 'infer');
    assert.equal(call.prompt, 'system: S\nuser: U\nassistant:');
    assert.equal((call.params as InferParams).maxTokens, 100);
  });

  test('completions: raw prompt, 16 tokens by default, one prompt only', async () => {
    const { request, engine } = setup();
    const res = await request('/v1/completions', { json: { model: 'ok', prompt: ['Once'] } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.object, 'text_completion');
    assert.match(body.id as string, /^cmpl-/);
    assert.deepEqual(body.choices, [{ text: 'Hello', index: 0, logprobs: null, finish_reason: 'stop' }]);
    assert.equal(engine.calls[0]!.prompt, 'Once');
    assert.equal((engine.calls[0]!.params as InferParams).maxTokens, 16);
    for (const [json, param] of [
      [{ model: 'ok' }, 'prompt'],
      [{ model: 'ok', prompt: ['a', 'b'] }, 'prompt'],
      [{ model: 'ok', prompt: [1, 2, 3] }, 'prompt'],
      [{ model: 'ok', prompt: 'x', echo: true }, 'echo'],
      [{ model: 'ok', prompt: 'x', suffix: 'y' }, 'suffix'],
      [{ model: 'ok', prompt: 'x', best_of: 3 }, 'best_of'],
    ] as const) {
      const r = await request('/v1/completions', { json });
      assert.equal(r.status, 400, JSON.stringify(json));
      assert.equal((await errorOf(r)).param, param);
    }
  });
});

describe('SSE framing', () => {
  function frames(text: string): string[] {
    assert.ok(text.endsWith('\n\n'), 'events end with a blank line');
    return text.slice(0, -2).split('\n\n');
  }

  test('chat stream, byte for byte, with include_usage', async () => {
    const { request } = setup();
    const res = await request('/v1/chat/completions', { json: { ...CHAT, stream: true, stream_options: { include_usage: true } } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const text = await res.text();
    const first = JSON.parse(frames(text)[0]!.slice('data: '.length)) as { id: string; created: number };
    const head = `{"id":"${first.id}","object":"chat.completion.chunk","created":${first.created},"model":"ok","choices":[`;
    const expected =
      `data: ${head}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}\n\n` +
      `data: ${head}{"index":0,"delta":{"content":"Hel"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n` +
      `data: ${head}{"index":0,"delta":{"content":"lo"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n` +
      `data: ${head}{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}\n\n` +
      `data: ${head}],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}\n\n` +
      'data: [DONE]\n\n';
    assert.equal(text, expected);
  });

  test('an error after the stream began is a JSON data event, then the stream ends (no [DONE])', async () => {
    const { request } = setup();
    const res = await request('/v1/chat/completions', { json: { ...CHAT, model: 'fail-mid', stream: true } });
    assert.equal(res.status, 200);
    const events = frames(await res.text());
    assert.equal(events.length, 3);
    assert.match(events[1]!, /"delta":\{"content":"Hel"\}/);
    assert.equal(events[2], 'data: {"error":{"message":"decode failed","type":"server_error","param":null,"code":"server_error"}}');
  });

  test('completions stream: text chunks, a finish chunk, [DONE]; no usage unless asked', async () => {
    const { request } = setup();
    const text = await (await request('/v1/completions', { json: { model: 'ok', prompt: 'x', stream: true } })).text();
    const events = frames(text);
    assert.equal(events.length, 4);
    const parsed = events
      .slice(0, 3)
      .map((e) => JSON.parse(e.slice(6)) as { object: string; usage?: unknown; choices: Array<{ text: string; finish_reason: string | null }> });
    assert.deepEqual(
      parsed.map((p) => p.choices[0]!.text),
      ['Hel', 'lo', ''],
    );
    assert.deepEqual(
      parsed.map((p) => p.choices[0]!.finish_reason),
      [null, null, 'stop'],
    );
    assert.ok(parsed.every((p) => p.object === 'text_completion' && !('usage' in p)));
    assert.equal(events[3], 'data: [DONE]');
  });

  test('a non-streamed request whose client goes away: generation aborted, counted as 499', async () => {
    const { request, engine, metrics } = setup();
    const ac = new AbortController();
    const pending = request('/v1/chat/completions', { json: { ...CHAT, model: 'hang' }, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    const res = await pending;
    assert.equal(res.status, 499);
    assert.deepEqual(engine.aborted, ['hang']);
    assert.match(await metrics.text(), /spin_ts_http_requests_total\{route="\/v1\/chat\/completions",status="499"\} 1/);
    assert.match(await metrics.text(), /spin_ts_llm_requests_total\{model="hang",kind="chat",outcome="cancelled"\} 1/);
  });

  test('the client going away aborts the generation (request signal and stream cancel)', async () => {
    for (const how of ['signal', 'cancel'] as const) {
      const { request, engine } = setup();
      const ac = new AbortController();
      const res = await request('/v1/chat/completions', { json: { ...CHAT, model: 'hang', stream: true }, signal: ac.signal });
      const reader = res.body!.getReader();
      const { value } = await reader.read();
      assert.match(new TextDecoder().decode(value), /"content":"x"/);
      if (how === 'signal') ac.abort();
      else await reader.cancel();
      for (let i = 0; i < 50 && engine.aborted.length === 0; i++) await new Promise((r) => setTimeout(r, 2));
      assert.deepEqual(engine.aborted, ['hang'], how);
    }
  });
});

describe('embeddings, Spin protocol, models, metrics', () => {
  test('embeddings as floats and as base64 little-endian float32', async () => {
    const { request } = setup();
    const floats = (await (await request('/v1/embeddings', { json: { model: 'bert', input: ['a', 'b'] } })).json()) as {
      object: string;
      data: Array<{ object: string; index: number; embedding: number[] }>;
      model: string;
      usage: unknown;
    };
    assert.equal(floats.object, 'list');
    assert.equal(floats.model, 'bert');
    assert.deepEqual(floats.data[1], { object: 'embedding', index: 1, embedding: [0.5, -0.25, 1, 1 / 3] });
    assert.deepEqual(floats.usage, { prompt_tokens: 6, total_tokens: 6 });
    const b64 = (await (await request('/v1/embeddings', { json: { model: 'bert', input: 'a', encoding_format: 'base64' } })).json()) as {
      data: Array<{ embedding: string }>;
    };
    const bytes = Buffer.from(b64.data[0]!.embedding, 'base64');
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
    assert.deepEqual(decoded, [0.5, -0.25, 0, Math.fround(1 / 3)]);
    for (const [json, param] of [
      [{ model: 'bert' }, 'input'],
      [{ model: 'bert', input: [] }, 'input'],
      [{ model: 'bert', input: [[1, 2]] }, 'input[0]'],
      [{ model: 'bert', input: 'a', encoding_format: 'int8' }, 'encoding_format'],
      [{ model: 'bert', input: 'a', dimensions: 8 }, 'dimensions'],
    ] as const) {
      const r = await request('/v1/embeddings', { json });
      assert.equal(r.status, 400, JSON.stringify(json));
      assert.equal((await errorOf(r)).param, param);
    }
    assert.equal((await request('/v1/embeddings', { json: { model: 'ghost', input: 'a' } })).status, 404);
  });

  test("POST /infer and /embed in Spin's camelCase shapes", async () => {
    const { request, engine } = setup();
    const options = { maxTokens: 7, repeatPenalty: 1.2, repeatPenaltyLastNTokenCount: 8, temperature: 0.5, topK: 4, topP: 0.7 };
    const res = await request('/infer', { json: { model: 'ok', prompt: 'Say', options } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { text: 'Hello', usage: { promptTokenCount: 7, generatedTokenCount: 2 } });
    assert.deepEqual(engine.calls[0]!.params, options);
    assert.equal(engine.calls[0]!.prompt, 'Say');
    await request('/infer', { json: { model: 'ok', prompt: 'Say', options: { maxTokens: 3 } } });
    assert.deepEqual(engine.calls[1]!.params, { maxTokens: 3, repeatPenalty: 1.1, repeatPenaltyLastNTokenCount: 64, temperature: 0.8, topK: 40, topP: 0.9 });
    const embed = await request('/embed', { json: { model: 'bert', input: ['a'] } });
    assert.deepEqual(await embed.json(), { embeddings: [[0.5, -0.25, 0, 1 / 3]], usage: { promptTokenCount: 3 } });
    for (const [path, json, param] of [
      ['/infer', { model: 'ok' }, 'prompt'],
      ['/infer', { model: 'ok', prompt: 'x', options: { maxTokens: 'many' } }, 'options.maxTokens'],
      ['/infer', { model: 'ok', prompt: 'x', options: { topK: -1 } }, 'options.topK'],
      ['/infer', { prompt: 'x' }, 'model'],
      ['/embed', { model: 'bert', input: 'a' }, 'input'],
    ] as const) {
      const r = await request(path, { json });
      assert.equal(r.status, 400, JSON.stringify(json));
      assert.equal((await errorOf(r)).param, param);
    }
    assert.equal((await request('/infer', { json: { model: 'busy', prompt: 'x' } })).status, 503);
  });

  test('GET /v1/models and /v1/models/{id}', async () => {
    const { request } = setup();
    const list = (await (await request('/v1/models')).json()) as { object: string; data: Array<Record<string, unknown>> };
    assert.equal(list.object, 'list');
    assert.deepEqual(
      list.data.map((m) => [m.id, m.object, m.owned_by, typeof m.created]),
      [
        ['ok', 'model', 'model-table', 'number'],
        ['bert', 'model', 'state-dir', 'number'],
      ],
    );
    const one = await request('/v1/models/bert');
    assert.equal(one.status, 200);
    assert.equal(((await one.json()) as { id: string }).id, 'bert');
    const missing = await request('/v1/models/nope');
    assert.equal(missing.status, 404);
    assert.equal((await errorOf(missing)).code, 'model_not_found');
  });

  test('/metrics: requests by route and status, tokens, time to first token, outcomes', async () => {
    const { request } = setup();
    await request('/v1/chat/completions', { json: CHAT });
    await request('/v1/chat/completions', { json: { ...CHAT, model: 'busy' } });
    await request('/v1/models/nope');
    const res = await request('/metrics');
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    assert.match(text, /spin_ts_http_requests_total\{route="\/v1\/chat\/completions",status="200"\} 1/);
    assert.match(text, /spin_ts_http_requests_total\{route="\/v1\/chat\/completions",status="503"\} 1/);
    assert.match(text, /spin_ts_http_requests_total\{route="\/v1\/models\/\{id\}",status="404"\} 1/);
    assert.match(text, /spin_ts_llm_prompt_tokens_total\{model="ok"\} 7/);
    assert.match(text, /spin_ts_llm_generated_tokens_total\{model="ok"\} 2/);
    assert.match(text, /spin_ts_llm_time_to_first_token_seconds_count\{model="ok"\} 1/);
    assert.match(text, /spin_ts_llm_tokens_per_second_count\{model="ok"\} 1/);
    assert.match(text, /spin_ts_llm_requests_total\{model="busy",kind="chat",outcome="busy"\} 1/);
    assert.match(text, /spin_ts_llm_requests_running\{model="ok"\} 0/);
  });
});
