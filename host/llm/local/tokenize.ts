/**
 * llama-server's /tokenize and /detokenize on a loaded model.
 *
 * - Tokenizing parses special-token texts (as llama-server does: `<|im_start|>` becomes that
 *   token) and prepends BOS only when asked (`addSpecial`) and the model wants one. Texts past the
 *   inline size go to the prompt worker (prompt-tokens.ts), so a large one never holds the event loop.
 * - A piece is the token's own text, written with special-token texts, and with the leading
 *   space a SentencePiece token carries; a byte token (`<0xE2>`: part of a UTF-8 character)
 *   is its byte, as a list of numbers, because alone it is not text.
 */
import type { LlamaModel, Token } from 'node-llama-cpp';
import { LlmError, type TokenizeResult } from '../engine.js';
import { INLINE_MAX_CHARS, type PromptSource } from './prompt-tokens.js';
import type { PromptWorkerClient } from './prompt-worker-client.js';
import { tokenizeWithSpecials } from './special-split.js';

export interface TokenizeOptions {
  /** Prepend BOS when the model wants one (llama-server's `add_special`). */
  addSpecial: boolean;
  withPieces: boolean;
  signal?: AbortSignal | undefined;
}

const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

/** The raw text of every token in the GGUF vocabulary (for byte tokens), or undefined. */
function vocabTexts(model: LlamaModel): readonly unknown[] | undefined {
  const tokens = (model.fileInfo.metadata as { tokenizer?: { ggml?: { tokens?: unknown } } }).tokenizer?.ggml?.tokens;
  return Array.isArray(tokens) ? tokens : undefined;
}

/** One token as llama-server writes it in `with_pieces`: its text, or its byte(s) when it is no text alone. */
export function tokenPiece(model: LlamaModel, token: Token, previous: Token | undefined): string | number[] {
  if (model.getTokenAttributes(token).byte) {
    const raw = vocabTexts(model)?.[token];
    const m = typeof raw === 'string' ? BYTE_TOKEN.exec(raw) : null;
    if (m) return [parseInt(m[1]!, 16)];
  }
  // the previous token keeps a SentencePiece token's leading space (a first token loses it, as in the text)
  const text = model.detokenize([token], true, previous === undefined ? [] : [previous]);
  return text.includes('\uFFFD') ? [...Buffer.from(text, 'utf8')] : text;
}

export async function tokenizeText(src: PromptSource, text: string, options: TokenizeOptions, worker: PromptWorkerClient): Promise<TokenizeResult> {
  const { model } = src;
  let tokens: Token[];
  if (text.length <= INLINE_MAX_CHARS) tokens = tokenizeWithSpecials(model, text);
  else tokens = (await worker.run({ kind: 'text', modelPath: src.modelPath, text }, options.signal)).tokens;
  const bos = model.tokens.bos;
  if (options.addSpecial && model.tokens.shouldPrependBosToken && bos !== null && tokens[0] !== bos) tokens.unshift(bos);
  const ids = tokens.map(Number);
  if (!options.withPieces) return { tokens: ids };
  return { tokens: ids, pieces: tokens.map((t, i) => tokenPiece(model, t, i > 0 ? tokens[i - 1] : undefined)) };
}

/** The number of tokens in the model's vocabulary. */
export function vocabularySize(model: LlamaModel): number {
  const texts = vocabTexts(model);
  if (texts) return texts.length;
  let n = 0;
  for (const _ of model.iterateAllTokens()) n++;
  return n;
}

/** Tokens → text, special tokens written as their text (llama-server's /detokenize). */
export function detokenizeTokens(model: LlamaModel, tokens: readonly number[]): string {
  const size = vocabularySize(model);
  const bad = tokens.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= size);
  if (bad >= 0) throw new LlmError('invalid-input', `'tokens[${bad}]': ${tokens[bad]} is not a token id of this model (0…${size - 1})`);
  return model.detokenize(tokens as Token[], true);
}
