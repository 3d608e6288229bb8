/** Named model presets that `spin-ts models generate` can write as GGUF files. */

import { bertWriter } from './bert-model.js';
import { isQuantName, type QuantName } from './ggml-types.js';
import { llamaWriter } from './llama-model.js';
import { predictableSpec } from './predictable.js';
import { mistral7BSpec, tinyBertSpec, tinyLlama1BSpec, tinyLlamaSpec } from './random-models.js';
import type { GgufWriter } from './writer.js';

export interface GenerateOptions {
  quant?: QuantName;
  seed?: number;
}

interface Preset {
  description: string;
  defaultQuant: QuantName;
  defaultSeed: number;
  build: (quant: QuantName, seed: number) => GgufWriter;
}

const PRESET_TABLE: Readonly<Record<string, Preset>> = {
  'tiny-llama': {
    description: 'tiny random llama (2 layers, width 64, 4 heads, 2 kv heads, ffn 128, SentencePiece vocab, ChatML template) — smoke tests',
    defaultQuant: 'f32',
    defaultSeed: 1234,
    build: (quant, seed) => llamaWriter(tinyLlamaSpec(quant, seed)),
  },
  'tiny-predictable': {
    description: 'tiny llama with hand-set weights: greedy "a" → "bcdefghijklmnopqrstuvwxyz", digits cycle forever — exact tests',
    defaultQuant: 'f32',
    defaultSeed: 0,
    build: (quant) => llamaWriter(predictableSpec(quant)),
  },
  'tiny-bert': {
    description: 'tiny random BERT encoder (2 layers, width 64, WordPiece vocab, mean pooling) — embedding tests',
    defaultQuant: 'f32',
    defaultSeed: 4321,
    build: (quant, seed) => bertWriter(tinyBertSpec(quant, seed)),
  },
  'tinyllama-1.1b': {
    description: 'TinyLlama-1.1B shapes (22 layers, 2048 wide, 32 heads, 4 kv heads, ffn 5632, vocab 32000) with random weights, q4_0 ≈ 620 MB — benchmarks',
    defaultQuant: 'q4_0',
    defaultSeed: 1100,
    build: (quant, seed) => llamaWriter(tinyLlama1BSpec(quant, seed)),
  },
  'mistral-7b': {
    description: 'Mistral-7B shapes (32 layers, 4096 wide, 32 heads, 8 kv heads, ffn 14336, vocab 32000) with random weights, q4_0 ≈ 4.1 GB — GPU benchmarks',
    defaultQuant: 'q4_0',
    defaultSeed: 7000,
    build: (quant, seed) => llamaWriter(mistral7BSpec(quant, seed)),
  },
};

/** Preset name → one-line description. */
export const PRESETS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(Object.entries(PRESET_TABLE).map(([name, p]) => [name, p.description])),
);

/** Write the preset's GGUF to `outPath` (parent directories are created). */
export async function generateModel(preset: string, outPath: string, opts: GenerateOptions = {}): Promise<{ path: string; bytes: number }> {
  const p = PRESET_TABLE[preset];
  if (!p) throw new Error(`unknown model preset '${preset}' (known: ${Object.keys(PRESET_TABLE).join(', ')})`);
  const quant = opts.quant ?? p.defaultQuant;
  if (!isQuantName(quant)) throw new Error(`unknown quantization '${String(quant)}' (known: f32, f16, q8_0, q4_0)`);
  const seed = opts.seed ?? p.defaultSeed;
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const { bytes } = await p.build(quant, seed).write(outPath);
  return { path: outPath, bytes };
}
