/**
 * Slots and the queue, through a real guest and the real engine: a call whose HTTP client
 * goes away frees its slot at once, and a full queue answers runtime-error "busy".
 * One slot, a queue of one, and a long generation (digits cycle forever on tiny-predictable).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generate } from './support/models.js';
import { guest, startSpin, tempDir, writeApp, type RunningSpin } from './support/spin.js';

let spin: RunningSpin;
const LONG = { maxTokens: 15000, repeatPenalty: 1, repeatPenaltyLastNTokenCount: 64, temperature: 0, topK: 40, topP: 1 };
const SHORT = { ...LONG, maxTokens: 10 };

before(async () => {
  const dir = await tempDir('spin-ts-slots-');
  await generate('tiny-predictable', join(dir, 'predictable.gguf'));
  await writeFile(join(dir, 'rc.toml'), `[llm_models.long]\npath = "predictable.gguf"\ncontext_size = 16384\n`);
  const manifest = await writeApp(`
spin_manifest_version = 2
[application]
name = "slots"
[[trigger.http]]
route = "/..."
component = "js"
[component.js]
source = "${guest('js-llm')}"
ai_models = ["long"]
`);
  spin = await startSpin([
    '-f',
    manifest,
    '--runtime-config-file',
    join(dir, 'rc.toml'),
    '--llm-threads',
    '1',
    '--llm-slots',
    '1',
    '--llm-queue',
    '1',
    '--preload-models',
  ]);
});
after(async () => spin?.stop());

function infer(params: object, signal?: AbortSignal) {
  return fetch(`${spin.url}/infer`, { method: 'POST', body: JSON.stringify({ model: 'long', prompt: '0', params }), signal });
}

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await p;
  return { value, ms: performance.now() - t };
}

test('a long call takes seconds on its own (the yardstick for the next tests)', async () => {
  const { value, ms } = await timed(infer({ ...LONG, maxTokens: 3000 }));
  const j = (await value.json()) as { usage: { generatedTokenCount: number } };
  assert.equal(j.usage.generatedTokenCount, 3000);
  assert.ok(ms > 100, `${ms} ms`);
});

test('a client that goes away frees the slot at once for the next call', async () => {
  const controller = new AbortController();
  const long = infer(LONG, controller.signal).catch((e: Error) => e);
  await new Promise((r) => setTimeout(r, 300));
  controller.abort();
  assert.equal(((await long) as Error).name, 'AbortError');
  // With one slot, this call could only run after the long one unless its slot was freed.
  const { value, ms } = await timed(infer(SHORT));
  assert.equal(value.status, 200);
  assert.equal(((await value.json()) as { text: string }).text, '1234567890');
  assert.ok(ms < 2000, `the next call waited ${ms.toFixed(0)} ms`);
});

test('a full queue answers busy; the running and the queued call still finish', async () => {
  const running = infer({ ...LONG, maxTokens: 4000 });
  await new Promise((r) => setTimeout(r, 150));
  const queued = infer(SHORT);
  await new Promise((r) => setTimeout(r, 150));
  const rejected = await infer(SHORT);
  assert.equal(rejected.status, 500);
  const j = (await rejected.json()) as { error: { kind: string; message: string } };
  assert.equal(j.error.kind, 'runtime-error');
  assert.match(j.error.message, /busy/);
  assert.equal((await running).status, 200);
  assert.equal((await queued).status, 200);
});
