/**
 * The shared prompt cache on real node-llama-cpp with generated models: the cached path gives the
 * text the uncached path gives (greedy), concurrent prompts with one prefix evaluate it once, and
 * the LRU bound holds.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { InferParams } from '../engine.js';
import { generateModel } from '../../gguf/presets.js';
import { LocalLlamaEngine, type LocalLlamaEngineOptions } from './engine.js';
import type { ModelTable } from './registry.js';

let root: string;
let table: ModelTable;
const engines: LocalLlamaEngine[] = [];

const GREEDY: InferParams = { maxTokens: 40, repeatPenalty: 1, repeatPenaltyLastNTokenCount: 64, temperature: 0, topK: 40, topP: 1 };
/** A long shared "system prompt" (one token per character on tiny-predictable). */
const SYSTEM = 'you are a helpful assistant that answers in one line and never makes things up '.repeat(3);
const QUESTIONS = ['what is a', 'tell me about k', 'spell from p', 'name the letter after f'];

function newEngine(extra: Partial<LocalLlamaEngineOptions> = {}): LocalLlamaEngine {
  const e = new LocalLlamaEngine({ modelTable: table, stateDir: join(root, '.spin'), threads: 1, gpu: 'cpu', log: () => undefined, ...extra });
  engines.push(e);
  return e;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'llm-prefix-cache-'));
  const predictable = (await generateModel('tiny-predictable', join(root, 'predictable.gguf'))).path;
  const tiny = (await generateModel('tiny-llama', join(root, 'tiny-llama.gguf'))).path;
  table = {
    p: { path: predictable, kind: 'completion', contextSize: 512 },
    tiny: { path: tiny, kind: 'completion', contextSize: 512 },
    'tiny-no-cache': { path: tiny, kind: 'completion', contextSize: 512, promptCache: 0 },
    long: { path: predictable, kind: 'completion', contextSize: 16384 },
  };
});

after(async () => {
  for (const e of engines) await e.close();
  await rm(root, { recursive: true, force: true });
});

