/**
 * `tiny-predictable`: a 2-layer llama with hand-set weights whose greedy output is known
 * exactly.
 *
 * Design
 * - Every attention output projection (attn_output) and FFN down projection (ffn_down) is
 *   zero, so each block adds nothing and the residual stream at the top equals the token
 *   embedding of the CURRENT token: the next-token distribution depends on the last token only.
 * - Width 64. Dimension layout: letters a..z → dims 0..25, digits 0..9 → dims 26..35,
 *   <s> → dim 36, every other token ("▁", bytes, <unk>, </s>, ChatML tokens) → dim 37 ("other"),
 *   and dim 38 is a constant 1 in every embedding. So each embedding is exactly two ones:
 *   one-hot(dim(token)) + one-hot(38). RMSNorm then scales by sqrt(64 / 2); output_norm's weight
 *   sqrt(2 / 64) undoes that, so the normalised state is (almost exactly) the embedding.
 * - output.weight row t (token t's logit) = W[t][dim(current)] + W[t][38] (a bias):
 *     bias: letters and digits 0, </s> −5, every other token −40 (never sampled).
 *     letter i (a..y): next letter +8 (H), the letter after that +4 (M) — for "y" the M
 *       candidate is </s>; "z": </s> +8, "a" +4.
 *     digit d: (d+1) mod 10 +8, (d+2) mod 10 +4 — digits cycle forever (never stop).
 *     <s>: "a" +8, "b" +4.       other: </s> +8, "a" +4.
 * - Tokenizer: SentencePiece ("llama") vocab with single-character pieces only, so a prompt
 *   is one token per character; add_space_prefix = false (no leading "▁" token),
 *   add_bos_token = true (prompt tokens = characters + 1).
 *
 * Consequences (greedy, i.e. temperature ≤ 0, and also with Spin's defaults — see below):
 *   "a"     → "bcdefghijklmnopqrstuvwxyz" then </s>: 2 prompt tokens, 25 generated, finish 'stop'
 *   "x"     → "yz": 2 prompt tokens, 2 generated, 'stop'
 *   ""      → "abcdefghijklmnopqrstuvwxyz": 1 prompt token (<s>), 26 generated
 *   "0"     → "1234567890123…" until maxTokens ('length'): the never-ending case
 *   "abcab" → "cdefghijklmnopqrstuvwxyz" (24 tokens); with repeat penalty > 2 over a window that
 *             includes the prompt, "c" (8 / p < 4) loses to "d" (4): → "defghijklmnopqrstuvwxyz".
 *   A prompt ending in a non-letter (space, punctuation) → "" (immediate </s>).
 * Sampling: raw probabilities at a letter are ≈ 0.974 (next), 0.018 (skip-one), 0.0003 each
 * other letter. top-p (applied before temperature in llama.cpp) ≤ 0.97 therefore keeps only
 * the greedy token, so Spin's defaults (temp 0.8, top-k 40, top-p 0.9) are deterministic and
 * equal to greedy. With top-p 1 and temperature 2 the next-letter probability drops to ≈ 0.63
 * per step, so a seeded run visibly differs from greedy; top-k 1 is greedy at any temperature.
 */

import type { LlamaModelSpec, LlamaShape } from './llama-model.js';
import { constantRows } from './rng.js';
import { CHATML_END, CHATML_TEMPLATE, spmBase, SPACE, TokenType, type Vocab } from './vocab.js';
import type { QuantName } from './ggml-types.js';
import type { TensorSource } from './writer.js';

export const PREDICTABLE_SHAPE: LlamaShape = { nLayer: 2, nEmbd: 64, nHead: 4, nHeadKv: 2, nFf: 128, nCtx: 1024 };

/** Logit of the greedy next token. */
export const LOGIT_NEXT = 8;
/** Logit of the runner-up (the token after next). */
export const LOGIT_SECOND = 4;
const EOS_BIAS = -5;
const NEVER_BIAS = -40;

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const DIM_BOS = 36;
const DIM_OTHER = 37;
const DIM_ONE = 38;

