/**
 * Backpressure on the real engine: a streaming consumer whose onText returns a pending promise
 * pauses generation (no further tokens are pulled); settling it resumes; an abort while paused
 * rejects at once and frees the slot.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateModel } from '../../gguf/presets.js';
import { LocalLlamaEngine } from './engine.js';

let engine: LocalLlamaEngine;
const GREEDY = { maxTokens: 200, repeatPenalty: 1, repeatPenaltyLastNTokenCount: 64, temperature: 0, topK: 40, topP: 1 };

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spin-ts-backpressure-'));
  const path = (await generateModel('tiny-predictable', join(dir, 'p.gguf'))).path;
  engine = new LocalLlamaEngine({ modelTable: { p: { path, kind: 'completion' } }, stateDir: dir, threads: 1, slots: 1, gpu: 'cpu', log: () => undefined });
  await engine.preload(['p']);
});
after(async () => engine?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a pending onText promise pauses generation; settling it resumes', async () => {
  const pieces: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const run = engine.infer('p', '0', GREEDY, {
    onText: (chunk) => {
      pieces.push(chunk);
      return pieces.length === 5 ? gate : undefined;
    },
  });
  await sleep(500);
  assert.equal(pieces.length, 5, `no text after the consumer asked to wait: ${JSON.stringify(pieces)}`);
  assert.equal(engine.stats().p?.running, 1, 'the paused call holds its slot');
  release();
  const r = await run;
  assert.equal(r.generatedTokens, 200);
  assert.equal(pieces.join(''), '1234567890'.repeat(20));
});

test('an abort while paused rejects at once and frees the slot', async () => {
  const abort = new AbortController();
  let calls = 0;
  const run = engine.infer('p', '0', GREEDY, { signal: abort.signal, onText: () => (++calls === 1 ? new Promise<void>(() => undefined) : undefined) });
  await sleep(300);
  assert.equal(calls, 1);
  abort.abort();
  await assert.rejects(run, (err: Error) => err.name === 'AbortError');
  for (let i = 0; i < 100 && engine.stats().p?.running !== 0; i++) await sleep(10);
  assert.equal(engine.stats().p?.running, 0);
  const next = await engine.infer('p', 'a', { ...GREEDY, maxTokens: 3 });
  assert.equal(next.text, 'bcd');
});
