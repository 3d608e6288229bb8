/**
 * Structured output and the sampling extensions on a real engine, through the official `openai`
 * client: tiny-llama (random weights) answers gibberish unconstrained; with `response_format`
 * json_schema, llama-server's `json_schema` or `grammar` (GBNF), the sampler only offers tokens
 * the grammar allows, so the answer parses and validates. `logit_bias` and `min_p` reach the sampler.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI, { BadRequestError } from 'openai';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { tempDir } from './support/spin.js';

let server: RunningServer;
let client: OpenAI;
const MODEL = 'tiny';

const SCHEMA = {
  type: 'object',
  properties: {
    answer: { enum: ['yes', 'no', 'maybe'] },
    sure: { type: 'boolean' },
  },
  required: ['answer', 'sure'],
  additionalProperties: false,
} as const;

/** The schema above, checked by hand: exactly these keys, these types. */
function assertValid(value: unknown): void {
  assert.equal(typeof value, 'object');
  assert.notEqual(value, null);
  const o = value as Record<string, unknown>;
  assert.deepEqual(Object.keys(o).sort(), ['answer', 'sure']);
  assert.ok(['yes', 'no', 'maybe'].includes(o.answer as string), `answer ${String(o.answer)}`);
  assert.equal(typeof o.sure, 'boolean');
}

const ask = [{ role: 'user' as const, content: 'Is the sky blue? Answer in JSON.' }];

before(async () => {
  const state = join(await tempDir('spin-ts-structured-'), 'state');
  await generateModel('tiny-llama', join(state, 'ai-models', 'llama', MODEL, 'model.gguf'));
  server = await startModelsServe(['--state-dir', state, '--llm-threads', '1', '--llm-slots', '1', '--gpu', 'cpu']);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

describe('structured output', () => {
  test('unconstrained, the same request does not give JSON', async () => {
    const r = await client.chat.completions.create({ model: MODEL, messages: ask, max_completion_tokens: 40, temperature: 0 });
    assert.throws(() => JSON.parse(r.choices[0]!.message.content ?? ''));
  });

  test('response_format json_schema (strict): the answer parses and validates, and ends with "stop"', async () => {
    for (const seed of [1, 2, 3]) {
      const r = await client.chat.completions.create({
        model: MODEL,
        messages: ask,
        max_completion_tokens: 200,
        seed,
        response_format: { type: 'json_schema', json_schema: { name: 'verdict', strict: true, schema: SCHEMA } },
      });
      assert.equal(r.choices[0]!.finish_reason, 'stop');
      assertValid(JSON.parse(r.choices[0]!.message.content!));
    }
  });

  test('streamed: the deltas put together validate', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: ask,
      max_completion_tokens: 200,
      seed: 4,
      stream: true,
      response_format: { type: 'json_schema', json_schema: { name: 'verdict', schema: SCHEMA } },
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assertValid(JSON.parse(text));
  });

  test("llama-server's json_schema and grammar (GBNF) extensions, on completions too", async () => {
    const viaSchema = await client.completions.create({ model: MODEL, prompt: 'Verdict:', max_tokens: 200, seed: 5, json_schema: SCHEMA } as never);
    assertValid(JSON.parse((viaSchema as unknown as OpenAI.Completion).choices[0]!.text));
    const grammar = 'root ::= ("yes" | "no") "! " [0-9] [0-9]?';
    const viaGbnf = await client.chat.completions.create({ model: MODEL, messages: ask, max_completion_tokens: 20, seed: 6, grammar } as never);
    assert.match((viaGbnf as unknown as OpenAI.ChatCompletion).choices[0]!.message.content!, /^(yes|no)! \d\d?$/);
  });

  test('response_format json_object: a JSON object', async () => {
    const r = await client.chat.completions.create({
      model: MODEL,
      messages: ask,
      max_completion_tokens: 400,
      seed: 7,
      temperature: 0.2,
      response_format: { type: 'json_object' },
    });
    const choice = r.choices[0]!;
    if (choice.finish_reason === 'stop') assert.equal(typeof JSON.parse(choice.message.content!), 'object');
    else assert.match(choice.message.content!, /^\s*\{/); // cut by the token limit: still the start of an object
  });

  test('a grammar that does not compile is a 400 naming the field', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: ask, max_completion_tokens: 5, grammar: 'root ::= (' } as never),
      (err: unknown) => err instanceof BadRequestError && err.param === 'grammar' && /cannot be turned into a grammar/.test(err.message),
    );
  });
});

describe('sampling extensions', () => {
  test('logit_bias +100 on one token makes it the answer; an id beyond the vocabulary is a 400', async () => {
    const r = await client.completions.create({ model: MODEL, prompt: 'Hello', max_tokens: 3, temperature: 0, logit_bias: { 300: 100 } });
    const text = r.choices[0]!.text;
    assert.ok(text.length > 0);
    const piece = text.slice(0, text.length / 3);
    assert.equal(text, piece.repeat(3));
    const plain = await client.completions.create({ model: MODEL, prompt: 'Hello', max_tokens: 3, temperature: 0 });
    assert.notEqual(plain.choices[0]!.text, text);
    await assert.rejects(
      client.completions.create({ model: MODEL, prompt: 'Hello', max_tokens: 3, logit_bias: { 99999999: 5 } }),
      (err: unknown) => err instanceof BadRequestError && err.param === 'logit_bias' && /not a token id of this model/.test(err.message),
    );
  });

  test('min_p 1 keeps only the most likely token: sampling at temperature 2 becomes greedy', async () => {
    const greedy = await client.completions.create({ model: MODEL, prompt: 'Hello', max_tokens: 12, temperature: 0 });
    for (const seed of [1, 2]) {
      const r = await client.completions.create({ model: MODEL, prompt: 'Hello', max_tokens: 12, temperature: 2, seed, min_p: 1 } as never);
      assert.equal((r as unknown as OpenAI.Completion).choices[0]!.text, greedy.choices[0]!.text);
    }
  });
});
