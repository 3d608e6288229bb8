/** streamGeneration's backpressure: a reader that stops reading pauses the generation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InferResult } from '../llm/engine.js';
import { streamGeneration, STREAM_HIGH_WATER_BYTES } from './sse.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PIECE = 'x'.repeat(1000);

test('text stops being produced once the queue is full, resumes when read, stops on cancel', async () => {
  let produced = 0;
  let signal: AbortSignal | undefined;
  const response = await streamGeneration({
    requestSignal: new AbortController().signal,
    model: 'm',
    run: async (s, onText) => {
      signal = s;
      while (!s.aborted && produced < 10_000) {
        produced++;
        await (onText(PIECE) ?? Promise.resolve());
      }
      return { text: '', promptTokens: 1, generatedTokens: produced, finishReason: 'length' } satisfies InferResult;
    },
    head: () => [],
    chunk: (text) => ({ text }),
    tail: () => [],
  });
  await sleep(100);
  const paused = produced;
  // each event is ~1 KB: about the queue's high-water mark, not the 10,000 asked for
  assert.ok(paused > 10 && paused * 1000 < STREAM_HIGH_WATER_BYTES * 2, `produced ${paused} pieces before pausing`);
  await sleep(200);
  assert.equal(produced, paused, 'still producing while nobody reads');

  const reader = response.body!.getReader();
  for (let i = 0; i < 40; i++) await reader.read();
  await sleep(100);
  assert.ok(produced > paused, 'reading resumed the generation');

  await reader.cancel();
  assert.equal(signal?.aborted, true, 'cancelling the stream aborts the generation');
});
