/**
 * No request can crash or stall `spin-ts models serve` (issue #21), tried as an attacker would
 * over loopback against the real engine on a generated model:
 *  - a grammar bomb (50,000 nested groups: llama.cpp's parser overflowed its stack, SIGSEGV) and
 *    schemas with 20,000 enum values (seconds of event-loop stalls) get a 400 naming the bound,
 *    logged, and the server goes on answering;
 *  - Spin's `/infer` has the prompt bound of /v1/completions;
 *  - a long run of one multi-byte character is tokenized without holding other chats hostage.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { tempDir } from './support/spin.js';

let server: RunningServer;
const MODEL = 'tiny';

before(async () => {
  const state = join(await tempDir('spin-ts-llm-bounds-'), 'state');
  await generateModel('tiny-llama', join(state, 'ai-models', 'llama', MODEL, 'model.gguf'));
  await generateModel('tiny-bert', join(state, 'ai-models', 'llama', 'bert', 'model.gguf'));
  server = await startModelsServe(['--state-dir', state, '--llm-threads', '1', '--llm-slots', '2', '--gpu', 'cpu']);
});

after(async () => {
  await server?.stop();
});

interface Reply {
  status: number;
  body: { error?: { message: string; code: string | null; param: string | null }; choices?: Array<{ message: { content: string } }> };
}

async function post(path: string, body: unknown): Promise<Reply> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}

function chat(extra: Record<string, unknown>, content = 'hello'): Promise<Reply> {
  return post('/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content }], max_tokens: 8, temperature: 0, ...extra });
}

/** The server's log reaches us through a pipe, a little after the answer. */
async function assertLogged(line: RegExp): Promise<void> {
  for (let i = 0; i < 100 && !line.test(server.output()); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(server.output(), line);
}

/** The server is alive and serving: /health and a normal chat. */
async function assertStillServing(): Promise<void> {
  const health = await fetch(`${server.url}/health`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
  const r = await chat({});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(typeof r.body.choices?.[0]?.message.content, 'string');
}

const enumSchema = (n: number) => ({
  type: 'object',
  properties: { a: { enum: Array.from({ length: n }, (_, i) => `value-${i}`) } },
  required: ['a'],
});

describe('grammar bounds', () => {
  test('a grammar of 50,000 nested groups is refused with a 400 naming the bound, logged, and the server lives', async () => {
    const bomb = 'root ::= ' + '('.repeat(50_000) + '"a"' + ')'.repeat(50_000);
    const r = await chat({ grammar: bomb });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error?.code, 'grammar_too_large');
    assert.equal(r.body.error?.param, 'grammar');
    assert.match(r.body.error!.message, /at most \d+ characters/);
    await assertLogged(/refused POST \/v1\/chat\/completions: 'grammar': the grammar is 100012 characters/);
    await assertStillServing();
  });

  test('deep nesting within the size bound is refused by the depth bound', async () => {
    const deep = 'root ::= ' + '('.repeat(5_000) + '"a"' + ')'.repeat(5_000);
    const r = await post('/v1/completions', { model: MODEL, prompt: 'x', max_tokens: 4, grammar: deep });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error?.code, 'grammar_too_large');
    assert.match(r.body.error!.message, /nests groups more than 64 deep/);
    const many = await chat({ grammar: 'root ::= ' + '("a")'.repeat(1025) });
    assert.equal(many.status, 400, JSON.stringify(many.body));
    assert.match(many.body.error!.message, /more than 1024 groups/);
    await assertStillServing();
  });

  test('too many alternatives are refused; the largest allowed grammar still constrains the answer', async () => {
    const alts = (n: number) => 'root ::= ' + Array.from({ length: n }, (_, i) => `"w${i}"`).join(' | ');
    const over = await chat({ grammar: 'root ::= ' + Array(2_000).fill('"a"').join('|') });
    assert.equal(over.status, 400, JSON.stringify(over.body));
    assert.match(over.body.error!.message, /more than 1024 alternatives/);
    const within = await chat({ grammar: alts(1025) });
    assert.equal(within.status, 200, JSON.stringify(within.body));
    assert.match(within.body.choices![0]!.message.content, /^w\d+$/);
  });

  test('a json_schema with 20,000 enum values is refused (response_format, json_schema and tools)', async () => {
    const rf = await chat({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: enumSchema(20_000) } } });
    assert.equal(rf.status, 400, JSON.stringify(rf.body));
    assert.equal(rf.body.error?.code, 'grammar_too_large');
    assert.equal(rf.body.error?.param, 'response_format.json_schema.schema');
    const js = await chat({ json_schema: enumSchema(20_000) });
    assert.equal(js.status, 400, JSON.stringify(js.body));
    assert.equal(js.body.error?.param, 'json_schema');
    const tools = await chat({ tools: [{ type: 'function', function: { name: 'f', parameters: enumSchema(20_000) } }], tool_choice: 'required' });
    assert.equal(tools.status, 400, JSON.stringify(tools.body));
    assert.equal(tools.body.error?.param, 'tools[0].function.parameters');
    await assertLogged(/refused POST \/v1\/chat\/completions: 'json_schema': /);
    await assertStillServing();
  });

  test('a deeply nested schema is refused; a schema within the bounds still works', async () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 100; i++) deep = { type: 'object', properties: { a: deep }, required: ['a'] };
    const over = await chat({ json_schema: deep });
    assert.equal(over.status, 400, JSON.stringify(over.body));
    assert.match(over.body.error!.message, /nests objects and arrays more than 32 deep/);
    const ok = await chat({ json_schema: enumSchema(1000), max_tokens: 30 });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  test('more than 128 tools are refused', async () => {
    const tools = Array.from({ length: 129 }, (_, i) => ({ type: 'function', function: { name: `f${i}` } }));
    const r = await chat({ tools });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error?.code, 'too_many_tools');
  });
});

