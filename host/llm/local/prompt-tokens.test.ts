/**
 * Prompt tokens off the main thread: the prompt worker's tokens (and stop strings) equal the
 * main thread's for large chats and texts on generated models; a chat at the request limits
 * (2048 messages × 128 characters) does not hold the event loop (measured with
 * monitorEventLoopDelay); a chat's prompt is tokenized once; errors and aborts come back.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { getLlama, LlamaModel, type Llama } from 'node-llama-cpp';
import { LlmError, type ChatMessage, type ChatParams } from '../engine.js';
import { generateModel } from '../../gguf/presets.js';
import { formatChat } from './chat.js';
import { LocalLlamaEngine } from './engine.js';
import { PromptWorkerClient } from './prompt-worker-client.js';
import { chatTokens, textTokens, type PromptSource } from './prompt-tokens.js';

let root: string;
let llama: Llama;
let tiny: LlamaModel;
let tinyPath: string;
let worker: PromptWorkerClient;
let engine: LocalLlamaEngine;
const GREEDY: ChatParams = { repeatPenalty: 1, repeatPenaltyLastNTokenCount: 64, temperature: 0, topK: 40, topP: 1 };
const JINJA = '{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}';

/** 2048 messages of 128 characters: the largest chat the OpenAI API accepts by default. */
function maximalChat(): ChatMessage[] {
  return Array.from({ length: 2048 }, (_, i) => ({
    role: i % 2 ? 'assistant' : 'user',
    content: `message ${i}: ${'how are you today? '.repeat(7)}`.slice(0, 128),
  }));
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'llm-prompt-tokens-'));
  tinyPath = (await generateModel('tiny-llama', join(root, 'tiny.gguf'))).path;
  const predictable = (await generateModel('tiny-predictable', join(root, 'p.gguf'))).path;
  llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, maxThreads: 1 });
  tiny = await llama.loadModel({ modelPath: tinyPath, vocabOnly: true });
  worker = new PromptWorkerClient(
    async () => false,
    () => undefined,
  );
  engine = new LocalLlamaEngine({
    modelTable: {
      tiny: { path: tinyPath, kind: 'completion' },
      p: { path: predictable, kind: 'completion', chatTemplate: '{% for m in messages %}{{ m.content }}{% endfor %}' },
      'p-large': { path: predictable, kind: 'completion', contextSize: 8192 },
      broken: { path: tinyPath, kind: 'completion', chatTemplate: '{% for m in %}' },
    },
    stateDir: join(root, 'state'),
    threads: 1,
    gpu: 'cpu',
    log: () => undefined,
  });
});

