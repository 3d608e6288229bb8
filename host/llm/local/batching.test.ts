import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BatchItem } from 'node-llama-cpp';
import { decodeFirstThenPromptsInOrder } from './batching.js';

const item = (n: number) => ({ tokens: Array.from({ length: n }, (_, i) => i), logits: [], evaluationPriority: 5 }) as unknown as BatchItem;

test('generating sequences always get their token; one prompt per batch, oldest first', () => {
  const promptA = item(40);
  const gen1 = item(1);
  const promptB = item(30);
  const gen2 = item(1);
  const out = decodeFirstThenPromptsInOrder({ items: [promptA, gen1, promptB, gen2], size: 512 });
  assert.deepEqual(
    out.map((o) => [o.item, o.processAmount]),
    [
      [gen1, 1],
      [gen2, 1],
      [promptA, 40],
    ],
  );
});

test('a prompt larger than the batch is split; the batch is never overfilled', () => {
  const big = item(1000);
  const out = decodeFirstThenPromptsInOrder({ items: [item(1), big], size: 512 });
  assert.equal(
    out.reduce((s, o) => s + o.processAmount, 0),
    512,
  );
  assert.equal(out[1].processAmount, 511);
});