describe('prompt cache shared across calls', () => {
  test('tiny-predictable: 4 concurrent prompts with one prefix give the uncached text; the prefix is evaluated once', async () => {
    const cached = newEngine({ promptCache: 2 });
    const plain = newEngine({ promptCache: 0 });
    const prompts = QUESTIONS.map((q) => `${SYSTEM}${q}`);
    const withCache = await Promise.all(prompts.map((p) => cached.infer('p', p, GREEDY)));
    const without = await Promise.all(prompts.map((p) => plain.infer('p', p, GREEDY)));
    assert.deepEqual(withCache, without);
    // the predictable model continues the alphabet from the prompt's last letter
    assert.equal(withCache[0]!.text, 'bcdefghijklmnopqrstuvwxyz');
    assert.equal(withCache[3]!.text, 'ghijklmnopqrstuvwxyz');
    const stats = cached.promptCacheStats().p!;
    assert.deepEqual({ misses: stats.misses, hits: stats.hits, entries: stats.entries }, { misses: 1, hits: 3, entries: 1 });
    assert.deepEqual(plain.promptCacheStats(), {});
  });

  test('an entry filled by a call that keeps generating is ready for others at once (context-gate.ts)', async () => {
    const e = newEngine({ promptCache: 2 });
    let laterDone = 0;
    let longDone = 0;
    // digits never end: the filler generates 300 tokens after publishing the prefix, beside another
    // call (with two sequences generating, node-llama-cpp's decode loop never lets go of its lock)
    const long = e.infer('p', `${SYSTEM}0`, { ...GREEDY, maxTokens: 300 }).then((r) => ((longDone = performance.now()), r));
    const other = e.infer('p', '5', { ...GREEDY, maxTokens: 300 });
    await new Promise((r) => setTimeout(r, 50));
    const later = await e.infer('p', `${SYSTEM}what is a`, GREEDY);
    laterDone = performance.now();
    await Promise.all([long, other]);
    assert.equal(later.text, 'bcdefghijklmnopqrstuvwxyz');
    assert.ok(laterDone < longDone, 'the second call did not wait for the filler to finish');
    assert.equal(e.promptCacheStats().p!.hits, 1);
  });

  test('tiny-llama (attention matters): the cached path gives the uncached greedy text', async () => {
    const e = newEngine({ promptCache: 2 });
    const prompts = QUESTIONS.map((q) => `${SYSTEM}${q}`);
    // concurrent: each call is on its own slot, so the three after the first start from the cache
    const cached = await Promise.all(prompts.map((p) => e.infer('tiny', p, GREEDY)));
    const stats = e.promptCacheStats();
    assert.deepEqual({ hits: stats.tiny!.hits, misses: stats.tiny!.misses }, { hits: 3, misses: 1 }, JSON.stringify(stats));
    for (const [i, p] of prompts.entries()) {
      const plain = await e.infer('tiny-no-cache', p, GREEDY);
      assert.deepEqual(cached[i], plain, `prompt ${JSON.stringify(p)}`);
      assert.ok(plain.generatedTokens > 0);
    }
    assert.equal(e.promptCacheStats()['tiny-no-cache'], undefined);
  });

  test('the call that would fill an entry is aborted: the calls waiting for it still answer right', async () => {
    const e = newEngine({ promptCache: 2 });
    const plain = newEngine({ promptCache: 0 });
    const prompts = QUESTIONS.map((q) => `${SYSTEM}${q}`);
    const stop = new AbortController();
    const first = e.infer('tiny', prompts[0]!, GREEDY, { signal: stop.signal });
    const others = prompts.slice(1).map((p) => e.infer('tiny', p, GREEDY));
    setTimeout(() => stop.abort(), 1);
    await assert.rejects(first, { name: 'AbortError' });
    const answers = await Promise.all(others);
    for (const [i, p] of prompts.slice(1).entries()) assert.deepEqual(answers[i], await plain.infer('tiny', p, GREEDY));
    const stats = e.promptCacheStats().tiny!;
    assert.ok(stats.entries <= 2, JSON.stringify(stats));
    // and the cache still serves: a fifth call with the prefix starts from an entry
    assert.deepEqual(await e.infer('tiny', `${SYSTEM}hello`, GREEDY), await plain.infer('tiny', `${SYSTEM}hello`, GREEDY));
  });

  test('the LRU bound holds: a third prefix evicts the least recently used one', async () => {
    const e = newEngine({ promptCache: 2, slots: 1 });
    const prefix = (n: number) => `${String(n).repeat(3)} ${SYSTEM}`;
    await e.infer('p', `${prefix(1)}a`, { ...GREEDY, maxTokens: 2 });
    await e.infer('p', `${prefix(2)}a`, { ...GREEDY, maxTokens: 2 });
    await e.infer('p', `${prefix(1)}b`, { ...GREEDY, maxTokens: 2 }); // a hit: prefix 1 is now the most recent
    await e.infer('p', `${prefix(3)}a`, { ...GREEDY, maxTokens: 2 }); // evicts prefix 2
    let stats = e.promptCacheStats().p!;
    assert.deepEqual(stats, { capacity: 2, entries: 2, hits: 1, misses: 3, evictions: 1 });
    await e.infer('p', `${prefix(1)}c`, { ...GREEDY, maxTokens: 2 }); // still cached
    await e.infer('p', `${prefix(2)}c`, { ...GREEDY, maxTokens: 2 }); // evicted: a miss
    stats = e.promptCacheStats().p!;
    assert.deepEqual(stats, { capacity: 2, entries: 2, hits: 2, misses: 4, evictions: 2 });
  });

  test('prompts shorter than the minimum shared prefix are not cached', async () => {
    const e = newEngine({ promptCache: 2 });
    assert.equal((await e.infer('p', 'a', GREEDY)).text, 'bcdefghijklmnopqrstuvwxyz');
    assert.deepEqual(e.promptCacheStats().p, { capacity: 2, entries: 0, hits: 0, misses: 0, evictions: 0 });
  });

  test('a bad promptCache option is refused', () => {
    assert.throws(() => newEngine({ promptCache: -1 }), /promptCache must be an integer ≥ 0, got -1/);
    assert.throws(() => newEngine({ promptCache: 1.5 }), /promptCache must be an integer ≥ 0, got 1.5/);
  });
  test("issue #21: the next call on a publishing call's slot starts while other calls keep generating", async () => {
    const e = newEngine({ promptCache: 2 });
    const ac = new AbortController();
    let othersEnded = false;
    // digits cycle forever on tiny-predictable: these two generate until aborted
    const others = Promise.all(
      [1, 2].map((n) => e.infer('long', `other ${n} 0`, { ...GREEDY, maxTokens: 4000 }, { signal: ac.signal }).catch((err: unknown) => err)),
    ).finally(() => (othersEnded = true));
    try {
      await new Promise((r) => setTimeout(r, 200));
      const prompt = `${SYSTEM}0`;
      // publishes the prompt into an entry, and hands its slot (the lowest free) to the next call
      assert.equal((await e.infer('long', prompt, { ...GREEDY, maxTokens: 1 })).text, '1');
      const many = await e.infer('long', prompt, { ...GREEDY, maxTokens: 64 });
      assert.equal(many.generatedTokens, 64);
      assert.equal(othersEnded, false, 'the 64-token call waited for the other generations to end');
    } finally {
      ac.abort();
    }
    for (const r of await others) assert.ok(r instanceof Error && r.name === 'AbortError', String(r));
    assert.equal(e.promptCacheStats().long!.misses, 1, 'the 1-token call published its prompt (the others are too short to cache)');
  });
});
