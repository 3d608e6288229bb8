/**
 * The Responses API (POST /v1/responses) through the official `openai` client, on a real engine
 * (tiny-llama: random weights, ChatML): text, plain and streamed (the client's own accumulator
 * rebuilds the response from the events), the token limit as "incomplete", a forced function
 * call plain and streamed, the call and its output sent back as input items, and bad requests
 * refused naming the Responses field.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI, { BadRequestError } from 'openai';
import type { FunctionTool, ResponseFunctionToolCall } from 'openai/resources/responses/responses';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { tempDir } from './support/spin.js';

let server: RunningServer;
let client: OpenAI;
const MODEL = 'tiny';

const WEATHER: FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'The weather in a city',
  strict: true,
  parameters: {
    type: 'object',
    properties: { city: { enum: ['Paris', 'Rome'] }, unit: { enum: ['c', 'f'] } },
    required: ['city', 'unit'],
    additionalProperties: false,
  },
};

function assertWeatherArgs(text: string): void {
  const args = JSON.parse(text) as Record<string, unknown>;
  assert.ok(['Paris', 'Rome'].includes(args.city as string));
  assert.ok(['c', 'f'].includes(args.unit as string));
}

before(async () => {
  const state = join(await tempDir('spin-ts-responses-'), 'state');
  await generateModel('tiny-llama', join(state, 'ai-models', 'llama', MODEL, 'model.gguf'));
  server = await startModelsServe(['--state-dir', state, '--llm-threads', '1', '--llm-slots', '1', '--gpu', 'cpu']);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

describe('the Responses API', () => {
  test('text: one message item with one output_text part; the token limit makes it "incomplete"', async () => {
    const r = await client.responses.create({ model: MODEL, input: 'Say something.', max_output_tokens: 8, temperature: 0 });
    assert.equal(r.object, 'response');
    assert.match(r.id, /^resp-/);
    assert.equal(r.status, 'incomplete');
    assert.deepEqual(r.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(r.output.length, 1);
    const item = r.output[0]!;
    assert.ok(item.type === 'message');
    assert.equal(item.role, 'assistant');
    assert.equal(item.content.length, 1);
    assert.ok(item.content[0]!.type === 'output_text');
    assert.equal(r.output_text, item.content[0]!.text);
    assert.equal(r.usage!.output_tokens, 8);
    assert.equal(r.usage!.total_tokens, r.usage!.input_tokens + 8);
    const instructed = await client.responses.create({
      model: MODEL,
      instructions: 'Answer in one word, always.',
      input: 'Say something.',
      max_output_tokens: 1,
    });
    assert.ok(instructed.usage!.input_tokens > r.usage!.input_tokens, 'instructions are a system message');
    assert.equal(instructed.instructions, 'Answer in one word, always.');
  });

  test('text, streamed: numbered events the client rebuilds into the same response', async () => {
    const body = { model: MODEL, input: [{ role: 'user' as const, content: 'Say something.' }], max_output_tokens: 12, temperature: 0 };
    const plain = await client.responses.create(body);
    const stream = client.responses.stream(body);
    const types: string[] = [];
    const numbers: number[] = [];
    const deltas: string[] = [];
    for await (const e of stream) {
      types.push(e.type);
      numbers.push(e.sequence_number);
      if (e.type === 'response.output_text.delta') deltas.push(e.delta);
    }
    const streamed = await stream.finalResponse();
    assert.deepEqual(
      numbers,
      numbers.map((_, i) => i),
    );
    assert.deepEqual(types.slice(0, 4), ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    assert.deepEqual(types.slice(-4), ['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.incomplete']);
    assert.equal(deltas.join(''), plain.output_text);
    assert.equal(streamed.output_text, plain.output_text);
    assert.equal(streamed.status, 'incomplete');
  });

  test('a forced function call: a function_call item with arguments following the schema', async () => {
    const r = await client.responses.create({
      model: MODEL,
      input: 'What is the weather in Paris?',
      tools: [WEATHER],
      tool_choice: { type: 'function', name: 'get_weather' },
      max_output_tokens: 200,
    });
    assert.equal(r.status, 'completed');
    const call = r.output.find((o) => o.type === 'function_call') as ResponseFunctionToolCall;
    assert.equal(call.name, 'get_weather');
    assert.match(call.call_id, /^call_/);
    assertWeatherArgs(call.arguments);
  });

  test('a function call, streamed, then the call and its output sent back as input items', async () => {
    const stream = client.responses.stream({
      model: MODEL,
      input: 'What is the weather in Rome?',
      tools: [WEATHER],
      tool_choice: 'required',
      max_output_tokens: 200,
    });
    const argDeltas: string[] = [];
    stream.on('response.function_call_arguments.delta', (e) => argDeltas.push(e.delta));
    const r = await stream.finalResponse();
    const call = r.output.find((o) => o.type === 'function_call') as ResponseFunctionToolCall;
    assertWeatherArgs(call.arguments);
    assert.equal(argDeltas.join(''), call.arguments);

    const next = await client.responses.create({
      model: MODEL,
      input: [
        { role: 'user', content: 'What is the weather in Rome?' },
        { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: '{"temperature": 25}' },
      ],
      tools: [WEATHER],
      tool_choice: 'none',
      max_output_tokens: 5,
    });
    assert.equal(next.output[0]!.type, 'message');
    const alone = await client.responses.create({
      model: MODEL,
      input: 'What is the weather in Rome?',
      tools: [WEATHER],
      tool_choice: 'none',
      max_output_tokens: 1,
    });
    assert.ok(next.usage!.input_tokens > alone.usage!.input_tokens + 10, 'the call and its output are in the prompt');
  });

  test('bad requests: 400 naming the Responses field', async () => {
    const refused = async (body: Record<string, unknown>, param: string): Promise<void> => {
      await assert.rejects(
        async () => client.responses.create({ model: MODEL, input: 'hi', max_output_tokens: 4, ...body } as never),
        (err: unknown) => {
          assert.ok(err instanceof BadRequestError, `${param}: ${String(err)}`);
          assert.equal(err.param, param, err.message);
          return true;
        },
      );
    };
    await refused({ input: undefined }, 'input');
    await refused({ input: 7 }, 'input');
    await refused({ previous_response_id: 'resp_1' }, 'previous_response_id');
    await refused({ max_output_tokens: 0 }, 'max_output_tokens');
    await refused({ input: [{ type: 'reasoning', summary: [] }] }, 'input[0].type');
    await refused({ input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'x' }] }] }, 'input[0].content[0].type');
    await refused({ input: [{ role: 'robot', content: 'x' }] }, 'input[0].role');
    await refused(
      {
        input: [
          { role: 'user', content: 'x' },
          { type: 'function_call_output', call_id: 'nope', output: 'x' },
        ],
      },
      'input[1].call_id',
    );
    await refused({ input: [{ type: 'function_call_output', call_id: 'c', output: 7 }] }, 'input[0].output');
    await refused({ tools: [{ type: 'function', name: 'bad name' }] }, 'tools[0].name');
    await refused({ tools: [WEATHER], tool_choice: { type: 'function', name: 'other' } }, 'tool_choice.name');
    await refused({ text: { format: { type: 'xml' } } }, 'text.format.type');
    await refused({ reasoning: { effort: 'high' } }, 'reasoning');
    await refused({ temperature: 5 }, 'temperature');
  });
});