after(async () => {
  await worker.close();
  await engine.close();
  await tiny.dispose();
  await llama.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('the prompt worker', () => {
  const src = (chatTemplate?: string): PromptSource => ({ model: tiny, modelPath: tinyPath, chatTemplate });
  const onMain = (messages: ChatMessage[], chatTemplate?: string) => {
    const { prompt, stops } = formatChat(tiny, chatTemplate, messages);
    const tokens = tiny.tokenize(prompt, true);
    // the ChatML template starts with "<s>" already; BOS is added only when missing
    return { tokens: tokens[0] === tiny.tokens.bos ? tokens : [tiny.tokens.bos!, ...tokens], stops };
  };

  test("a large chat: the same tokens and stops as on the main thread (the GGUF's ChatML template, a Jinja one)", async () => {
    const messages = maximalChat();
    for (const template of [undefined, JINJA]) {
      const got = await chatTokens(src(template), messages, worker);
      assert.deepEqual(got, onMain(messages, template), `template ${template ?? 'gguf'}`);
    }
    assert.equal(worker.started, 1);
  });

  test('a small chat stays on the main thread', async () => {
    const started = worker.started;
    const messages: ChatMessage[] = [{ role: 'user', content: 'hi' }];
    assert.deepEqual(await chatTokens(src(), messages, worker), onMain(messages));
    assert.equal(worker.started, started);
  });

  test('a large text prompt: the same tokens as on the main thread', async () => {
    const text = 'Once upon a time <|im_start|> there was  a  prompt. '.repeat(4000);
    assert.deepEqual(await textTokens(src(), text, worker), [tiny.tokens.bos!, ...tiny.tokenize(text, true)]);
  });

  test('a template error comes back as invalid input; an abort answers at once', async () => {
    await assert.rejects(
      chatTokens(src('{% for m in %}'), maximalChat(), worker),
      (err: unknown) => err instanceof LlmError && err.kind === 'invalid-input' && /chat template/.test(err.message),
    );
    const ac = new AbortController();
    const pending = chatTokens(src(), maximalChat(), worker, ac.signal);
    ac.abort();
    await assert.rejects(pending, (err: unknown) => err instanceof Error && err.name === 'AbortError');
    // the worker still serves the next request
    assert.equal((await chatTokens(src(), maximalChat(), worker)).tokens.length, onMain(maximalChat()).tokens.length);
  });

  test('a missing model file is a runtime error', async () => {
    await assert.rejects(
      textTokens({ model: tiny, modelPath: join(root, 'missing.gguf') }, 'x'.repeat(10_000), worker),
      (err: unknown) => err instanceof LlmError && err.kind === 'runtime-error',
    );
  });
});

describe('LocalLlamaEngine with large prompts', () => {
  test('a chat at the request limits never holds the event loop for long (max delay measured)', async () => {
    // first use pays model load and worker start; measure a warm request as served in practice
    await engine.chat('tiny', [{ role: 'user', content: 'warm up' }], { ...GREEDY, maxTokens: 1 });
    const messages = maximalChat();
    const run = () => engine.chat('tiny', messages, { ...GREEDY, maxTokens: 1 });
    // ~117,000 prompt tokens: refused against the 4096-token context, after rendering and tokenizing
    await assert.rejects(run(), (err: unknown) => err instanceof LlmError && /the prompt is \d+ tokens/.test(err.message));
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const started = performance.now();
    await assert.rejects(run(), (err: unknown) => err instanceof LlmError && /the prompt is \d+ tokens/.test(err.message));
    const took = performance.now() - started;
    histogram.disable();
    const maxMs = histogram.max / 1e6;
    console.log(
      `2048 × 128-character chat: ${took.toFixed(0)} ms, event-loop delay max ${maxMs.toFixed(1)} ms, p99 ${(histogram.percentile(99) / 1e6).toFixed(1)} ms`,
    );
    // rendering and tokenizing this chat takes 300-500 ms on this machine; on the main thread
    // that was the event loop's delay. What is left: cloning the messages to the worker and
    // the tokens back (a few ms), plus scheduling noise on a loaded box.
    assert.ok(maxMs < 50, `the event loop was held for ${maxMs.toFixed(1)} ms`);
  });

  test("a chat's prompt is tokenized once (no second pass to size max_tokens)", async () => {
    const original = LlamaModel.prototype.tokenize;
    const texts: string[] = [];
    LlamaModel.prototype.tokenize = function (this: LlamaModel, ...args: Parameters<typeof original>) {
      texts.push(String(args[0]));
      return original.apply(this, args);
    } as typeof original;
    try {
      const r = await engine.chat('p', [{ role: 'user', content: 'abc' }], { ...GREEDY, stop: ['xyz'] });
      assert.equal(r.text, 'defghijklmnopqrstuvw');
    } finally {
      LlamaModel.prototype.tokenize = original;
    }
    assert.equal(texts.filter((t) => t === 'abc').length, 1, JSON.stringify(texts));
  });

  test('a large completion prompt is tokenized off the main thread and counted exactly', async () => {
    const prompt = '0123456789'.repeat(500) + '0';
    const r = await engine.infer('p-large', prompt, { ...GREEDY, maxTokens: 3 });
    assert.deepEqual({ text: r.text, promptTokens: r.promptTokens }, { text: '123', promptTokens: 5002 });
  });

  test('a broken chat template on a large chat: invalid input', async () => {
    await assert.rejects(
      engine.chat('broken', maximalChat(), { ...GREEDY, maxTokens: 1 }),
      (err: unknown) => err instanceof LlmError && err.kind === 'invalid-input',
    );
  });
});
