/** Builders for the tokenizer vocabularies written into generated GGUF files. */

/** llama.cpp's token types (tokenizer.ggml.token_type). */
export enum TokenType {
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  USER_DEFINED = 4,
  UNUSED = 5,
  BYTE = 6,
}

export interface Vocab {
  tokens: string[];
  scores: number[];
  types: TokenType[];
}

/** SentencePiece's whitespace marker (U+2581). */
export const SPACE = '\u2581';

export class VocabBuilder {
  readonly tokens: string[] = [];
  readonly scores: number[] = [];
  readonly types: TokenType[] = [];
  private readonly ids = new Map<string, number>();

  /** Add a token (ignored when already present); returns its id. */
  add(text: string, type: TokenType = TokenType.NORMAL, score = 0): number {
    const existing = this.ids.get(text);
    if (existing !== undefined) return existing;
    const id = this.tokens.length;
    this.tokens.push(text);
    this.scores.push(score);
    this.types.push(type);
    this.ids.set(text, id);
    return id;
  }

  has(text: string): boolean {
    return this.ids.has(text);
  }

  id(text: string): number {
    const id = this.ids.get(text);
    if (id === undefined) throw new Error(`token not in vocab: ${JSON.stringify(text)}`);
    return id;
  }

  get size(): number {
    return this.tokens.length;
  }

  build(): Vocab {
    return { tokens: [...this.tokens], scores: [...this.scores], types: [...this.types] };
  }
}

export function byteTokenText(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;
}

export const CHATML_START = '<|im_start|>';
export const CHATML_END = '<|im_end|>';

/** A ChatML-style Jinja chat template (the same shape TinyLlama-chat and Qwen use). */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/**
 * The fixed head of a "llama" (SentencePiece) vocab: <unk> = 0, <s> = 1, </s> = 2, the 256
 * byte tokens <0x00>…<0xFF> (llama.cpp falls back to them for characters the vocab lacks),
 * then the ChatML control tokens.
 */
export function spmBase(): VocabBuilder {
  const v = new VocabBuilder();
  v.add('<unk>', TokenType.UNKNOWN);
  v.add('<s>', TokenType.CONTROL);
  v.add('</s>', TokenType.CONTROL);
  for (let b = 0; b < 256; b++) v.add(byteTokenText(b), TokenType.BYTE);
  v.add(CHATML_START, TokenType.CONTROL);
  v.add(CHATML_END, TokenType.CONTROL);
  return v;
}

const COMMON_WORDS = (
  'the of and to in is you that it he was for on are as with his they at be this have from or one had by ' +
  'word but not what all were we when your can said there use an each which she do how their if will up ' +
  'other about out many then them these so some her would make like him into time has look two more write ' +
  'go see number no way could people my than first water been call who oil its now find long down day did ' +
  'get come made may part hello world spin wasm model token llama tiny test'
).split(' ');

const PUNCTUATION = ['.', ',', '!', '?', ';', ':', "'", '"', '-', '(', ')', '/'];

/**
 * A small SentencePiece-style vocab: the base, "▁", letters, digits, punctuation, and common
 * English words with every prefix of "▁word" (so the SPM bigram merges can reach the word).
 * Longer pieces get higher scores, so merges prefer them.
 */
export function smallSpmVocab(): Vocab {
  const v = spmBase();
  const lower = 'abcdefghijklmnopqrstuvwxyz';
  v.add(SPACE, TokenType.NORMAL, -1000);
  for (const c of lower + lower.toUpperCase() + '0123456789') v.add(c, TokenType.NORMAL, -1000);
  for (const p of PUNCTUATION) v.add(p, TokenType.NORMAL, -1000);
  for (const word of COMMON_WORDS) {
    const piece = SPACE + word;
    for (let n = 2; n <= piece.length; n++) v.add(piece.slice(0, n), TokenType.NORMAL, -1000 + n * 10);
  }
  return v.build();
}

/** A SentencePiece-style vocab of exactly `size` tokens (for the TinyLlama-shaped benchmark model). */
export function largeSpmVocab(size: number): Vocab {
  const v = spmBase();
  const lower = 'abcdefghijklmnopqrstuvwxyz';
  v.add(SPACE, TokenType.NORMAL, -1000);
  for (const c of lower + lower.toUpperCase() + '0123456789') v.add(c, TokenType.NORMAL, -1000);
  for (const p of PUNCTUATION) v.add(p, TokenType.NORMAL, -1000);
  const fill = (piece: string, score: number): boolean => {
    if (v.size >= size) return false;
    v.add(piece, TokenType.NORMAL, score);
    return true;
  };
  for (const word of COMMON_WORDS) {
    const piece = SPACE + word;
    for (let n = 2; n <= piece.length; n++) fill(piece.slice(0, n), -1000 + n * 10);
  }
  outer: for (const prefix of ['', SPACE]) {
    for (const a of lower) {
      if (!fill(prefix + a, -900)) break outer;
      for (const b of lower) if (!fill(prefix + a + b, -800)) break outer;
    }
  }
  outer2: for (const prefix of ['', SPACE]) {
    for (const a of lower)
      for (const b of lower)
        for (const c of lower) {
          if (!fill(prefix + a + b + c, -700)) break outer2;
        }
  }
  if (v.size !== size) throw new Error(`could not fill a vocab of ${size} tokens (got ${v.size})`);
  return v.build();
}

/**
 * A small WordPiece vocab in llama.cpp's GGUF spelling: word-initial pieces carry the "▁"
 * prefix, continuation pieces are bare (no "##"). [PAD] = 0, [UNK] = 1, [CLS] = 2, [SEP] = 3,
 * [MASK] = 4.
 */
export function smallWpmVocab(): Vocab {
  const v = new VocabBuilder();
  v.add('[PAD]', TokenType.CONTROL);
  v.add('[UNK]', TokenType.UNKNOWN);
  v.add('[CLS]', TokenType.CONTROL);
  v.add('[SEP]', TokenType.CONTROL);
  v.add('[MASK]', TokenType.CONTROL);
  const lower = 'abcdefghijklmnopqrstuvwxyz0123456789';
  for (const word of COMMON_WORDS) v.add(SPACE + word);
  for (const c of lower) v.add(SPACE + c);
  for (const c of lower) v.add(c);
  for (const p of PUNCTUATION) v.add(SPACE + p);
  return v.build();
}
