/**
 * Issue #21 through a real guest (js-llm) and the real engine: a 1-token infer, then a 64-token
 * infer of the same prompt, while other calls keep generating. The first call publishes its
 * prompt into a prompt-cache entry; that copy waits for node-llama-cpp's context lock, which
 * the decode loop keeps while two or more sequences generate. The second call gets the same
 * slot back and waits for that copy before it starts. It used to wait without closing the
 * context gate (context-gate.ts), so it got no token until every other generation had ended:
 * with steady traffic, until its request timed out. A bounded stress loop of that pattern, and
 * of the two calls sent together, each request with a safety timeout well under the report's
 * 60 s (a normal pair takes well under a second here).
 * tiny-predictable: digits cycle forever, so "…0" prompts generate exactly maxTokens.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generate } from './support/models.js';
import { guest, startSpin, tempDir, writeApp, type RunningSpin } from './support/spin.js';

let spin: RunningSpin;
const GREEDY = { repeatPenalty: 1, repeatPenaltyLastNTokenCount: 64, temperature: 0, topK: 40, topP: 1 };
/** Far more than a pair takes; far less than the other generations last (15000 tokens). */
const SAFETY_MS = 8000;
const ITERATIONS = 24;

before(async () => {
  const dir = await tempDir('spin-ts-llm-race-');
  await generate('tiny-predictable', join(dir, 'predictable.gguf'));
  await writeFile(join(dir, 'rc.toml'), `[llm_models.race]\npath = "predictable.gguf"\ncontext_size = 16384\n`);
  const manifest = await writeApp(`
spin_manifest_version = 2
[application]
name = "llm-race"
[[trigger.http]]
route = "/..."
component = "js"
[component.js]
source = "${guest('js-llm')}"
ai_models = ["race"]
`);
  // one llama.cpp thread: the loop then measures ordering, not how a loaded machine shares its cores
  spin = await startSpin(['-f', manifest, '--runtime-config-file', join(dir, 'rc.toml'), '--llm-threads', '1', '--preload-models']);
});
after(async () => spin?.stop());

interface Reply {
  text?: string;
  usage?: { generatedTokenCount: number };
  error?: unknown;
}

async function infer(prompt: string, maxTokens: number, signal: AbortSignal): Promise<Reply> {
  const res = await fetch(`${spin.url}/infer`, { method: 'POST', body: JSON.stringify({ model: 'race', prompt, params: { ...GREEDY, maxTokens } }), signal });
  const body = (await res.json()) as Reply;
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

/** An infer that must answer within SAFETY_MS; a hang fails the test with what was asked. */
async function bounded(what: string, prompt: string, maxTokens: number): Promise<Reply> {
  try {
    return await infer(prompt, maxTokens, AbortSignal.timeout(SAFETY_MS));
  } catch (err) {
    if ((err as Error).name === 'TimeoutError')
      assert.fail(`${what} (${maxTokens} tokens) got no answer within ${SAFETY_MS} ms\n${spin.output().slice(-2000)}`);
    throw err;
  }
}

/**
 * Runs `pair` while two other calls keep generating (digits forever); they are cancelled after
 * it, and must not have ended on their own before (else the pair ran without them).
 */
async function whileOthersGenerate(i: number, pair: () => Promise<void>): Promise<void> {
  const ac = new AbortController();
  const calls = [1, 2].map((n) => infer(`other ${n} of ${i} 0`, 15000, ac.signal).catch((err: unknown) => err));
  try {
    await new Promise((r) => setTimeout(r, 200)); // let them start generating
    await pair();
  } finally {
    ac.abort();
  }
  for (const r of await Promise.all(calls)) {
    assert.ok(r instanceof Error && r.name === 'AbortError', `another generation ended on its own: ${JSON.stringify(r)}`);
  }
}

/** At least 32 tokens (one per character) before the last: long enough for the prompt cache. */
const promptOf = (i: number) => `iteration ${i}: the quick brown fox jumps over the lazy dog 0`;
const digits = (n: number) => '1234567890'.repeat(Math.ceil(n / 10)).slice(0, n);

function assertTokens(r: Reply, n: number): void {
  assert.equal(r.usage?.generatedTokenCount, n, JSON.stringify(r));
  assert.equal(r.text, digits(n));
}

test('a 64-token infer right after a 1-token infer of the same prompt is not held up by other generations', async () => {
  for (let i = 0; i < ITERATIONS; i++) {
    await whileOthersGenerate(i, async () => {
      assertTokens(await bounded(`iteration ${i}: the first call`, promptOf(i), 1), 1);
      assertTokens(await bounded(`iteration ${i}: the second call`, promptOf(i), 64), 64);
    });
  }
});

test('a 1-token and a 64-token infer of the same prompt sent together, with and without other generations', async () => {
  for (let i = 0; i < ITERATIONS; i++) {
    const pair = async () => {
      const prompt = promptOf(100 + i);
      const [one, many] = await Promise.all([bounded(`iteration ${i}: the 1-token call`, prompt, 1), bounded(`iteration ${i}: the 64-token call`, prompt, 64)]);
      assertTokens(one, 1);
      assertTokens(many, 64);
    };
    if (i % 2 === 0) await whileOthersGenerate(100 + i, pair);
    else await pair();
  }
});
