/**
 * The JavaScript clients people point at OpenAI-compatible servers, against `models serve` on a
 * generated model: @langchain/openai's ChatOpenAI and the AI SDK (`ai` with
 * @ai-sdk/openai-compatible). Each sends its own request shapes (fields, streaming options, tool
 * definitions); each must get a chat answer, a stream, and a tool call it parses itself.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ChatOpenAI } from '@langchain/openai';
import { generateText, jsonSchema, streamText, tool } from 'ai';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { tempDir } from './support/spin.js';

let server: RunningServer;
const MODEL = 'tiny';

// enums: a random-weight model is bounded only by the grammar
const WEATHER_PARAMS = {
  type: 'object',
  properties: { city: { type: 'string', enum: ['Paris', 'Rome', 'Oslo'] }, unit: { type: 'string', enum: ['c', 'f'] } },
  required: ['city', 'unit'],
  additionalProperties: false,
} as const;

function assertWeatherArgs(args: unknown): void {
  const a = args as { city?: string; unit?: string };
  assert.ok(['Paris', 'Rome', 'Oslo'].includes(a.city ?? ''), JSON.stringify(args));
  assert.ok(['c', 'f'].includes(a.unit ?? ''), JSON.stringify(args));
}

before(async () => {
  const state = join(await tempDir('spin-ts-js-clients-'), 'state');
  await generateModel('tiny-llama', join(state, 'ai-models', 'llama', MODEL, 'model.gguf'));
  server = await startModelsServe(['--state-dir', state, '--llm-threads', '1', '--llm-slots', '1', '--gpu', 'cpu']);
});

after(async () => {
  await server?.stop();
});

describe('@langchain/openai', () => {
  const chat = (maxTokens = 8) =>
    new ChatOpenAI({ model: MODEL, apiKey: 'none', configuration: { baseURL: `${server.url}/v1` }, maxTokens, temperature: 0, maxRetries: 0 });

  test('invoke: an AIMessage with text and token usage', async () => {
    const m = await chat().invoke([
      ['system', 'Be brief.'],
      ['human', 'Hello'],
    ]);
    assert.equal(typeof m.content, 'string');
    assert.ok((m.content as string).length > 0);
    assert.ok((m.usage_metadata?.output_tokens ?? 0) > 0, JSON.stringify(m.usage_metadata));
  });

  test('stream: chunks that put together are the answer', async () => {
    let text = '';
    let chunks = 0;
    for await (const c of await chat().stream('Hello')) {
      text += typeof c.content === 'string' ? c.content : '';
      chunks++;
    }
    assert.ok(chunks > 1 && text.length > 0, `${chunks} chunks, ${JSON.stringify(text)}`);
  });

  test('bindTools with tool_choice required: a parsed tool call', async () => {
    const m = await chat(60)
      .bindTools([{ type: 'function', function: { name: 'get_weather', description: 'The weather in a city', parameters: WEATHER_PARAMS } }], {
        tool_choice: 'required',
      })
      .invoke('What is the weather in Paris?');
    assert.equal(m.tool_calls?.length, 1, JSON.stringify(m));
    assert.equal(m.tool_calls![0]!.name, 'get_weather');
    assertWeatherArgs(m.tool_calls![0]!.args);
  });
});

describe('the AI SDK (ai + @ai-sdk/openai-compatible)', () => {
  const model = () => createOpenAICompatible({ name: 'spin-ts', baseURL: `${server.url}/v1`, apiKey: 'none', includeUsage: true }).chatModel(MODEL);

  test('generateText: text, a finish reason and usage', async () => {
    const r = await generateText({ model: model(), system: 'Be brief.', prompt: 'Hello', maxOutputTokens: 8, temperature: 0, maxRetries: 0 });
    assert.ok(r.text.length > 0);
    assert.ok(['length', 'stop'].includes(r.finishReason), r.finishReason);
    assert.ok((r.usage.outputTokens ?? 0) > 0, JSON.stringify(r.usage));
  });

  test('streamText: the text stream puts together the answer', async () => {
    const r = streamText({ model: model(), prompt: 'Hello', maxOutputTokens: 8, temperature: 0, maxRetries: 0 });
    let text = '';
    let parts = 0;
    for await (const t of r.textStream) {
      text += t;
      parts++;
    }
    assert.ok(parts > 1 && text.length > 0, `${parts} parts, ${JSON.stringify(text)}`);
    assert.equal(text, await r.text);
  });

  test('a tool with toolChoice required: a parsed, schema-valid tool call', async () => {
    const r = await generateText({
      model: model(),
      prompt: 'What is the weather in Paris?',
      tools: {
        get_weather: tool({ description: 'The weather in a city', inputSchema: jsonSchema(WEATHER_PARAMS as unknown as Parameters<typeof jsonSchema>[0]) }),
      },
      toolChoice: 'required',
      maxOutputTokens: 60,
      temperature: 0,
      maxRetries: 0,
    });
    assert.equal(r.toolCalls.length, 1, JSON.stringify(r.content));
    assert.equal(r.toolCalls[0]!.toolName, 'get_weather');
    assertWeatherArgs(r.toolCalls[0]!.input);
    assert.equal(r.finishReason, 'tool-calls');
  });
});
