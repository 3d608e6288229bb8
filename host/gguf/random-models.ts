/** Random-weight presets: `tiny-llama`, `tinyllama-1.1b`, `mistral-7b` (llama) and `tiny-bert` (bert). */

import { PoolingType, type BertModelSpec } from './bert-model.js';
import type { QuantName } from './ggml-types.js';
import type { LlamaModelSpec, LlamaShape } from './llama-model.js';
import { constantRows, randomRows, Rng, withColumn0 } from './rng.js';
import { CHATML_END, CHATML_START, CHATML_TEMPLATE, largeSpmVocab, smallSpmVocab, smallWpmVocab, TokenType, type Vocab } from './vocab.js';
import type { TensorSource } from './writer.js';

export const TINY_LLAMA_SHAPE: LlamaShape = { nLayer: 2, nEmbd: 64, nHead: 4, nHeadKv: 2, nFf: 128, nCtx: 2048 };
export const TINYLLAMA_1B_SHAPE: LlamaShape = { nLayer: 22, nEmbd: 2048, nHead: 32, nHeadKv: 4, nFf: 5632, nCtx: 2048 };
/** Mistral-7B-v0.1's shapes (a 7B with grouped-query attention, vocab 32000): the GPU bench's large model. */
export const MISTRAL_7B_SHAPE: LlamaShape = { nLayer: 32, nEmbd: 4096, nHead: 32, nHeadKv: 8, nFf: 14336, nCtx: 4096 };

/** Value of embedding column 0 in every token: a constant feature that survives the (small) random layers. */
const BIAS_FEATURE = 3;
/** Output weight on that feature for tokens that should never be generated (bytes, <unk>, <s>, <|im_start|>). */
const SUPPRESS = -10;

/**
 * Random weights. Norm weights are 1. Column 0 of every token embedding is a constant, and the
 * output rows of byte/control tokens weigh it strongly negative, so random generation yields
 * vocab pieces rather than stray bytes (no invalid UTF-8) while </s> stays reachable.
 */
function llamaRandomTensor(rng: Rng, vocab: Vocab, outputStd: number, std: number) {
  const suppressed = new Set<number>();
  vocab.types.forEach((t, id) => {
    if (t === TokenType.BYTE || t === TokenType.UNKNOWN || vocab.tokens[id] === '<s>' || vocab.tokens[id] === CHATML_START) suppressed.add(id);
  });
  return (name: string, dims: readonly number[]): TensorSource => {
    const rows = dims[1] ?? 1;
    if (name.endsWith('_norm.weight')) return constantRows(dims[0]!, rows, 1);
    if (name === 'token_embd.weight') return withColumn0(randomRows(rng, dims[0]!, rows, outputStd), dims[0]!, () => BIAS_FEATURE);
    if (name === 'output.weight') return withColumn0(randomRows(rng, dims[0]!, rows, outputStd), dims[0]!, (r) => (suppressed.has(r) ? SUPPRESS : 0));
    return randomRows(rng, dims[0]!, rows, std);
  };
}

function llamaRandomSpec(name: string, shape: LlamaShape, vocab: Vocab, quant: QuantName, seed: number, outputStd: number, std: number): LlamaModelSpec {
  return {
    name,
    shape,
    vocab,
    special: { bos: 1, eos: 2, unk: 0, eot: vocab.tokens.indexOf(CHATML_END) },
    addBos: true,
    addSpacePrefix: true,
    chatTemplate: CHATML_TEMPLATE,
    quant,
    tensor: llamaRandomTensor(new Rng(seed), vocab, outputStd, std),
  };
}

export function tinyLlamaSpec(quant: QuantName, seed: number): LlamaModelSpec {
  return llamaRandomSpec('tiny-llama', TINY_LLAMA_SHAPE, smallSpmVocab(), quant, seed, 0.5, 0.1);
}

export function tinyLlama1BSpec(quant: QuantName, seed: number): LlamaModelSpec {
  return llamaRandomSpec('tinyllama-1.1b', TINYLLAMA_1B_SHAPE, largeSpmVocab(32000), quant, seed, 0.02, 0.02);
}

export function mistral7BSpec(quant: QuantName, seed: number): LlamaModelSpec {
  return llamaRandomSpec('mistral-7b', MISTRAL_7B_SHAPE, largeSpmVocab(32000), quant, seed, 0.02, 0.02);
}

export function tinyBertSpec(quant: QuantName, seed: number): BertModelSpec {
  const vocab = smallWpmVocab();
  const rng = new Rng(seed);
  const tensor = (name: string, dims: readonly number[]): TensorSource => {
    const rows = dims[1] ?? 1;
    if (name.endsWith('norm.weight')) return constantRows(dims[0]!, rows, 1);
    if (name.endsWith('.bias')) return randomRows(rng, dims[0]!, rows, 0.02);
    if (name === 'token_embd.weight') return randomRows(rng, dims[0]!, rows, 1);
    return randomRows(rng, dims[0]!, rows, 0.1);
  };
  return {
    name: 'tiny-bert',
    shape: { nLayer: 2, nEmbd: 64, nHead: 4, nFf: 128, nCtx: 512 },
    vocab,
    special: { pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 },
    pooling: PoolingType.MEAN,
    quant,
    tensor,
  };
}
