/**
 * Log probabilities of generated tokens (OpenAI `logprobs`/`top_logprobs`), from node-llama-cpp's
 * `evaluateWithMetadata`: the chosen token's probability (`confidence`) and, when alternatives are
 * asked for, the candidates' probabilities. These are the sampler's: after top-k, top-p, min-p,
 * the logit bias, the grammar and the temperature (llama-server's `post_sampling_probs`); with
 * temperature 0 (greedy) they are the model's own distribution.
 */
import type { LlamaModel, Token } from 'node-llama-cpp';
import type { GeneratedTokenLogprob, TokenLogprob } from '../engine.js';
import { tokenPiece } from './tokenize.js';

/** The text OpenAI writes for a token: its text, or its bytes as \xNN when they are no text alone. */
function describe(model: LlamaModel, token: Token, previous: Token | undefined, logprob: number): TokenLogprob {
  const piece = tokenPiece(model, token, previous);
  if (typeof piece === 'string') return { token: piece, bytes: [...Buffer.from(piece, 'utf8')], logprob };
  return { token: piece.map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join(''), bytes: piece, logprob };
}

/** ln p, with p = 0 as -9999 (OpenAI's floor: JSON has no -Infinity). */
function ln(p: number): number {
  return p > 0 ? Math.log(p) : -9999;
}

export class LogprobRecorder {
  private readonly entries: GeneratedTokenLogprob[] = [];

  constructor(
    private readonly model: LlamaModel,
    /** Alternatives per token. */
    readonly top: number,
  ) {}

  /** One generated token and what the sampler reported for it. */
  push(token: Token, previous: Token | undefined, confidence: number | undefined, probabilities: ReadonlyMap<Token, number> | undefined): void {
    const top: TokenLogprob[] = [];
    if (probabilities && this.top > 0) {
      for (const [t, p] of probabilities) {
        if (top.length >= this.top) break;
        top.push(describe(this.model, t, previous, ln(p)));
      }
    }
    this.entries.push({ ...describe(this.model, token, previous, ln(confidence ?? probabilities?.get(token) ?? 0)), top });
  }

  /** The entries of the tokens that make `text` (tokens past it — a stop string — are left out). */
  forText(text: string): GeneratedTokenLogprob[] {
    const bytes = Buffer.byteLength(text, 'utf8');
    const out: GeneratedTokenLogprob[] = [];
    let at = 0;
    for (const e of this.entries) {
      if (at >= bytes) break;
      out.push(e);
      at += e.bytes.length;
    }
    return out;
  }
}
