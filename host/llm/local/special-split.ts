/**
 * Tokenizing a long prompt with special tokens on, in time linear in its length.
 *
 * llama.cpp finds special-token texts in a prompt by searching every raw fragment for every
 * special token, each search running to the end of the whole prompt, so the cost grows with
 * (fragments × length): 2,000 ChatML turns tokenize in ~47 ms, 8,000 in ~840 ms. Cutting the
 * prompt into slices of a few thousand characters and tokenizing each alone makes it linear.
 *
 * A cut is made only right before a special-token text, at a place where the tokens come out
 * the same as for the whole prompt:
 *  - llama.cpp cuts the prompt at that token too: no special-token text crosses the cut, and no
 *    longer one starts at it or inside it and reaches past its end;
 *  - the slice after the cut starts with a special token, so a SentencePiece tokenizer adds its
 *    leading space to the following text exactly as it does after any special token;
 *  - a token that strips whitespace on its left (lstrip) is not cut before whitespace.
 * A prompt with no such place (plain text, one huge message) stays one slice.
 */
import type { LlamaModel, Token } from 'node-llama-cpp';

export interface SpecialText {
  text: string;
  /** llama.cpp strips the whitespace before this token. */
  lstrip: boolean;
}

/** Slices are about this long (they end at the first usable cut after it). */
export const SLICE_CHARS = 4096;

const specialsByModel = new WeakMap<LlamaModel, readonly SpecialText[]>();

/**
 * The texts llama.cpp matches as special tokens when parse_special is on (control,
 * user-defined and unknown tokens), longest first. Cached per model.
 */
export function specialTexts(model: LlamaModel): readonly SpecialText[] {
  const cached = specialsByModel.get(model);
  if (cached) return cached;
  const found = new Map<string, SpecialText>();
  for (const token of model.iterateAllTokens()) {
    const attrs = model.getTokenAttributes(token);
    if (!attrs.control && !attrs.userDefined && !attrs.unknown) continue;
    const text = model.detokenize([token], true);
    if (text.length === 0) continue;
    const prev = found.get(text);
    found.set(text, { text, lstrip: attrs.lstrip || prev?.lstrip === true });
  }
  const list = [...found.values()].sort((a, b) => b.text.length - a.text.length);
  specialsByModel.set(model, list);
  return list;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Is `pos`, where `at` starts, a place to cut (see the file comment)? */
function canCutAt(text: string, pos: number, at: SpecialText, specials: readonly SpecialText[]): boolean {
  if (pos === 0) return false;
  if (at.lstrip && /\s/.test(text[pos - 1]!)) return false;
  const end = pos + at.text.length;
  for (const s of specials) {
    const n = s.text.length;
    // an occurrence crossing the cut
    for (let q = Math.max(0, pos - n + 1); q < pos; q++) if (text.startsWith(s.text, q)) return false;
    // a longer occurrence starting inside this one and reaching past its end
    for (let q = pos + 1; q < end; q++) if (q + n > end && text.startsWith(s.text, q)) return false;
  }
  return true;
}

/**
 * The prompt cut into slices of about `sliceChars` (see the file comment); joined, they are the
 * prompt. With no special texts, the prompt is one slice.
 */
export function splitAtSpecialTokens(text: string, specials: readonly SpecialText[], sliceChars = SLICE_CHARS): string[] {
  if (specials.length === 0 || text.length <= sliceChars) return [text];
  const byText = new Map(specials.map((s) => [s.text, s]));
  // leftmost, and the longest at a position (the alternatives are sorted longest first)
  const pattern = new RegExp(specials.map((s) => escapeRegExp(s.text)).join('|'), 'g');
  const slices: string[] = [];
  let start = 0;
  while (text.length - start > sliceChars) {
    pattern.lastIndex = start + sliceChars;
    let cut = -1;
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      if (canCutAt(text, m.index, byText.get(m[0])!, specials)) {
        cut = m.index;
        break;
      }
      pattern.lastIndex = m.index + 1;
    }
    if (cut < 0) break;
    slices.push(text.slice(start, cut));
    start = cut;
  }
  slices.push(text.slice(start));
  return slices;
}

/** `model.tokenize(text, true)`, slice by slice: the same tokens, in time linear in the length. */
export function tokenizeWithSpecials(model: LlamaModel, text: string, sliceChars = SLICE_CHARS): Token[] {
  if (text.length <= sliceChars) return model.tokenize(text, true);
  const tokens: Token[] = [];
  for (const slice of splitAtSpecialTokens(text, specialTexts(model), sliceChars)) {
    for (const t of model.tokenize(slice, true)) tokens.push(t);
  }
  return tokens;
}
