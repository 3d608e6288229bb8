/**
 * Long runs of characters the vocabulary does not know are tokenized to exactly the tokens of
 * whole-text tokenization (special tokens on), on the generated SentencePiece models: tiny-llama
 * (leading-space prefix, ChatML special tokens) and tiny-predictable (no space prefix).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getLlama, type Llama, type LlamaModel } from 'node-llama-cpp';
import { generateModel } from '../../gguf/presets.js';
import { tokenizeByteRuns } from './byte-runs.js';
import { tokenizeWithSpecials } from './special-split.js';

let root: string;
let llama: Llama;
let tiny: LlamaModel;
let predictable: LlamaModel;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'llm-byte-runs-'));
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

const run = (s: string, n: number) => s.repeat(n);

// runs at the start, middle and end; next to spaces, newlines, special-token texts and letters;
// several orphan characters (3-byte, 4-byte) in one run; runs just under and over the cut length
const TEXTS = [
  run('€', 100),
  'hello ' + run('€', 100) + ' world',
  'hello' + run('€', 100) + 'world',
  run('€', 40) + ' a ' + run('中', 40) + '\n\n' + run('😀', 40),
  '<|im_start|>user\n' + run('€', 64) + '<|im_end|>\n<|im_start|>assistant\n',
  ' ' + run('€', 50) + ' ',
  run('€😀中', 30) + 'x',
  'a' + run('€', 31) + 'b' + run('€', 32) + 'c' + run('€', 33),
  '  leading ' + run('€', 70) + '   trailing  ',
  run('€', 35) + run('é', 3) + run('€', 35),
];

describe('tokenizeByteRuns', () => {
  for (const [name, model] of [
    ['tiny-llama', () => tiny],
    ['tiny-predictable', () => predictable],
  ] as const) {
    test(`${name}: the same tokens as whole-text tokenization`, () => {
      const m = model();
      for (const text of TEXTS) {
        const whole = m.tokenize(text, true);
        const calls: string[] = [];
        const tokenize = (t: string) => (calls.push(t), tokenizeWithSpecials(m, t));
        assert.deepEqual(tokenizeByteRuns(m, text, tokenize, 32), whole, JSON.stringify(text.slice(0, 60)));
        // the runs were cut out: the whole text was never tokenized in one call (no fallback)
        assert.ok(calls.length > 1 && !calls.includes(text), JSON.stringify(text.slice(0, 60)));
      }
    });
  }

  test('a run of 262,144 "€" gives its 786,432 byte tokens (and the leading space)', () => {
    const text = run('€', 262_144);
    const tokens = tokenizeByteRuns(tiny, text, (t) => tokenizeWithSpecials(tiny, t));
    assert.equal(tokens.length, 262_144 * 3 + 1);
    assert.deepEqual(tokens.slice(0, 16), tiny.tokenize(run('€', 5), true));
  });
});
