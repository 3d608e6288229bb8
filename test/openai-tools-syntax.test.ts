/**
 * Tool calling in other chat wrappers' call syntax: the same tiny-llama GGUF served under the
 * named templates "qwen" (`<tool_call>{"name": …, "arguments": …}</tool_call>`) and "llama3.1"
 * (`<function=name>{…}</function>`). A forced call, a call the model begins itself in `auto`
 * (llama-server's `grammar` makes the answer start with the wrapper's call prefix), and the call
 * with its result sent back, for each.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { tempDir } from './support/spin.js';

let server: RunningServer;
let client: OpenAI;

const WEATHER: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { enum: ['Paris', 'Rome'] } }, required: ['city'], additionalProperties: false },
  },
};

/** Each wrapper's call prefix, as a GBNF literal that starts the answer. */
const SYNTAXES = [
  { model: 'qwen', prefix: '<tool_call>\\n{\\"name\\": \\"' },
  { model: 'llama31', prefix: '<function=' },
] as const;

before(async () => {
  const dir = await tempDir('spin-ts-tools-syntax-');
  await generateModel('tiny-llama', join(dir, 'tiny.gguf'));
  await writeFile(
    join(dir, 'runtime-config.toml'),
    `[llm_models.qwen]
path = "tiny.gguf"
chat_template = "qwen"

[llm_models.llama31]
path = "tiny.gguf"
chat_template = "llama3.1"
`,
  );
  server = await startModelsServe(['--runtime-config-file', join(dir, 'runtime-config.toml'), '--llm-threads', '1', '--llm-slots', '1', '--gpu', 'cpu']);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

const ask: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Rome?' }];

for (const { model, prefix } of SYNTAXES) {
  describe(`tool calls with the ${model} wrapper`, () => {
    test('a forced call, and one the model begins itself', async () => {
      const forced = await client.chat.completions.create({
        model,
        messages: ask,
        tools: [WEATHER],
        tool_choice: 'required',
        max_completion_tokens: 100,
        seed: 1,
      });
      const call = forced.choices[0]!.message.tool_calls![0]!;
      assert.ok(call.type === 'function');
      assert.equal(call.function.name, 'get_weather');
      assert.ok(['Paris', 'Rome'].includes((JSON.parse(call.function.arguments) as { city: string }).city));

      const begun = await client.chat.completions.create({
        model,
        messages: ask,
        tools: [WEATHER],
        max_completion_tokens: 100,
        seed: 2,
        // @ts-expect-error llama-server's extension
        grammar: `root ::= "${prefix}" [a-z]+`,
      });
      assert.equal(begun.choices[0]!.finish_reason, 'tool_calls', JSON.stringify(begun.choices[0]));
      assert.equal(begun.choices[0]!.message.content, null);

      const history: ChatCompletionMessageParam[] = [
        ...ask,
        { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: call.function }] },
        { role: 'tool', tool_call_id: call.id, content: '{"temperature": 25}' },
      ];
      const answer = await client.chat.completions.create({ model, messages: history, tools: [WEATHER], tool_choice: 'none', max_completion_tokens: 3 });
      assert.equal(typeof answer.choices[0]!.message.content, 'string');
    });
  });
}
