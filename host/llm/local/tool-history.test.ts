/**
 * Tool calls in the rendered prompt (chat.ts) and the call syntax read from a wrapper
 * (tool-calls.ts), on tiny-llama's ChatML template: node-llama-cpp's ChatML wrapper documents the
 * functions in the system message and writes calls as `||call: name(params)` with `||result: …`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getLlama, type Llama, type LlamaModel } from 'node-llama-cpp';
import { LlmError, type ChatMessage, type ToolFunction } from '../engine.js';
import { generateModel } from '../../gguf/presets.js';
import { chatWrapperFor, formatChat } from './chat.js';
import { callSyntax } from './tool-calls.js';

let root: string;
let llama: Llama;
let tiny: LlamaModel;

const WEATHER: ToolFunction = { name: 'get_weather', description: 'The weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };
const CALL = { id: 'call_1', name: 'get_weather', arguments: '{"city": "Paris"}' };

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'llm-tools-'));
  const path = (await generateModel('tiny-llama', join(root, 'tiny.gguf'))).path;
  llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, maxThreads: 1 });
  tiny = await llama.loadModel({ modelPath: path });
});

after(async () => {
  await tiny?.dispose();
  await rm(root, { recursive: true, force: true });
});

function refusal(messages: ChatMessage[], param: RegExp): void {
  assert.throws(
    () => formatChat(tiny, undefined, messages),
    (err: unknown) => err instanceof LlmError && err.kind === 'invalid-input' && param.test(err.message),
  );
}

describe('tool calls in the prompt', () => {
  test('the offered functions are documented in the system message only when given', () => {
    const messages: ChatMessage[] = [{ role: 'user', content: 'Weather?' }];
    const plain = formatChat(tiny, undefined, messages).prompt;
    const withTools = formatChat(tiny, undefined, messages, [WEATHER]).prompt;
    assert.doesNotMatch(plain, /get_weather/);
    assert.match(withTools, /function get_weather\(params: \{city: string\}\);/);
    assert.match(withTools, /\/\/ The weather/);
  });

  test('a call, its result and the rest of the answer are one assistant turn', () => {
    const { prompt } = formatChat(tiny, undefined, [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: '', toolCalls: [CALL] },
      { role: 'tool', content: '{"temp": 20}', toolCallId: 'call_1' },
      { role: 'assistant', content: 'It is 20.' },
      { role: 'user', content: 'Thanks' },
    ]);
    assert.ok(
      prompt.includes('<|im_start|>assistant\n||call: get_weather({"city": "Paris"})\n||result: {"temp": 20}\nIt is 20.<|im_end|>\n<|im_start|>user\nThanks'),
      prompt,
    );
  });

  test('after a tool result, the answer goes on in the same turn', () => {
    const { prompt } = formatChat(tiny, undefined, [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: 'Let me look.', toolCalls: [CALL] },
      { role: 'tool', content: 'sunny', toolCallId: 'call_1' },
    ]);
    assert.ok(prompt.endsWith('<|im_start|>assistant\nLet me look.||call: get_weather({"city": "Paris"})\n||result: "sunny"\n'), prompt);
  });

  test('a result for no earlier call, or a call with no result: invalid input naming the message', () => {
    refusal(
      [
        { role: 'user', content: 'x' },
        { role: 'tool', content: 'r', toolCallId: 'nope' },
      ],
      /^'messages\[1\]\.tool_call_id'/,
    );
    refusal(
      [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: '', toolCalls: [CALL] },
        { role: 'user', content: 'y' },
      ],
      /^'messages\[2\]': the tool calls "call_1"/,
    );
    refusal(
      [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: '', toolCalls: [CALL] },
      ],
      /^'messages': the tool calls "call_1"/,
    );
  });

  test("ChatML's call syntax: prefix, params prefix, and the stop strings that mean a call begins", () => {
    assert.deepEqual(callSyntax(chatWrapperFor(tiny, undefined), tiny), { prefix: '||call: ', paramsPrefix: '(', starts: ['||call:'] });
    assert.deepEqual(callSyntax(chatWrapperFor(tiny, 'llama3.1'), tiny), { prefix: '<function=', paramsPrefix: '>', starts: ['<function='] });
  });
});