describe("Spin's /infer", () => {
  test('a prompt over the prompt bound gets a 400 before it is tokenized', async () => {
    const r = await post('/infer', { model: MODEL, prompt: 'ab '.repeat(1_400_000) });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error?.code, 'prompt_too_long');
    assert.equal(r.body.error?.param, 'prompt');
    assert.match(r.body.error!.message, /at most 262144 characters; set SPIN_TS_OPENAI_MAX_PROMPT_CHARS/);
    const ok = await post('/infer', { model: MODEL, prompt: 'hello', options: { maxTokens: 4 } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });
});

describe('embedding inputs', () => {
  test('over the prompt bound together, they get a 400 before they are tokenized (/v1/embeddings and /embed)', async () => {
    const input = ['ab '.repeat(50_000), 'ab '.repeat(50_000)];
    const openai = await post('/v1/embeddings', { model: 'bert', input });
    assert.equal(openai.status, 400, JSON.stringify(openai.body));
    assert.equal(openai.body.error?.code, 'prompt_too_long');
    assert.match(openai.body.error!.message, /the inputs are 300000 characters together, .*at most 262144 characters/);
    const spin = await post('/embed', { model: 'bert', input });
    assert.equal(spin.status, 400, JSON.stringify(spin.body));
    assert.equal(spin.body.error?.code, 'prompt_too_long');
    const ok = await post('/v1/embeddings', { model: 'bert', input: ['hello', 'world'] });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });
});

describe('a long run of one multi-byte character', () => {
  test('is tokenized without holding the chats queued behind it (262,144 "€", four at once)', async () => {
    // "€" is no token of this vocabulary: 3 byte tokens each, which llama.cpp's SentencePiece
    // tokenizer used to write in time growing with the square of the run (~20 s for each of these)
    const big = Array.from({ length: 4 }, () => chat({}, '€'.repeat(262_144)));
    await new Promise((r) => setTimeout(r, 500));
    // 40 messages: over the inline size, so tokenized in the prompt worker, behind the big ones
    const messages = Array.from({ length: 40 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i}` }));
    const safety = AbortSignal.timeout(30_000);
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages, max_tokens: 4 }),
      signal: safety,
    });
    assert.equal(res.status, 200, await res.clone().text());
    await res.body?.cancel();
    const short = await chat({});
    assert.equal(short.status, 200);
    for (const r of await Promise.all(big)) {
      assert.equal(r.status, 400, JSON.stringify(r.body));
      // every character counted: 3 byte tokens each, and SentencePiece's leading space
      assert.match(r.body.error!.message, /^the prompt is 78\d{4} tokens; the context holds 2048/);
    }
  });
});
