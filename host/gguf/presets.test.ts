import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getLlama, readGgufFileInfo, LlamaLogLevel, type Llama, type Token } from 'node-llama-cpp';
import { modelsGenerateCommand } from './cli.js';
import { GgmlType } from './ggml-types.js';
import { generateModel, PRESETS } from './presets.js';
import { mistral7BSpec } from './random-models.js';

let dir: string;
let llama: Llama;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gguf-presets-'));
  llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error });
});
after(async () => {
  await llama.dispose();
  await rm(dir, { recursive: true, force: true });
});

type Md = Record<string, Record<string, unknown>>;

async function greedy(path: string, prompt: string, max = 40): Promise<string> {
  const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
  try {
    const ctx = await model.createContext({ contextSize: 256, threads: 1 });
    const seq = ctx.getSequence();
    const out: Token[] = [];
    const input = [model.tokens.bos!, ...model.tokenize(prompt)];
    for await (const tok of seq.evaluate(input, { temperature: 0 })) {
      out.push(tok);
      if (out.length >= max) break;
    }
    await ctx.dispose();
    return model.detokenize(out);
  } finally {
    await model.dispose();
  }
}

describe('presets', () => {
  test('PRESETS lists the five presets', () => {
    assert.deepEqual(Object.keys(PRESETS).sort(), ['mistral-7b', 'tiny-bert', 'tiny-llama', 'tiny-predictable', 'tinyllama-1.1b']);
  });

  test('tiny-llama: llama metadata llama.cpp needs, 256 byte tokens, chat template', async () => {
    const path = join(dir, 'tiny-llama.gguf');
    const { bytes } = await generateModel('tiny-llama', path);
    assert.equal((await stat(path)).size, bytes);
    const info = await readGgufFileInfo(path, { logWarnings: false });
    const md = info.metadata as unknown as Md;
    const llamaMd = md['llama'] as Record<string, unknown> & { attention: Record<string, unknown>; rope: Record<string, unknown> };
    assert.equal(md['general']!['architecture'], 'llama');
    assert.equal(llamaMd['embedding_length'], 64);
    assert.equal(llamaMd['block_count'], 2);
    assert.equal(llamaMd.attention['head_count'], 4);
    assert.equal(llamaMd.attention['head_count_kv'], 2);
    assert.equal(llamaMd.rope['dimension_count'], 64 / 4);
    const tok = md['tokenizer'] as { ggml: Record<string, unknown>; chat_template: string };
    assert.equal(tok.ggml['model'], 'llama');
    const tokens = tok.ggml['tokens'] as string[];
    const types = tok.ggml['token_type'] as number[];
    assert.equal(tokens.filter((t, i) => /^<0x[0-9A-F]{2}>$/.test(t) && types[i] === 6).length, 256);
    assert.equal(tokens[tok.ggml['eos_token_id'] as number], '</s>');
    assert.match(tok.chat_template, /<\|im_start\|>/);
    // it loads and generates something
    const text = await greedy(path, 'hello world', 16);
    assert.ok(text.length > 0);
  });

  test('tiny-predictable: greedy "a" gives the rest of the alphabet (raw node-llama-cpp, f32 and q8_0)', async () => {
    for (const quant of ['f32', 'q8_0'] as const) {
      const path = join(dir, `tiny-predictable-${quant}.gguf`);
      await generateModel('tiny-predictable', path, { quant });
      assert.equal(await greedy(path, 'a'), 'bcdefghijklmnopqrstuvwxyz', quant);
      assert.equal(await greedy(path, '7', 12), '890123456789', quant);
    }
  });

  test('tiny-bert: bert metadata with the "seperator" key, mean pooling, WordPiece specials', async () => {
    const path = join(dir, 'tiny-bert.gguf');
    await generateModel('tiny-bert', path);
    const md = (await readGgufFileInfo(path, { logWarnings: false })).metadata as unknown as Md;
    assert.equal(md['general']!['architecture'], 'bert');
    assert.equal(md['bert']!['pooling_type'], 1);
    const ggml = (md['tokenizer'] as { ggml: Record<string, unknown> }).ggml;
    assert.equal(ggml['model'], 'bert');
    assert.equal(ggml['seperator_token_id'], 3);
    assert.deepEqual((ggml['tokens'] as string[]).slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  });

  test('quantized tiny-llama stores matrices as q4_0 and norms as f32', async () => {
    const path = join(dir, 'tiny-llama-q4.gguf');
    await generateModel('tiny-llama', path, { quant: 'q4_0', seed: 7 });
    const info = await readGgufFileInfo(path, { logWarnings: false });
    const types = new Map((info.fullTensorInfo ?? info.tensorInfo ?? []).map((t) => [t.name, t.ggmlType]));
    assert.equal(types.get('blk.0.attn_q.weight'), GgmlType.Q4_0);
    assert.equal(types.get('token_embd.weight'), GgmlType.Q4_0);
    assert.equal(types.get('blk.0.attn_norm.weight'), GgmlType.F32);
    assert.ok((await greedy(path, 'the', 8)).length > 0);
  });

  test('same seed → identical file; other seed → different weights', async () => {
    const a = join(dir, 's1.gguf');
    const b = join(dir, 's2.gguf');
    const c = join(dir, 's3.gguf');
    await generateModel('tiny-llama', a, { seed: 5 });
    await generateModel('tiny-llama', b, { seed: 5 });
    await generateModel('tiny-llama', c, { seed: 6 });
    assert.deepEqual(await readFile(a), await readFile(b));
    assert.notDeepEqual(await readFile(a), await readFile(c));
  });

  test('unknown preset or quant is an error', async () => {
    await assert.rejects(generateModel('nope', join(dir, 'x.gguf')), /unknown model preset 'nope'/);
    await assert.rejects(generateModel('tiny-llama', join(dir, 'x.gguf'), { quant: 'q5_k' as never }), /unknown quantization/);
  });

  test('mistral-7b has Mistral-7B-v0.1 shapes and q4_0 by default (generated on the GPU machine only: 4 GB)', () => {
    const spec = mistral7BSpec('q4_0', 7000);
    assert.deepEqual(spec.shape, { nLayer: 32, nEmbd: 4096, nHead: 32, nHeadKv: 8, nFf: 14336, nCtx: 4096 });
    assert.equal(spec.vocab.tokens.length, 32000);
    assert.match(PRESETS['mistral-7b']!, /q4_0/);
  });
});

describe('modelsGenerateCommand', () => {
  test('creates parent dirs, prints path and size; --if-missing skips an existing file', async () => {
    const out = join(dir, 'nested', 'deeper', 'model.gguf');
    const lines: string[] = [];
    await modelsGenerateCommand('tiny-predictable', out, { print: (l) => lines.push(l) });
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /model\.gguf \(\d+\.\d KiB, tiny-predictable/);
    await writeFile(out, 'placeholder');
    await modelsGenerateCommand('tiny-predictable', out, { ifMissing: true, print: (l) => lines.push(l) });
    assert.match(lines[1]!, /exists .*skipped/);
    assert.equal(await readFile(out, 'utf8'), 'placeholder');
    await assert.rejects(modelsGenerateCommand('tiny-llama', out, { quant: 'q3', print: () => undefined }), /unknown quantization 'q3'/);
  });
});
