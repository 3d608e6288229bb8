/**
 * How one context's pending work is packed into each llama_decode.
 *
 * On a GPU, decoding many prompts together is nearly free, so node-llama-cpp's
 * "maximumParallelism" is right. On a CPU the cost of a batch grows with its tokens: packing
 * four prompts together makes all four wait for the sum (mean time to first token ≈ 3× one
 * alone here), which is worse than taking them one at a time. So on a CPU: every sequence
 * that is generating gets its one token in every batch (nobody's stream stalls), and
 * prompts are filled in arrival order — the oldest first, the next only where room is left
 * once that one is complete.
 *
 * Waiting for the stragglers. node-llama-cpp composes the next batch as soon as the previous
 * one's tokens are sampled, while each generating sequence is still on its way (through
 * node-llama-cpp's evaluate generator and generate.ts's loop, all microtasks) to queue its next
 * token. The sequence sampled last never made it: with 4 sequences generating, every decode
 * held 3 tokens and each sequence skipped every fourth step (measured: `3:55` — 3 tokens,
 * 55 ms — in 40 of 46 decodes). So the strategy knows how many sequences are evaluating
 * (generate.ts reports it through a GenerationTracker; each has at most one decode queued) and,
 * while fewer decodes are queued, returns an empty batch: node-llama-cpp's loop then goes round
 * again after a microtask, which lets the missing sequences queue. The wait is bounded (MAX_HOLDS rounds), so a wrong count
 * costs a few microseconds per batch, never a stall.
 *
 * Tokens in sequence order. node-llama-cpp's contexts keep a KV stream per sequence
 * (kv_unified = false), and llama.cpp then puts into one ubatch only sequences whose ids
 * increase by one, in batch order; the rest go to further ubatches. The CPU kernels for Q4_0
 * multiply four rows at once and take the rest one row at a time, so 4 tokens in one ubatch cost
 * about 2 single tokens, while 4 tokens split into ubatches cost 4 (measured: 72 ms vs 41 ms per
 * step of 4, TinyLlama-1.1B shape, 2 threads). So the generating tokens are put in the batch
 * in sequence-id order (the ids are read from node-llama-cpp's queue, checked item by item;
 * if that ever changes shape, the order is left as it was), and the slot pool hands out the
 * lowest free sequence first (slots.ts), so the generating ids stay consecutive.
 */
import type { BatchItem, CustomBatchingPrioritizationStrategy, LlamaContext } from 'node-llama-cpp';

type Strategy = CustomBatchingPrioritizationStrategy;
type Prioritized = ReturnType<Strategy>[number];

export const decodeFirstThenPromptsInOrder: Strategy = ({ items, size }) => {
  const out: Array<{ item: (typeof items)[number]; processAmount: number }> = [];
  let left = size;
  for (const item of items) {
    if (left === 0) break;
    if (item.tokens.length === 1) {
      out.push({ item, processAmount: 1 });
      left--;
    }
  }
  for (const item of items) {
    if (left === 0 || item.tokens.length <= 1) continue;
    const n = Math.min(item.tokens.length, left);
    out.push({ item, processAmount: n });
    left -= n;
    // Only one prompt per batch: the next one waits until this one is done.
    break;
  }
  return out;
};

/**
 * How many sequences of one context are evaluating: each has a decode queued (its prompt, or
 * its next token) or is about to queue one as soon as its last token is sampled.
 */
export class GenerationTracker {
  private count = 0;
  /** Batches composed, and rounds spent waiting for stragglers (for tests and profiling). */
  readonly stats = { batches: 0, holds: 0, gaveUp: 0, unordered: 0 };

  get generating(): number {
    return this.count;
  }

  /** A sequence starts (+1) or stops (−1) queueing its decodes (generate.ts; paused sequences do not count). */
  add(delta: 1 | -1): void {
    this.count = Math.max(0, this.count + delta);
  }

  private queue: (() => unknown) | undefined;

  /** Where the context's queued decodes are (node-llama-cpp's internal queue), for sequenceIds(). */
  attach(context: LlamaContext): void {
    this.queue = () => (context as unknown as { _queuedDecodes?: unknown })._queuedDecodes;
  }

  /** The sequence id of each item, or undefined when the queue does not match the items one to one. */
  sequenceIds(items: readonly BatchItem[]): number[] | undefined {
    const queued = this.queue?.();
    if (!Array.isArray(queued) || queued.length !== items.length) return undefined;
    const ids: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const q = queued[i] as { tokens?: unknown; sequenceId?: unknown } | undefined;
      if (q?.tokens !== items[i]!.tokens || typeof q.sequenceId !== 'number') return undefined;
      ids.push(q.sequenceId);
    }
    return ids;
  }
}

/** The batch with its one-token items in sequence-id order, then the rest as they were. */
export function inSequenceOrder(out: Prioritized[], items: readonly BatchItem[], ids: readonly number[] | undefined): Prioritized[] {
  if (!ids) return out;
  const idOf = new Map(items.map((item, i) => [item, ids[i]!]));
  const isToken = (p: Prioritized) => p.processAmount === 1 && p.item.tokens.length === 1;
  const tokens = out.filter(isToken);
  if (tokens.length < 2) return out;
  tokens.sort((a, b) => idOf.get(a.item)! - idOf.get(b.item)!);
  return [...tokens, ...out.filter((p) => !isToken(p))];
}

/** Rounds of node-llama-cpp's batch loop (one microtask each, a few µs) a batch may wait for stragglers. */
export const MAX_HOLDS = 64;

/**
 * `inner`, but a batch waits (bounded) until every evaluating sequence has queued its decode,
 * also when only a prompt is queued so far: a prompt batch can take seconds on a CPU, and a
 * generating sequence left out of it would stall that long.
 */
export function waitForGenerating(tracker: GenerationTracker, inner: Strategy = decodeFirstThenPromptsInOrder): Strategy {
  let holds = 0;
  return (input) => {
    // one queued item per sequence: its prompt (the rest of it) or its next token
    if (input.items.length < tracker.generating) {
      if (holds < MAX_HOLDS) {
        holds++;
        tracker.stats.holds++;
        return [];
      }
      tracker.stats.gaveUp++;
    }
    holds = 0;
    tracker.stats.batches++;
    const ids = tracker.sequenceIds(input.items);
    if (!ids) tracker.stats.unordered++;
    return inSequenceOrder(inner(input), input.items, ids);
  };
}
