/**
 * Tool calling on a real engine through the official `openai` client. tiny-llama (random weights,
 * ChatML template: node-llama-cpp's ChatML wrapper, whose call syntax is `||call: name({…})`)
 * never chooses a call by itself, so the tests force one: `tool_choice` required or named, or, for
 * `auto`, llama-server's `grammar` making the answer begin with the call prefix. The name and the
 * arguments are generated under grammars: they are an offered name and JSON that follows the
 * function's schema. The round trip sends the call and its result back in the history.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI, { BadRequestError } from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { tempDir } from './support/spin.js';

let server: RunningServer;
let client: OpenAI;
const MODEL = 'tiny';

const WEATHER: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: {
      type: 'object',
      // enums: a random-weight model would write an unconstrained string until the token limit
      properties: { city: { enum: ['Paris', 'Rome', 'Oslo'] }, unit: { enum: ['c', 'f'] } },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};
const TIME: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_time',
    parameters: { type: 'object', properties: { zone: { enum: ['utc', 'local'] } }, required: ['zone'], additionalProperties: false },
  },
};

function assertWeatherArgs(text: string): void {
  const args = JSON.parse(text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(args).sort(), ['city', 'unit']);
  assert.ok(['Paris', 'Rome', 'Oslo'].includes(args.city as string));
  assert.ok(['c', 'f'].includes(args.unit as string));
}

function assertArgsFor(name: string, text: string): void {
  if (name === 'get_weather') return assertWeatherArgs(text);
  assert.equal(name, 'get_time');
  assert.ok(['utc', 'local'].includes((JSON.parse(text) as { zone: string }).zone));
}

const ask: ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];

before(async () => {
  const state = join(await tempDir('spin-ts-tools-'), 'state');
  await generateModel('tiny-llama', join(state, 'ai-models', 'llama', MODEL, 'model.gguf'));
  server = await startModelsServe(['--state-dir', state, '--llm-threads', '1', '--llm-slots', '1', '--gpu', 'cpu']);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

describe('tool calling', () => {
  test('tool_choice names a function: one call to it, arguments following its schema, finish_reason "tool_calls"', async () => {
    for (const seed of [1, 2]) {
      const r: OpenAI.Chat.ChatCompletion = await client.chat.completions.create({
        model: MODEL,
        messages: ask,
        tools: [WEATHER, TIME],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        max_completion_tokens: 200,
        seed,
      });
      const choice = r.choices[0]!;
      assert.equal(choice.finish_reason, 'tool_calls');
      assert.equal(choice.message.content, null);
      assert.equal(choice.message.tool_calls?.length, 1);
      const call = choice.message.tool_calls![0]!;
      assert.equal(call.type, 'function');
      assert.match(call.id, /^call_\w+$/);
      assert.ok(call.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      assertWeatherArgs(call.function.arguments);
      assert.equal(call.function.arguments, call.function.arguments.trim(), 'no whitespace around the arguments');
      assert.ok(r.usage!.completion_tokens > 0);
    }
  });

  test('tool_choice "required": a call to one of the offered functions', async () => {
    const r = await client.chat.completions.create({
      model: MODEL,
      messages: ask,
      tools: [WEATHER, TIME],
      tool_choice: 'required',
      max_completion_tokens: 200,
      seed: 3,
    });
    const call = r.choices[0]!.message.tool_calls![0]!;
    assert.ok(call.type === 'function');
    assert.ok(['get_weather', 'get_time'].includes(call.function.name));
    assertArgsFor(call.function.name, call.function.arguments);
    assert.equal(r.choices[0]!.finish_reason, 'tool_calls');
  });

  test('tool_choice "auto": a plain answer unless the model writes the call prefix; then a call, the text before it as content', async () => {
    const plain = await client.chat.completions.create({ model: MODEL, messages: ask, tools: [WEATHER], max_completion_tokens: 20, temperature: 0 });
    assert.notEqual(plain.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(plain.choices[0]!.message.tool_calls, undefined);
    assert.equal(typeof plain.choices[0]!.message.content, 'string');

    // llama-server's `grammar` makes the answer "Sure. ||call: …": the model has begun a call
    const r = await client.chat.completions.create({
      model: MODEL,
      messages: ask,
      tools: [WEATHER, TIME],
      max_completion_tokens: 200,
      seed: 5,
      // @ts-expect-error llama-server's extension
      grammar: 'root ::= "Sure. ||call: " [a-z_]+',
    });
    assert.equal(r.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(r.choices[0]!.message.content, 'Sure. ');
    const call = r.choices[0]!.message.tool_calls![0]!;
    assert.ok(call.type === 'function');
    assertArgsFor(call.function.name, call.function.arguments);
  });

  test('a long history (rendered by the prompt worker) with tools: the functions are in its prompt too', async () => {
    const long: ChatCompletionMessageParam[] = Array.from({ length: 40 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i}` }) as const);
    const withTools = await client.chat.completions.create({
      model: MODEL,
      messages: [...long, ...ask],
      tools: [WEATHER],
      tool_choice: 'required',
      max_completion_tokens: 200,
      seed: 4,
    });
    const call = withTools.choices[0]!.message.tool_calls![0]!;
    assert.ok(call.type === 'function');
    assertWeatherArgs(call.function.arguments);
    const without = await client.chat.completions.create({ model: MODEL, messages: [...long, ...ask], max_completion_tokens: 1 });
    assert.ok(withTools.usage!.prompt_tokens > without.usage!.prompt_tokens + 50, 'the functions are documented in the prompt');
  });

  test('tool_choice "none": no call, even with tools', async () => {
    const r = await client.chat.completions.create({ model: MODEL, messages: ask, tools: [WEATHER], tool_choice: 'none', max_completion_tokens: 10, seed: 1 });
    assert.equal(r.choices[0]!.message.tool_calls, undefined);
    assert.notEqual(r.choices[0]!.finish_reason, 'tool_calls');
  });

  test('streamed: the client puts the call together from the deltas; the round trip sends it and its result back', async () => {
    const stream = client.chat.completions.stream({
      model: MODEL,
      messages: ask,
      tools: [WEATHER],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      max_completion_tokens: 200,
      seed: 7,
    });
    const argumentDeltas: string[] = [];
    stream.on('tool_calls.function.arguments.delta', (e) => argumentDeltas.push(e.arguments_delta));
    const done = await stream.finalChatCompletion();
    const message = done.choices[0]!.message;
    assert.equal(done.choices[0]!.finish_reason, 'tool_calls');
    const call = message.tool_calls![0]!;
    assert.ok(call.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assertWeatherArgs(call.function.arguments);
    assert.equal(call.function.arguments, call.function.arguments.trim(), 'no whitespace around the arguments');
    assert.ok(argumentDeltas.length > 1, `the arguments arrive in pieces (${argumentDeltas.length})`);
    assert.equal(argumentDeltas.join(''), call.function.arguments);

    // the call and its result back: a plain answer follows, on a longer prompt
    const history: ChatCompletionMessageParam[] = [
      ...ask,
      { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: call.function }] },
      { role: 'tool', tool_call_id: call.id, content: JSON.stringify({ temperature: 21, sky: 'clear' }) },
    ];
    const answer = await client.chat.completions.create({
      model: MODEL,
      messages: history,
      tools: [WEATHER],
      tool_choice: 'none',
      max_completion_tokens: 10,
      seed: 1,
    });
    assert.equal(typeof answer.choices[0]!.message.content, 'string');
    const base = await client.chat.completions.create({ model: MODEL, messages: ask, tools: [WEATHER], tool_choice: 'none', max_completion_tokens: 1 });
    assert.ok(answer.usage!.prompt_tokens > base.usage!.prompt_tokens + 10, 'the call and its result are in the prompt');

    // and a further call may follow a result
    const again = await client.chat.completions.create({
      model: MODEL,
      messages: history,
      tools: [WEATHER],
      tool_choice: 'required',
      max_completion_tokens: 200,
      seed: 2,
    });
    assert.equal(again.choices[0]!.finish_reason, 'tool_calls');
  });

  test('raw SSE: the first tool-call delta names the call, the next ones carry its arguments', async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: ask, tools: [WEATHER], tool_choice: 'required', max_tokens: 200, seed: 8, stream: true }),
    });
    assert.equal(res.status, 200);
    const events = (await res.text())
      .split('\n\n')
      .filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]')
      .map((e) => JSON.parse(e.slice(6)) as { choices: { delta: { tool_calls?: unknown[] }; finish_reason: string | null }[] });
    const calls = events.flatMap((e) => (e.choices[0]?.delta.tool_calls ?? []) as Record<string, unknown>[]);
    assert.deepEqual(Object.keys(calls[0]!).sort(), ['function', 'id', 'index', 'type']);
    assert.deepEqual(calls[0]!.function, { name: 'get_weather', arguments: '' });
    for (const c of calls.slice(1)) assert.deepEqual(Object.keys(c).sort(), ['function', 'index']);
    assertWeatherArgs(calls.map((c) => (c.function as { arguments: string }).arguments).join(''));
    assert.equal(events.at(-1)!.choices[0]!.finish_reason, 'tool_calls');
  });

  test('max_completion_tokens cuts the arguments: finish_reason "length", the partial call returned', async () => {
    const r = await client.chat.completions.create({
      model: MODEL,
      messages: ask,
      tools: [WEATHER],
      tool_choice: 'required',
      max_completion_tokens: 3,
      seed: 1,
    });
    assert.equal(r.choices[0]!.finish_reason, 'length');
    assert.equal(r.usage!.completion_tokens, 3);
  });

  test('bad tools, tool choices and tool messages: 400 naming the field', async () => {
    const refused = async (body: Record<string, unknown>, param: string): Promise<void> => {
      await assert.rejects(
        async () => client.chat.completions.create({ model: MODEL, messages: ask, max_completion_tokens: 5, ...body } as never),
        (err: unknown) => {
          assert.ok(err instanceof BadRequestError, `${param}: ${String(err)}`);
          assert.equal(err.param, param, err.message);
          return true;
        },
        `expected a 400 naming ${param}`,
      );
    };
    await refused({ tools: {} }, 'tools');
    await refused({ tools: [{ type: 'retrieval' }] }, 'tools[0].type');
    await refused({ tools: [{ type: 'function' }] }, 'tools[0].function');
    await refused({ tools: [{ type: 'function', function: { name: 'has space' } }] }, 'tools[0].function.name');
    await refused({ tools: [{ type: 'function', function: { name: 'f', parameters: 'x' } }] }, 'tools[0].function.parameters');
    await refused({ tools: [WEATHER, WEATHER] }, 'tools[1].function.name');
    await refused({ tool_choice: 'required' }, 'tool_choice');
    await refused({ tools: [WEATHER], tool_choice: 'sometimes' }, 'tool_choice');
    await refused({ tools: [WEATHER], tool_choice: { type: 'function', function: { name: 'get_time' } } }, 'tool_choice.function.name');
    await refused({ functions: [WEATHER.function] }, 'functions');
    const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } };
    await refused({ messages: [...ask, { role: 'tool', content: 'x' }] }, 'messages[1].tool_call_id');
    await refused({ messages: [...ask, { role: 'tool', tool_call_id: 'call_9', content: 'x' }] }, 'messages[1].tool_call_id');
    await refused({ messages: [...ask, { role: 'assistant', tool_calls: [call] }, { role: 'user', content: 'hm' }] }, 'messages[2]');
    await refused(
      { messages: [...ask, { role: 'assistant', tool_calls: [{ ...call, function: { name: 'f', arguments: {} } }] }] },
      'messages[1].tool_calls[0].function.arguments',
    );
    await refused({ messages: [...ask, { role: 'user', content: 'x', tool_calls: [call] }] }, 'messages[1].tool_calls');
  });
});
