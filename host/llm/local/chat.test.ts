/**
 * Chat templates on real models: the GGUF's own template (tiny-llama carries ChatML), a named
 * template, a Jinja string from the model table; and LocalLlamaEngine.chat end to end on
 * tiny-predictable (greedy "a" → "bcdefghijklmnopqrstuvwxyz", digits cycle forever).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getLlama, LlamaText, type Llama, type LlamaModel } from 'node-llama-cpp';
import { LlmError, type ChatParams } from '../engine.js';
import { generateModel } from '../../gguf/presets.js';
import { chatWrapperFor, formatChat, parseTemplateSetting } from './chat.js';
import { llamaTextToPrompt } from './llama-text-prompt.js';
import { LocalLlamaEngine } from './engine.js';

let root: string;
let llama: Llama;
let tiny: LlamaModel;
let engine: LocalLlamaEngine;
const JINJA_CONCAT = '{% for m in messages %}{{ m.content }}{% endfor %}';
const GREEDY: ChatParams = { repeatPenalty: 1, repeatPenaltyLastNTokenCount: 64, temperature: 0, topK: 40, topP: 1 };

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'llm-chat-'));
  const tinyPath = (await generateModel('tiny-llama', join(root, 'tiny.gguf'))).path;
  const predictable = (await generateModel('tiny-predictable', join(root, 'p.gguf'))).path;
  const bert = (await generateModel('tiny-bert', join(root, 'bert.gguf'))).path;
  llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, maxThreads: 1 });
  tiny = await llama.loadModel({ modelPath: tinyPath });
  engine = new LocalLlamaEngine({
    modelTable: {
      p: { path: predictable, kind: 'completion', chatTemplate: JINJA_CONCAT },
      'p-small': { path: predictable, kind: 'completion', chatTemplate: JINJA_CONCAT, contextSize: 256 },
      bert: { path: bert, kind: 'embedding' },
    },
    stateDir: join(root, 'state'),
    threads: 1,
    gpu: 'cpu',
    log: () => undefined,
  });
});

after(async () => {
  await engine.close();
  await tiny.dispose();
  await llama.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('template settings', () => {
  test('Jinja strings, named templates (case-insensitive), the GGUF default; unknown names list the known ones', () => {
    assert.deepEqual(parseTemplateSetting(undefined), { type: 'gguf' });
    assert.deepEqual(parseTemplateSetting(JINJA_CONCAT), { type: 'jinja', template: JINJA_CONCAT });
    assert.deepEqual(parseTemplateSetting('Llama2'), { type: 'named', name: 'llama2Chat' });
    assert.deepEqual(parseTemplateSetting('chatml'), { type: 'named', name: 'chatML' });
    assert.throws(
      () => parseTemplateSetting('vicuna'),
      (err: unknown) => err instanceof LlmError && err.kind === 'invalid-input' && /unknown chat_template "vicuna".*llama2.*chatml/.test(err.message),
    );
  });
});

describe('rendering', () => {
  const messages = [
    { role: 'system' as const, content: 'S' },
    { role: 'user' as const, content: 'hello there' },
  ];

  test("the GGUF's template (ChatML), ending where the answer begins; the string tokenizes like the LlamaText", () => {
    const { prompt, stops } = formatChat(tiny, undefined, messages);
    assert.equal(prompt, '<s><|im_start|>system\nS<|im_end|>\n<|im_start|>user\nhello there<|im_end|>\n<|im_start|>assistant\n');
    assert.ok(stops.includes('<|im_end|>'), JSON.stringify(stops));
    const state = chatWrapperFor(tiny, undefined).generateContextState({
      chatHistory: [
        { type: 'system', text: 'S' },
        { type: 'user', text: 'hello there' },
        { type: 'model', response: [] },
      ],
    });
    assert.deepEqual(tiny.tokenize(prompt, true), state.contextText.tokenize(tiny.tokenizer));
  });

  test('a named template from the model table replaces the GGUF one', () => {
    const { prompt } = formatChat(tiny, 'llama2', messages);
    assert.match(prompt, /\[INST\]/);
    assert.match(prompt, /hello there/);
    assert.doesNotMatch(prompt, /im_start/);
  });

  test('a Jinja template from the model table; multi-turn history keeps the assistant turns', () => {
    const { prompt } = formatChat(
      tiny,
      '{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}',
      [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c' },
      ],
    );
    assert.equal(prompt, '[user]a[assistant]b[user]c[assistant]');
  });

  test('a broken Jinja template is invalid input', () => {
    assert.throws(
      () => formatChat(tiny, '{% for m in %}', messages),
      (err: unknown) => err instanceof LlmError && err.kind === 'invalid-input',
    );
  });

  test('special tokens become their text', () => {
    assert.equal(llamaTextToPrompt(LlamaText(['x']), tiny), 'x');
  });
});

describe('LocalLlamaEngine.chat', () => {
  test('exact greedy answer through the Jinja template, counts included', async () => {
    const r = await engine.chat('p', [{ role: 'user', content: 'a' }], { ...GREEDY, maxTokens: 100 });
    assert.deepEqual(r, { text: 'bcdefghijklmnopqrstuvwxyz', promptTokens: 2, generatedTokens: 25, finishReason: 'stop' });
  });

  test('without maxTokens the answer may fill the rest of the context', async () => {
    const r = await engine.chat('p-small', [{ role: 'user', content: '0' }], GREEDY);
    assert.equal(r.finishReason, 'length');
    // the whole context (256 tokens) minus the prompt; nothing is cut earlier
    assert.ok(r.promptTokens + r.generatedTokens >= 255 && r.promptTokens + r.generatedTokens <= 256, `${r.promptTokens} + ${r.generatedTokens}`);
    assert.match(r.text, /^1234567890123/);
  });

  test('streams through onText; stop strings still apply', async () => {
    const chunks: string[] = [];
    const r = await engine.chat('p', [{ role: 'user', content: 'a' }], { ...GREEDY, maxTokens: 100, stop: ['fg'] }, { onText: (c) => chunks.push(c) });
    assert.equal(r.text, 'bcde');
    assert.equal(chunks.join(''), 'bcde');
  });

  test('embedding models and unknown models are refused', async () => {
    await assert.rejects(
      engine.chat('bert', [{ role: 'user', content: 'a' }], GREEDY),
      (err: unknown) => err instanceof LlmError && err.kind === 'invalid-input' && /embedding model/.test(err.message),
    );
    await assert.rejects(
      engine.chat('ghost', [{ role: 'user', content: 'a' }], GREEDY),
      (err: unknown) => err instanceof LlmError && err.kind === 'model-not-supported',
    );
  });
});
