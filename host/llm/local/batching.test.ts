import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BatchItem } from 'node-llama-cpp';
import { decodeFirstThenPromptsInOrder, GenerationTracker, inSequenceOrder, MAX_HOLDS, waitForGenerating } from './batching.js';

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

test('a batch waits for a decode from every evaluating sequence, bounded', () => {
  const tracker = new GenerationTracker();
  const strategy = waitForGenerating(tracker);
  for (let i = 0; i < 4; i++) tracker.add(1);
  const [g1, g2, g3, prompt] = [item(1), item(1), item(1), item(20)];
  // three of four queued: held (an empty batch lets node-llama-cpp's loop go round once more)
  assert.deepEqual(strategy({ items: [g1, g2, prompt], size: 512 }), []);
  assert.equal(tracker.stats.holds, 1);
  // all four (a prompt counts for its sequence): generating tokens first, then the prompt
  assert.deepEqual(
    strategy({ items: [prompt, g1, g2, g3], size: 512 }).map((o) => o.item),
    [g1, g2, g3, prompt],
  );
  // with nothing evaluating, a prompt goes at once
  const idle = waitForGenerating(new GenerationTracker());
  assert.deepEqual(
    idle({ items: [prompt], size: 512 }).map((o) => o.item),
    [prompt],
  );
  // a straggler that never comes: given up after MAX_HOLDS rounds
  let rounds = 0;
  while (strategy({ items: [g1], size: 512 }).length === 0) rounds++;
  assert.equal(rounds, MAX_HOLDS);
  assert.equal(tracker.stats.gaveUp, 1);
  // a count never goes below zero
  for (let i = 0; i < 6; i++) tracker.add(-1);
  assert.equal(tracker.generating, 0);
});

test('generating tokens go in sequence-id order, prompts after; unknown ids leave the order', () => {
  const [a, b, c, p] = [item(1), item(1), item(1), item(30)];
  const items = [a, b, c, p];
  const out = decodeFirstThenPromptsInOrder({ items, size: 512 });
  assert.deepEqual(
    inSequenceOrder(out, items, [2, 0, 1, 3]).map((o) => o.item),
    [b, c, a, p],
  );
  assert.equal(inSequenceOrder(out, items, undefined), out);
});

test("sequence ids are read from the context's queue only when it matches the items one to one", () => {
  const tracker = new GenerationTracker();
  const [a, b] = [item(1), item(1)];
  const queue: Array<{ tokens: unknown; sequenceId: number }> = [
    { tokens: a.tokens, sequenceId: 3 },
    { tokens: b.tokens, sequenceId: 1 },
  ];
  tracker.attach({ _queuedDecodes: queue } as never);
  assert.deepEqual(tracker.sequenceIds([a, b]), [3, 1]);
  assert.equal(tracker.sequenceIds([b, a]), undefined);
  assert.equal(tracker.sequenceIds([a]), undefined);
});
