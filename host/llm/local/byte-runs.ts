/**
 * Tokenizing long runs of characters a SentencePiece vocabulary does not know, in linear time.
 *
 * llama.cpp's SentencePiece tokenizer writes a character no token covers as its UTF-8 bytes
 * (byte fallback), and grows its output vector by exactly those bytes each time: one
 * reallocation and copy per character, so a run of them costs the square of its length
 * ("€" × 65,536 took 1.8 s, × 131,072 up to 17 s on a loaded box, all in one native call).
 *
 * Such a character (an *orphan*: no token of the vocabulary contains it, special tokens
 * included) never merges with a neighbour, so its tokens are its bytes whatever surrounds it, and
 * the text on each side of it tokenizes as it would alone beside it. So each long run of orphans
 * is written as byte tokens here, and the text between runs is tokenized with one orphan of the
 * run before it and one of the run after it (so it sees the same neighbours), whose byte tokens
 * are then taken off (with the leading space SentencePiece gives the start of a call). The tokens
 * are exactly those of the whole text; if a check of that fails, the whole text is tokenized.
 */
import type { LlamaModel, Token } from 'node-llama-cpp';

/** Runs at least this many characters long are cut out (shorter ones cost little). */
export const MIN_RUN_CHARS = 32;

interface Vocab {
  /** Code points found in some token's text. */
  known: Set<number>;
  /** Byte → its byte token (`<0xHH>`). */
  byteTokens: Map<number, Token>;
}

const vocabs = new WeakMap<LlamaModel, Vocab | null>();
const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

/** A SentencePiece model's known characters and byte tokens (cached); null for other tokenizers. */
function vocabOf(model: LlamaModel): Vocab | null {
  const cached = vocabs.get(model);
  if (cached !== undefined) return cached;
  const ggml = (model.fileInfo.metadata as { tokenizer?: { ggml?: { model?: unknown; tokens?: unknown } } }).tokenizer?.ggml;
  let vocab: Vocab | null = null;
  if (ggml?.model === 'llama' && Array.isArray(ggml.tokens)) {
    const known = new Set<number>();
    const byteTokens = new Map<number, Token>();
    ggml.tokens.forEach((text: unknown, id: number) => {
      if (typeof text !== 'string') return;
      const byte = BYTE_TOKEN.exec(text);
      if (byte) byteTokens.set(parseInt(byte[1]!, 16), id as Token);
      for (const ch of text) known.add(ch.codePointAt(0)!);
    });
    if (byteTokens.size === 256) vocab = { known, byteTokens };
  }
  vocabs.set(model, vocab);
  return vocab;
}

function isOrphan(vocab: Vocab, cp: number): boolean {
  // whitespace becomes SentencePiece's ▁ (U+2581), which the vocabulary knows
  return !vocab.known.has(cp) && !/\s/u.test(String.fromCodePoint(cp)) && cp !== 0x2581;
}

interface Run {
  start: number;
  end: number;
}

/** The runs of at least MIN_RUN_CHARS orphans (UTF-16 index ranges). */
function orphanRuns(vocab: Vocab, text: string, minRun: number): Run[] {
  const runs: Run[] = [];
  let start = -1;
  let count = 0;
  for (let i = 0; i <= text.length;) {
    const cp = i < text.length ? text.codePointAt(i)! : -1;
    if (cp >= 0 && isOrphan(vocab, cp)) {
      if (start < 0) start = i;
      count++;
    } else {
      if (start >= 0 && count >= minRun) runs.push({ start, end: i });
      start = -1;
      count = 0;
    }
    i += cp > 0xffff ? 2 : 1;
  }
  return runs;
}

function byteTokensOf(vocab: Vocab, text: string): Token[] {
  return [...Buffer.from(text, 'utf8')].map((b) => vocab.byteTokens.get(b)!);
}

function startsWithAt(tokens: readonly Token[], at: number, part: readonly Token[]): boolean {
  if (at + part.length > tokens.length) return false;
  for (let i = 0; i < part.length; i++) if (tokens[at + i] !== part[i]) return false;
  return true;
}

const firstChar = (s: string, at: number) => String.fromCodePoint(s.codePointAt(at)!);
const lastChar = (s: string, end: number) => {
  const low = s.charCodeAt(end - 1);
  return low >= 0xdc00 && low <= 0xdfff && end >= 2 ? s.slice(end - 2, end) : s.slice(end - 1, end);
};

/**
 * `tokenize(text)` (a tokenizer of this model with special tokens parsed, e.g.
 * special-split.ts's), with long runs of orphan characters written as byte tokens: the same
 * tokens, in time linear in the length.
 */
export function tokenizeByteRuns(model: LlamaModel, text: string, tokenize: (text: string) => Token[], minRun = MIN_RUN_CHARS): Token[] {
  const vocab = text.length >= minRun ? vocabOf(model) : null;
  const runs = vocab ? orphanRuns(vocab, text, minRun) : [];
  if (!vocab || runs.length === 0) return tokenize(text);
  const out: Token[] = [];
  let from = 0;
  for (let r = 0; r <= runs.length; r++) {
    const run = runs[r];
    const segment = text.slice(from, run ? run.start : text.length);
    const left = r > 0 ? lastChar(text, runs[r - 1]!.end) : '';
    const right = run ? firstChar(text, run.start) : '';
    let tokens = tokenize(left + segment + right);
    if (left) {
      const leftTokens = byteTokensOf(vocab, left);
      // the call's start may get SentencePiece's leading space (one ▁ token, or its 3 bytes)
      let at = 0;
      while (at <= 3 && !startsWithAt(tokens, at, leftTokens)) at++;
      if (at > 3) return tokenize(text);
      tokens = tokens.slice(at + leftTokens.length);
    }
    if (right) {
      const rightTokens = byteTokensOf(vocab, right);
      if (!startsWithAt(tokens, tokens.length - rightTokens.length, rightTokens)) return tokenize(text);
      tokens = tokens.slice(0, tokens.length - rightTokens.length);
    }
    for (const t of tokens) out.push(t);
    if (run) {
      for (const t of byteTokensOf(vocab, text.slice(run.start, run.end))) out.push(t);
      from = run.end;
    }
  }
  return out;
}
