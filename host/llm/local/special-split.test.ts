/**
 * Slice-by-slice tokenization gives exactly the tokens of whole-text tokenization (special
 * tokens on) on the generated models: tiny-llama (SentencePiece with a leading-space prefix,
 * BOS, ChatML special tokens) and tiny-predictable (no space prefix); and its cost stays
 * linear where whole-text tokenization grows with the square of the turns.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getLlama, type Llama, type LlamaModel } from 'node-llama-cpp';
import { generateModel } from '../../gguf/presets.js';
import { formatChat } from './chat.js';
import { specialTexts, splitAtSpecialTokens, tokenizeWithSpecials, type SpecialText } from './special-split.js';

let root: string;
let llama: Llama;
let tiny: LlamaModel;
let predictable: LlamaModel;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'llm-split-'));
  llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, maxThreads: 1 });
  tiny = await llama.loadModel({ modelPath: (await generateModel('tiny-llama', join(root, 'tiny.gguf'))).path, vocabOnly: true });
  predictable = await llama.loadModel({ modelPath: (await generateModel('tiny-predictable', join(root, 'p.gguf'))).path, vocabOnly: true });
});

after(async () => {
  await tiny.dispose();
  await predictable.dispose();
  await llama.dispose();
  await rm(root, { recursive: true, force: true });
});

// contents that probe the cut rules: whitespace around special tokens, special-token texts
// inside messages, leading spaces (SentencePiece prefix), empty turns, non-ASCII text
const TRICKY = [
  'hello there',
  '  leading spaces',
  'ends with space ',
  '',
  'x<|im_end|>y',
  '<|im_start|>',
  '<s> and </s>',
  'ünïcödé ✓ 日本語',
  '\n\nnewlines\n',
  '<|im_end',
  'a'.repeat(300),
];

function turns(n: number): Array<{ role: 'user' | 'assistant'; content: string }> {
  return Array.from({ length: n }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `${TRICKY[i % TRICKY.length]} #${i}` }));
}

describe('special-token texts', () => {
  test("are read from the model's vocabulary, longest first", () => {
    const texts = specialTexts(tiny).map((s) => s.text);
    for (const t of ['<s>', '</s>', '<|im_start|>', '<|im_end|>']) assert.ok(texts.includes(t), `${t} in ${JSON.stringify(texts)}`);
    const lengths = texts.map((t) => t.length);
    assert.deepEqual(
      lengths,
      [...lengths].sort((a, b) => b - a),
    );
  });
});

describe('splitAtSpecialTokens', () => {
  const specials: SpecialText[] = [
    { text: '<|long|>', lstrip: false },
    { text: '<A>', lstrip: false },
    { text: '<L>', lstrip: true },
  ];
  test('cuts right before a special-token text once a slice is long enough; the slices join to the text', () => {
    const text = 'aaaa<A>bbbb<A>cc<A>';
    const slices = splitAtSpecialTokens(text, specials, 4);
    assert.deepEqual(slices, ['aaaa', '<A>bbbb', '<A>cc', '<A>']);
    assert.equal(splitAtSpecialTokens(text, specials, 100).length, 1);
    assert.deepEqual(splitAtSpecialTokens('plain text with no special tokens', specials, 4), ['plain text with no special tokens']);
  });
  test('never cuts where a special text crosses the cut, before an lstrip token after whitespace, or inside a longer match', () => {
    // '<L>' strips the space before it: no cut at 5, the next '<L>' is after a letter
    assert.deepEqual(splitAtSpecialTokens('xxxx <L>yyyy<L>', specials, 4), ['xxxx <L>yyyy', '<L>']);
    // a longer special text starting inside the candidate and reaching past it
    const overlapping: SpecialText[] = [
      { text: '>>>>>', lstrip: false },
      { text: '<>>', lstrip: false },
    ];
    assert.deepEqual(splitAtSpecialTokens('aaaa<>>>>>>b', overlapping, 4), ['aaaa<>>>>>>b']);
    const crossing: SpecialText[] = [
      { text: 'abab', lstrip: false },
      { text: 'ba', lstrip: false },
    ];
    // 'ba' at 4 lies inside 'abab' at 3: no cut there; 'ba' at 8 is clean
    assert.deepEqual(splitAtSpecialTokens('xxxababxba', crossing, 4), ['xxxababx', 'ba']);
  });
});

describe('tokenizeWithSpecials gives the whole-text tokens', () => {
  for (const [name, template] of [
    ['tiny-llama, its GGUF ChatML template', undefined],
    ['tiny-llama, the llama2 template', 'llama2'],
  ] as const) {
    test(`${name}: 2048 turns, many slices`, () => {
      const { prompt } = formatChat(tiny, template, turns(2048));
      const whole = tiny.tokenize(prompt, true);
      for (const sliceChars of [16, 256, 4096]) {
        const slices = splitAtSpecialTokens(prompt, specialTexts(tiny), sliceChars);
        assert.ok(slices.length > prompt.length / (sliceChars * 100), `${slices.length} slices of ${prompt.length} characters`);
        assert.deepEqual(tokenizeWithSpecials(tiny, prompt, sliceChars), whole, `slice ${sliceChars}`);
      }
    });
  }

  test('tiny-predictable (no space prefix) and a prompt that starts with text, not a special token', () => {
    const prompt = turns(400)
      .map((m) => `${m.content}<|im_end|>`)
      .join('\n');
    assert.deepEqual(tokenizeWithSpecials(predictable, prompt, 64), predictable.tokenize(prompt, true));
    assert.deepEqual(tokenizeWithSpecials(tiny, prompt, 64), tiny.tokenize(prompt, true));
  });

  test('cost is linear: 4× the turns cost about 4× the time (whole-text tokenization grows faster)', () => {
    const time = (f: () => void): number => {
      let best = Infinity;
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        f();
        best = Math.min(best, performance.now() - t);
      }
      return best;
    };
    const small = formatChat(tiny, undefined, turns(1000)).prompt;
    const large = formatChat(tiny, undefined, turns(4000)).prompt;
    const sliced = time(() => tokenizeWithSpecials(tiny, large)) / time(() => tokenizeWithSpecials(tiny, small));
    const whole = time(() => tiny.tokenize(large, true)) / time(() => tiny.tokenize(small, true));
    console.log(`4× the turns: sliced ×${sliced.toFixed(1)}, whole ×${whole.toFixed(1)}`);
    assert.ok(sliced < 8, `sliced tokenization grew ×${sliced.toFixed(1)} for 4× the input`);
  });
});