export interface PredictableVocab {
  vocab: Vocab;
  bos: number;
  eos: number;
  unk: number;
  eot: number;
  letter: number[];
  digit: number[];
}

export function predictableVocab(): PredictableVocab {
  const v = spmBase();
  v.add(SPACE, TokenType.NORMAL, -1000);
  const letter = [...LETTERS].map((c) => v.add(c, TokenType.NORMAL, -1000));
  const digit = [...DIGITS].map((c) => v.add(c, TokenType.NORMAL, -1000));
  return { vocab: v.build(), bos: v.id('<s>'), eos: v.id('</s>'), unk: v.id('<unk>'), eot: v.id(CHATML_END), letter, digit };
}

function embeddingMatrix(pv: PredictableVocab, width: number): Float32Array {
  const n = pv.vocab.tokens.length;
  const dimOf = new Array<number>(n).fill(DIM_OTHER);
  pv.letter.forEach((t, i) => (dimOf[t] = i));
  pv.digit.forEach((t, i) => (dimOf[t] = 26 + i));
  dimOf[pv.bos] = DIM_BOS;
  const m = new Float32Array(width * n);
  for (let t = 0; t < n; t++) {
    m[t * width + dimOf[t]!] = 1;
    m[t * width + DIM_ONE] = 1;
  }
  return m;
}

function outputMatrix(pv: PredictableVocab, width: number): Float32Array {
  const n = pv.vocab.tokens.length;
  const m = new Float32Array(width * n);
  const set = (token: number, dim: number, value: number): void => {
    m[token * width + dim] = value;
  };
  const isText = new Set([...pv.letter, ...pv.digit]);
  for (let t = 0; t < n; t++) set(t, DIM_ONE, isText.has(t) ? 0 : NEVER_BIAS);
  set(pv.eos, DIM_ONE, EOS_BIAS);
  // </s> carries a −5 bias, so its designed logits get +5 here
  const eos = (dim: number, logit: number): void => set(pv.eos, dim, logit - EOS_BIAS);
  for (let i = 0; i < 26; i++) {
    if (i + 1 < 26) set(pv.letter[i + 1]!, i, LOGIT_NEXT);
    else eos(i, LOGIT_NEXT);
    if (i + 2 < 26) set(pv.letter[i + 2]!, i, LOGIT_SECOND);
    else if (i + 2 === 26) eos(i, LOGIT_SECOND);
    else set(pv.letter[0]!, i, LOGIT_SECOND);
  }
  for (let d = 0; d < 10; d++) {
    set(pv.digit[(d + 1) % 10]!, 26 + d, LOGIT_NEXT);
    set(pv.digit[(d + 2) % 10]!, 26 + d, LOGIT_SECOND);
  }
  set(pv.letter[0]!, DIM_BOS, LOGIT_NEXT);
  set(pv.letter[1]!, DIM_BOS, LOGIT_SECOND);
  eos(DIM_OTHER, LOGIT_NEXT);
  set(pv.letter[0]!, DIM_OTHER, LOGIT_SECOND);
  return m;
}

export function predictableSpec(quant: QuantName): LlamaModelSpec {
  const pv = predictableVocab();
  const shape = PREDICTABLE_SHAPE;
  const width = shape.nEmbd;
  const tensor = (name: string, dims: readonly number[]): TensorSource => {
    if (name === 'token_embd.weight') return embeddingMatrix(pv, width);
    if (name === 'output.weight') return outputMatrix(pv, width);
    if (name === 'output_norm.weight') return new Float32Array(width).fill(Math.sqrt(2 / width));
    if (name.endsWith('_norm.weight')) return new Float32Array(dims[0]!).fill(1);
    // attention and FFN projections: all zero (attn_output and ffn_down being zero is what matters)
    return constantRows(dims[0]!, dims[1] ?? 1, 0);
  };
  return {
    name: 'tiny-predictable',
    shape,
    vocab: pv.vocab,
    special: { bos: pv.bos, eos: pv.eos, unk: pv.unk, eot: pv.eot },
    addBos: true,
    addSpacePrefix: false,
    chatTemplate: CHATML_TEMPLATE,
    quant,
    tensor,
  };
}
