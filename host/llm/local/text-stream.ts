/**
 * Turns generated tokens into text as they arrive: decodes incomplete UTF-8 sequences only
 * once they are complete, finds stop strings, and streams only text that can no longer turn
 * out to be the start of a stop string.
 */

export type Token = number;

export interface Detokenizer {
  detokenize(tokens: readonly Token[], specialTokens?: boolean, lastTokens?: readonly Token[]): string;
}

const REPLACEMENT = '\uFFFD';
/** A UTF-8 character is at most 4 bytes, so at most 4 byte tokens. */
const MAX_PENDING = 4;
const HISTORY = 16;

export class GenerationText {
  private readonly history: Token[];
  private pending: Token[] = [];
  private text = '';
  private emitted = 0;
  private stoppedAt: number | undefined;
  /** The stop string that ended the text, once one has. */
  stoppedBy: string | undefined;
  private readonly maxStopLength: number;
  private backpressure: Promise<void> | undefined;

  constructor(
    private readonly model: Detokenizer,
    contextTail: readonly Token[],
    private readonly stops: readonly string[],
    private readonly onText?: (chunk: string) => unknown,
  ) {
    this.history = contextTail.slice(-HISTORY);
    this.maxStopLength = Math.max(0, ...stops.map((s) => s.length));
  }

  /**
   * What the consumer asked to wait for since the last call (a promise onText returned), or
   * undefined: the generator awaits it before pulling the next token.
   */
  takeBackpressure(): Promise<void> | undefined {
    const wait = this.backpressure;
    this.backpressure = undefined;
    return wait;
  }

  /** True once a stop string has been generated. */
  get stopped(): boolean {
    return this.stoppedAt !== undefined;
  }

  /** Add one generated token; returns true when a stop string has just completed. */
  push(token: Token): boolean {
    if (this.stopped) return true;
    this.pending.push(token);
    const piece = this.model.detokenize(this.pending, false, this.history);
    if (piece.endsWith(REPLACEMENT) && this.pending.length < MAX_PENDING) return false;
    this.commit(piece);
    return this.stopped;
  }

  /** Flush what is left (an incomplete character is kept as U+FFFD) and return the final text. */
  finish(): string {
    if (!this.stopped && this.pending.length > 0) {
      this.commit(this.model.detokenize(this.pending, false, this.history));
    }
    if (!this.stopped) this.emit(this.text.length);
    return this.text;
  }

  private commit(piece: string): void {
    this.history.push(...this.pending);
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
    this.pending = [];
    const searchFrom = Math.max(0, this.text.length - this.maxStopLength + 1);
    this.text += piece;
    const at = this.findStop(searchFrom);
    if (at !== undefined) {
      this.text = this.text.slice(0, at);
      this.stoppedAt = at;
      this.emit(at);
      return;
    }
    this.emit(this.text.length - this.partialStopSuffix());
  }

  private findStop(from: number): number | undefined {
    let best: number | undefined;
    for (const s of this.stops) {
      const i = this.text.indexOf(s, from);
      if (i >= 0 && (best === undefined || i < best)) {
        best = i;
        this.stoppedBy = s;
      }
    }
    return best;
  }

  /** Length of the longest text suffix that is a proper prefix of some stop string. */
  private partialStopSuffix(): number {
    let longest = 0;
    for (const s of this.stops) {
      for (let n = Math.min(s.length - 1, this.text.length); n > longest; n--) {
        if (this.text.endsWith(s.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }

  private emit(upTo: number): void {
    if (upTo <= this.emitted) return;
    const chunk = this.text.slice(this.emitted, upTo);
    this.emitted = upTo;
    const wait = this.onText?.(chunk);
    if (wait instanceof Promise) this.backpressure = this.backpressure ? Promise.all([this.backpressure, wait]).then(() => undefined) : wait;
  }
}
