/**
 * JSON-schema bounds on the generated output, through `models serve` and the `openai` client on a
 * generated random-weight model (the worst case: it favours no token, so only the grammar bounds
 * it). Before schema-support.ts an integer with maximum 9 came back as 655, and a plain string ran
 * to max_tokens, so the client saw `Unterminated string in JSON`.
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
const ask = [{ role: 'user' as const, content: 'Give a digit, a count and a name, in JSON.' }];

const BOUNDED = {
  type: 'object',
  properties: {
    digit: { type: 'integer', minimum: 0, maximum: 9 },
    count: { type: 'integer', exclusiveMinimum: 10, exclusiveMaximum: 20 },
    name: { type: 'string' },
  },
  required: ['digit', 'count', 'name'],
  additionalProperties: false,
} as const;

function assertInBounds(text: string): void {
  const v = JSON.parse(text) as { digit: number; count: number; name: string };
  assert.ok(Number.isInteger(v.digit) && v.digit >= 0 && v.digit <= 9, `digit ${v.digit}`);
  assert.ok(Number.isInteger(v.count) && v.count > 10 && v.count < 20, `count ${v.count}`);
  assert.equal(typeof v.name, 'string');
}

before(async () => {
  const state = join(await tempDir('spin-ts-schema-bounds-'), 'state');
  await generateModel('tiny-llama', join(state, 'ai-models', 'llama', MODEL, 'model.gguf'));
  server = await startModelsServe(['--state-dir', state, '--llm-threads', '1', '--llm-slots', '1', '--gpu', 'cpu']);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

describe('JSON-schema bounds', () => {
  test('response_format: integers stay within minimum/maximum (and the exclusive ones), and the string closes', async () => {
    for (const seed of [1, 2, 3]) {
      const r = await client.chat.completions.create({
        model: MODEL,
        messages: ask,
        max_completion_tokens: 600,
        seed,
        response_format: { type: 'json_schema', json_schema: { name: 'bounded', strict: true, schema: BOUNDED } },
      });
      assert.equal(r.choices[0]!.finish_reason, 'stop', r.choices[0]!.message.content ?? '');
      assertInBounds(r.choices[0]!.message.content!);
    }
  });

  test("tool arguments follow the parameters' bounds too", async () => {
    const r = await client.chat.completions.create({
      model: MODEL,
      messages: ask,
      max_completion_tokens: 600,
      seed: 4,
      tools: [{ type: 'function', function: { name: 'pick', parameters: BOUNDED } }],
      tool_choice: 'required',
    });
    const call = r.choices[0]!.message.tool_calls?.[0];
    assert.ok(call && call.type === 'function', JSON.stringify(r.choices[0]));
    assert.equal(r.choices[0]!.finish_reason, 'tool_calls');
    assertInBounds(call.function.arguments);
  });

  test('a keyword the grammar cannot enforce is a 400 naming it, before any generation', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ type: 'object', properties: { id: { type: 'string', pattern: '^[a-z]+$' } } }, /schema\.properties\.id\.pattern'/],
      [{ type: 'object', properties: { n: { type: 'integer', minimum: 0 } } }, /schema\.properties\.n\.minimum'.*give 'maximum' too/],
      [{ type: 'object', properties: { x: { type: 'number', maximum: 1 } } }, /schema\.properties\.x\.maximum'/],
      [{ type: 'object', properties: { e: { type: 'string', format: 'email' } } }, /schema\.properties\.e\.format'/],
    ];
    for (const [schema, message] of cases) {
      await assert.rejects(
        client.chat.completions.create({
          model: MODEL,
          messages: ask,
          max_completion_tokens: 5,
          response_format: { type: 'json_schema', json_schema: { name: 's', schema } },
        }),
        (err: unknown) => err instanceof BadRequestError && err.param === 'response_format.json_schema.schema' && message.test(err.message),
      );
    }
    await assert.rejects(
      client.chat.completions.create({
        model: MODEL,
        messages: ask,
        max_completion_tokens: 5,
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { n: { type: 'integer', maximum: 3 } } } } }],
      }),
      (err: unknown) => err instanceof BadRequestError && err.param === 'tools[0].function.parameters' && /properties\.n\.maximum'/.test(err.message),
    );
  });
});
