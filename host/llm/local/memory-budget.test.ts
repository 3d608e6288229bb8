/**
 * The models memory budget on real node-llama-cpp with two generated models (tiny-predictable and
 * tiny-llama, plus a second name for the predictable file): loading past the budget unloads the
 * least recently used idle model; busy models are never unloaded; a model larger than the budget
 * is refused.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LlmError, type InferParams } from '../engine.js';
import { generateModel } from '../../gguf/presets.js';
import { LocalLlamaEngine, type LocalLlamaEngineOptions } from './engine.js';
import type { ModelTable } from './registry.js';

let root: string;
let table: ModelTable;
const engines: LocalLlamaEngine[] = [];
let bytes: Record<string, number>;

const GREEDY: InferParams = { maxTokens: 4, repeatPenalty: 1, repeatPenaltyLastNTokenCount: 64, temperature: 0, topK: 40, topP: 1 };

function newEngine(extra: Partial<LocalLlamaEngineOptions> = {}, log: string[] = []): LocalLlamaEngine {
  const e = new LocalLlamaEngine({
    modelTable: table,
    stateDir: join(root, '.spin'),
    threads: 1,
    gpu: 'cpu',
    slots: 1,
    log: (line) => log.push(line),
    ...extra,
  });
  engines.push(e);
  return e;
}

async function loaded(e: LocalLlamaEngine): Promise<string[]> {
  return (await e.listModels())
    .filter((m) => m.loaded)
    .map((m) => m.id)
    .sort();
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'llm-memory-budget-'));
  const p = (await generateModel('tiny-predictable', join(root, 'p.gguf'))).path;
  const tiny = (await generateModel('tiny-llama', join(root, 'tiny.gguf'))).path;
  table = {
    p: { path: p, kind: 'completion', contextSize: 512 },
    p2: { path: p, kind: 'completion', contextSize: 512 },
    tiny: { path: tiny, kind: 'completion', contextSize: 512 },
  };
  // what each takes, measured by an engine with no budget
  const e = newEngine();
  for (const name of Object.keys(table)) await e.infer(name, 'a', GREEDY);
  bytes = e.memoryUse();
  await e.close();
});

after(async () => {
  for (const e of engines) await e.close();
  await rm(root, { recursive: true, force: true });
});

describe('models memory budget', () => {
  test('every loaded model counts its weights and its context', () => {
    for (const name of ['p', 'p2', 'tiny']) assert.ok(bytes[name]! > 0, `${name}: ${bytes[name]}`);
    assert.equal(bytes['p'], bytes['p2']);
  });

  test('loading past the budget unloads the least recently used idle model', async () => {
    const log: string[] = [];
    // any two fit, not all three
    const e = newEngine({ maxMemoryBytes: bytes['p']! + bytes['p2']! + bytes['tiny']! - 1 }, log);
    await e.infer('p', 'a', GREEDY);
    await e.infer('p2', 'a', GREEDY);
    await e.infer('p', 'a', GREEDY); // p is now more recent than p2
    assert.deepEqual(await loaded(e), ['p', 'p2']);
    assert.equal((await e.infer('tiny', 'a', GREEDY)).generatedTokens > 0, true);
    assert.deepEqual(await loaded(e), ['p', 'tiny']);
    assert.ok(
      log.some((l) => /unloaded model 'p2' \(least recently used\) to make room for 'tiny' within the models memory budget/.test(l)),
      log.join('\n'),
    );
    // the unloaded model loads again on its next call, making room in turn
    assert.equal((await e.infer('p2', 'a', GREEDY)).text, 'bcde');
    assert.deepEqual(await loaded(e), ['p2', 'tiny']);
  });

  test('a model in use is never unloaded: the new one is refused as busy until it is done', async () => {
    const e = newEngine({ maxMemoryBytes: bytes['p']! + bytes['tiny']! - 1 });
    await e.infer('p', 'a', GREEDY);
    const stop = new AbortController();
    let streamed!: () => void;
    const started = new Promise<void>((r) => (streamed = r));
    // a reader that never catches up holds the call (backpressure) until it is aborted
    const held = new Promise<void>(() => undefined);
    const long = e.infer(
      'p',
      '0',
      { ...GREEDY, maxTokens: 400 },
      {
        signal: stop.signal,
        onText: () => {
          streamed();
          return held;
        },
      },
    );
    await started;
    await assert.rejects(e.infer('tiny', 'a', GREEDY), (err: unknown) => {
      assert.ok(err instanceof LlmError && err.kind === 'busy', String(err));
      assert.match(err.message, /cannot load model 'tiny' .*: the models memory budget of .* is full .*; retry later/);
      return true;
    });
    stop.abort();
    await assert.rejects(long, { name: 'AbortError' });
    assert.ok((await e.infer('tiny', 'a', GREEDY)).generatedTokens > 0);
    assert.deepEqual(await loaded(e), ['tiny']);
  });

  test('a model larger than the whole budget is refused, naming both sizes', async () => {
    const e = newEngine({ maxMemoryBytes: 1024 });
    await assert.rejects(e.infer('p', 'a', GREEDY), (err: unknown) => {
      assert.ok(err instanceof LlmError && err.kind === 'runtime-error', String(err));
      assert.match(err.message, /model 'p' takes about [\d.]+ MiB, more than the models memory budget of 0\.0 MiB/);
      return true;
    });
  });

  test('a bad budget is refused', () => {
    assert.throws(() => newEngine({ maxMemoryBytes: 0 }), /maxMemoryBytes must be a positive integer, got 0/);
    assert.throws(() => newEngine({ maxMemoryBytes: 1.5 }), /maxMemoryBytes must be a positive integer, got 1.5/);
  });
});
