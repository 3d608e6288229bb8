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
 */
import type { CustomBatchingPrioritizationStrategy } from 'node-llama-cpp';

export const decodeFirstThenPromptsInOrder: CustomBatchingPrioritizationStrategy = ({ items, size }) => {
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
