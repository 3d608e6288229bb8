/**
 * Log probabilities through the official `openai` client, on a real engine: chat's
 * `logprobs`/`top_logprobs` and the legacy completions' `logprobs`, plain and streamed.
 * tiny-predictable (hand-set weights: greedy "a" → "bcdefghijklmnopqrstuvwxyz") makes the
 * tokens exact; tiny-llama (random weights, ChatML) gives a spread distribution for the chat shapes.
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

before(async () => {
  const state = join(await tempDir('spin-ts-logprobs-'), 'state');
  await generateModel('tiny-predictable', join(state, 'ai-models', 'llama', 'p', 'model.gguf'));
  await generateModel('tiny-llama', join(state, 'ai-models', 'llama', 'tiny', 'model.gguf'));
  server = await startModelsServe(['--state-dir', state, '--llm-threads', '1', '--llm-slots', '1', '--gpu', 'cpu']);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

const ask = [{ role: 'user' as const, content: 'Say something.' }];

interface Entry {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: { token: string; logprob: number; bytes: number[] | null }[];
}

function checkEntry(e: Entry, top: number): void {
  assert.ok(e.logprob <= 0 && Number.isFinite(e.logprob), `logprob ${e.logprob}`);
  assert.deepEqual(e.bytes, [...Buffer.from(e.token, 'utf8')]);
  assert.equal(e.top_logprobs.length, top);
  for (let i = 1; i < e.top_logprobs.length; i++) assert.ok(e.top_logprobs[i - 1]!.logprob >= e.top_logprobs[i]!.logprob, 'most likely first');
}

describe('logprobs', () => {
  test('chat, greedy: one entry per token, the chosen token is the likeliest, the tokens make the content', async () => {
    const r = await client.chat.completions.create({
      model: 'tiny',
      messages: ask,
      temperature: 0,
      max_completion_tokens: 12,
      logprobs: true,
      top_logprobs: 3,
    });
    const content = r.choices[0]!.logprobs!.content! as Entry[];
    assert.equal(content.length, r.usage!.completion_tokens);
    for (const e of content) {
      checkEntry(e, 3);
      assert.equal(e.top_logprobs[0]!.token, e.token);
      assert.equal(e.top_logprobs[0]!.logprob, e.logprob);
    }
    assert.equal(content.map((e) => e.token).join(''), r.choices[0]!.message.content);
    // with temperature 0 these are the model's own probabilities: the top 3 sum to at most 1
    for (const e of content) assert.ok(e.top_logprobs.reduce((p, t) => p + Math.exp(t.logprob), 0) <= 1 + 1e-6);
  });

  test('chat: logprobs without top_logprobs gives no alternatives; logprobs false gives null', async () => {
    const r = await client.chat.completions.create({ model: 'tiny', messages: ask, max_completion_tokens: 5, seed: 2, logprobs: true });
    for (const e of r.choices[0]!.logprobs!.content! as Entry[]) checkEntry(e, 0);
    const off = await client.chat.completions.create({ model: 'tiny', messages: ask, max_completion_tokens: 5, seed: 2, logprobs: false });
    assert.equal(off.choices[0]!.logprobs, null);
  });

  test("sampling with top_k 2: the probabilities are the sampler's, over the two candidates", async () => {
    const r = await client.chat.completions.create({
      model: 'tiny',
      messages: ask,
      max_completion_tokens: 8,
      seed: 3,
      logprobs: true,
      top_logprobs: 5,
      // @ts-expect-error llama-server's extension
      top_k: 2,
    });
    for (const e of r.choices[0]!.logprobs!.content! as Entry[]) {
      assert.ok(e.top_logprobs.length <= 2);
      assert.ok(e.top_logprobs.some((t) => t.token === e.token));
      const sum = e.top_logprobs.reduce((p, t) => p + Math.exp(t.logprob), 0);
      assert.ok(Math.abs(sum - 1) < 1e-3, `the candidates' probabilities sum to 1 (${sum})`);
    }
  });

  test('chat, streamed: the client gathers the same entries as the plain answer', async () => {
    const body = { model: 'tiny', messages: ask, temperature: 0, max_completion_tokens: 10, logprobs: true, top_logprobs: 2 };
    const plain = await client.chat.completions.create(body);
    const streamed = await client.chat.completions.stream(body).finalChatCompletion();
    assert.deepEqual(streamed.choices[0]!.logprobs?.content, plain.choices[0]!.logprobs?.content);
    assert.equal(streamed.choices[0]!.message.content, plain.choices[0]!.message.content);
  });

  test('completions: tokens, token_logprobs, top_logprobs and text_offset; a stop string cuts them with the text', async () => {
    const r = await client.completions.create({ model: 'p', prompt: 'a', temperature: 0, max_tokens: 6, logprobs: 2 });
    const lp = r.choices[0]!.logprobs!;
    assert.equal(r.choices[0]!.text, 'bcdefg');
    assert.deepEqual(lp.tokens, ['b', 'c', 'd', 'e', 'f', 'g']);
    assert.deepEqual(lp.text_offset, [0, 1, 2, 3, 4, 5]);
    assert.equal(lp.token_logprobs!.length, 6);
    for (const [i, top] of lp.top_logprobs!.entries()) {
      assert.equal(Object.keys(top).length, 2);
      assert.equal(Object.keys(top)[0], lp.tokens![i], 'greedy: the chosen token is the likeliest');
    }
    const stopped = await client.completions.create({ model: 'p', prompt: 'a', temperature: 0, max_tokens: 10, logprobs: 0, stop: ['f'] });
    assert.equal(stopped.choices[0]!.text, 'bcde');
    assert.deepEqual(stopped.choices[0]!.logprobs!.tokens, ['b', 'c', 'd', 'e']);
    assert.deepEqual(stopped.choices[0]!.logprobs!.top_logprobs, [{}, {}, {}, {}]);
  });

  test('completions, streamed: the entries come with the last chunk', async () => {
    const stream = await client.completions.create({ model: 'p', prompt: 'a', temperature: 0, max_tokens: 4, logprobs: 1, stream: true });
    const withLogprobs: string[][] = [];
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      if (chunk.choices[0]?.logprobs) withLogprobs.push(chunk.choices[0].logprobs.tokens!);
    }
    assert.equal(text, 'bcde');
    assert.deepEqual(withLogprobs, [['b', 'c', 'd', 'e']]);
  });

  test('bad values: 400 naming the field', async () => {
    const refused = async (call: () => Promise<unknown>, param: string): Promise<void> => {
      await assert.rejects(call, (err: unknown) => {
        assert.ok(err instanceof BadRequestError, `${param}: ${String(err)}`);
        assert.equal(err.param, param, err.message);
        return true;
      });
    };
    await refused(() => client.chat.completions.create({ model: 'tiny', messages: ask, top_logprobs: 2 }), 'top_logprobs');
    await refused(() => client.chat.completions.create({ model: 'tiny', messages: ask, logprobs: true, top_logprobs: 21 }), 'top_logprobs');
    await refused(() => client.chat.completions.create({ model: 'tiny', messages: ask, logprobs: 1 as never }), 'logprobs');
    await refused(() => client.completions.create({ model: 'p', prompt: 'a', logprobs: 21 }), 'logprobs');
    await refused(() => client.completions.create({ model: 'p', prompt: 'a', logprobs: true as never }), 'logprobs');
    await refused(() => client.completions.create({ model: 'p', prompt: 'a', top_logprobs: 2 } as never), 'top_logprobs');
  });
});
