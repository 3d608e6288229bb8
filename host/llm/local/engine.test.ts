/**
 * The local engine on real node-llama-cpp with generated models (tiny-predictable's design is
 * documented in gguf/predictable.ts: greedy "a" → "bcdefghijklmnopqrstuvwxyz", digits cycle).
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_INFER_PARAMS, LlmError, type InferParams } from '../engine.js';
import { generateModel } from '../../gguf/presets.js';
import { LocalLlamaEngine, type LocalLlamaEngineOptions } from './engine.js';
import type { ModelTable } from './registry.js';

let root: string;
let stateDir: string;
let table: ModelTable;
const engines: LocalLlamaEngine[] = [];

const GREEDY: InferParams = { maxTokens: 100, repeatPenalty: 1, repeatPenaltyLastNTokenCount: 64, temperature: 0, topK: 40, topP: 1 };
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

function newEngine(extra: Partial<LocalLlamaEngineOptions> = {}): LocalLlamaEngine {
  const e = new LocalLlamaEngine({ modelTable: table, stateDir, threads: 1, gpu: 'cpu', log: () => undefined, ...extra });
  engines.push(e);
  return e;
}

// a few shared engines (each loads its models once), as a server would have
let shared: LocalLlamaEngine | undefined;
let single: LocalLlamaEngine | undefined;
/** Default options: 4 slots, queue 64. */
function engine(): LocalLlamaEngine {
  return (shared ??= newEngine());
}
/** One slot, a queue of one. */
function singleSlotEngine(): LocalLlamaEngine {
  return (single ??= newEngine({ slots: 1, queue: 1 }));
}

function isLlmError(kind: LlmError['kind'], pattern?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof LlmError, `expected LlmError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'llm-engine-'));
  stateDir = join(root, '.spin');
  const models = join(root, 'models');
  const predictable = (await generateModel('tiny-predictable', join(models, 'predictable.gguf'))).path;
  const tiny = (await generateModel('tiny-llama', join(models, 'tiny-llama.gguf'))).path;
  const bert = (await generateModel('tiny-bert', join(models, 'tiny-bert.gguf'))).path;
  // a state-dir model (no table entry): discovered by name
  await mkdir(join(stateDir, 'ai-models', 'llama', 'llama2-chat'), { recursive: true });
  await generateModel('tiny-predictable', join(stateDir, 'ai-models', 'llama', 'llama2-chat', 'model.gguf'));
  const digest = createHash('sha256')
    .update(await readFile(predictable))
    .digest('hex');
  table = {
    p: { path: predictable, kind: 'completion' },
    'p-small': { path: predictable, kind: 'completion', contextSize: 256 },
    'p-hashed': { path: predictable, kind: 'completion', sha256: digest },
    'p-bad-hash': { path: predictable, kind: 'completion', sha256: 'f'.repeat(64) },
    tiny: { path: tiny, kind: 'completion' },
    'all-minilm-l6-v2': { path: bert, kind: 'embedding' },
    broken: { path: join(models, 'does-not-exist.gguf'), kind: 'completion' },
  };
});

after(async () => {
  for (const e of engines) await e.close();
  await rm(root, { recursive: true, force: true });
});

describe('tiny-predictable: exact greedy output and counts', () => {
  test('"a" → rest of the alphabet, then end-of-sequence', async () => {
    const r = await engine().infer('p', 'a', GREEDY);
    assert.deepEqual(r, { text: ALPHABET.slice(1), promptTokens: 2, generatedTokens: 25, finishReason: 'stop' });
  });

  test('"x" → "yz"; empty prompt → the whole alphabet (BOS only)', async () => {
    const e = engine();
    assert.deepEqual(await e.infer('p', 'x', GREEDY), { text: 'yz', promptTokens: 2, generatedTokens: 2, finishReason: 'stop' });
    assert.deepEqual(await e.infer('p', '', GREEDY), { text: ALPHABET, promptTokens: 1, generatedTokens: 26, finishReason: 'stop' });
  });

  test('maxTokens is honoured exactly (finishReason length)', async () => {
    const e = engine();
    assert.deepEqual(await e.infer('p', 'a', { ...GREEDY, maxTokens: 5 }), { text: 'bcdef', promptTokens: 2, generatedTokens: 5, finishReason: 'length' });
    assert.deepEqual(await e.infer('p', 'a', { ...GREEDY, maxTokens: 1 }), { text: 'b', promptTokens: 2, generatedTokens: 1, finishReason: 'length' });
    // 25 letters exactly fill maxTokens 25: the end-of-sequence is never sampled
    assert.equal((await e.infer('p', 'a', { ...GREEDY, maxTokens: 25 })).finishReason, 'length');
    assert.equal((await e.infer('p', 'a', { ...GREEDY, maxTokens: 26 })).finishReason, 'stop');
    const cycle = await e.infer('p', '0', { ...GREEDY, maxTokens: 23 });
    assert.deepEqual(cycle, { text: '12345678901234567890123', promptTokens: 2, generatedTokens: 23, finishReason: 'length' });
  });

  test('a full context ends generation with length (no context shift)', async () => {
    const r = await engine().infer('p-small', '0', { ...GREEDY, maxTokens: 256 });
    assert.equal(r.finishReason, 'length');
    assert.equal(r.generatedTokens, 256 - 2);
    assert.equal(r.text, '1234567890'.repeat(26).slice(0, 254));
  });

  test('Spin defaults (temperature 0.8, top-k 40, top-p 0.9, penalty 1.1/64) are deterministic on this model', async () => {
    const e = engine();
    for (let i = 0; i < 3; i++) {
      const r = await e.infer('p', 'a', { ...DEFAULT_INFER_PARAMS });
      assert.equal(r.text, ALPHABET.slice(1));
    }
  });

  test('temperature with a seed is reproducible and differs from greedy; top-k 1 equals greedy', async () => {
    const e = engine();
    const hot: InferParams = { ...GREEDY, temperature: 2, topK: 0, topP: 1, seed: 42 };
    const a = await e.infer('p', 'a', hot);
    const b = await e.infer('p', 'a', hot);
    assert.equal(a.text, b.text);
    assert.notEqual(a.text, ALPHABET.slice(1));
    const other = await e.infer('p', 'a', { ...hot, seed: 43 });
    assert.notEqual(other.text, a.text);
    const k1 = await e.infer('p', 'a', { ...hot, topK: 1 });
    assert.equal(k1.text, ALPHABET.slice(1));
  });

  test('engine-level seed makes unseeded sampling reproducible', async () => {
    const e = newEngine({ seed: 7 });
    const hot: InferParams = { ...GREEDY, temperature: 2, topK: 0, topP: 1 };
    assert.equal((await e.infer('p', 'a', hot)).text, (await e.infer('p', 'a', hot)).text);
  });

  test('repeat penalty over prompt + output changes the greedy choice', async () => {
    const e = engine();
    assert.equal((await e.infer('p', 'abcab', GREEDY)).text, ALPHABET.slice(2));
    // "c" (logit 8) is in the window: 8 / 3 < 4, so the runner-up "d" wins
    const penalised = await e.infer('p', 'abcab', { ...GREEDY, repeatPenalty: 3, repeatPenaltyLastNTokenCount: 64 });
    assert.deepEqual(penalised, { text: ALPHABET.slice(3), promptTokens: 6, generatedTokens: 23, finishReason: 'stop' });
    // a window too short to see the earlier "c" changes nothing
    assert.equal((await e.infer('p', 'abcab', { ...GREEDY, repeatPenalty: 3, repeatPenaltyLastNTokenCount: 2 })).text, ALPHABET.slice(2));
    // the default 1.1 is too weak to flip a 8-vs-4 margin
    assert.equal((await e.infer('p', 'abcab', { ...GREEDY, repeatPenalty: 1.1 })).text, ALPHABET.slice(2));
    // presence penalty (OpenAI style) uses the same window
    assert.equal((await e.infer('p', 'abcab', { ...GREEDY, presencePenalty: 2, frequencyPenalty: 2 })).text, ALPHABET.slice(3));
  });

  test('stop strings end the text before the match and stream nothing of it', async () => {
    const chunks: string[] = [];
    const r = await engine().infer('p', 'a', { ...GREEDY, stop: ['fgh', 'zz'] }, { onText: (c) => chunks.push(c) });
    assert.deepEqual(r, { text: 'bcde', promptTokens: 2, generatedTokens: 7, finishReason: 'stop', stoppedBy: 'fgh' });
    assert.equal(chunks.join(''), 'bcde');
  });

  test('an error thrown by onText ends the call with that same error', async () => {
    const boom = new Error('client went away');
    await assert.rejects(
      engine().infer('p', 'a', GREEDY, {
        onText: () => {
          throw boom;
        },
      }),
      (err: unknown) => err === boom,
    );
    assert.equal((await engine().infer('p', 'y', GREEDY)).text, 'z');
  });

  test('onText streams every generated piece', async () => {
    const chunks: string[] = [];
    const r = await engine().infer('p', 'q', GREEDY, { onText: (c) => chunks.push(c) });
    assert.equal(r.text, 'rstuvwxyz');
    assert.deepEqual(chunks, [...'rstuvwxyz']);
  });
});

describe('validation and errors', () => {
  test('out-of-range params are invalid-input', async () => {
    const e = engine();
    await assert.rejects(e.infer('p', 'a', { ...GREEDY, maxTokens: 0 }), isLlmError('invalid-input', /max-tokens/));
    await assert.rejects(e.infer('p', 'a', { ...GREEDY, maxTokens: 5000 }), isLlmError('invalid-input', /above the context size 1024/));
    await assert.rejects(e.infer('p', 'a', { ...GREEDY, topP: 1.5 }), isLlmError('invalid-input', /top-p/));
    await assert.rejects(e.infer('p', 'a', { ...GREEDY, repeatPenalty: 0 }), isLlmError('invalid-input', /repeat-penalty/));
    await assert.rejects(e.infer('p', 'a', { ...GREEDY, temperature: NaN }), isLlmError('invalid-input'));
    await assert.rejects(e.infer('p', 'a'.repeat(2000), GREEDY), isLlmError('invalid-input', /prompt is 2001 tokens/));
    // one rule with the guest glue (host/llm/params.ts): a negative temperature is invalid-input
    await assert.rejects(e.infer('p', 'x', { ...GREEDY, temperature: -1 }), isLlmError('invalid-input', /temperature/));
  });

  test('unknown model → model-not-supported; unreadable file → runtime-error', async () => {
    const e = engine();
    await assert.rejects(e.infer('nope', 'a', GREEDY), isLlmError('model-not-supported'));
    await assert.rejects(e.embed('nope', ['a']), isLlmError('model-not-supported'));
    await assert.rejects(e.infer('broken', 'a', GREEDY), isLlmError('runtime-error', /does-not-exist\.gguf/));
  });

  test('sha256: a match loads, a mismatch is refused naming the file and both digests', async () => {
    const e = engine();
    assert.equal((await e.infer('p-hashed', 'y', GREEDY)).text, 'z');
    await assert.rejects(
      e.infer('p-bad-hash', 'a', GREEDY),
      isLlmError('runtime-error', /sha256 mismatch for model file .*predictable\.gguf: expected f{64}, got [0-9a-f]{64}/),
    );
  });

  test('an embedding model cannot generate text', async () => {
    await assert.rejects(engine().infer('all-minilm-l6-v2', 'a', GREEDY), isLlmError('invalid-input', /embedding model/));
  });
});

describe('embeddings', () => {
  test('tiny-bert: one unit vector per input, token count, deterministic, input-dependent', async () => {
    const e = engine();
    const r = await e.embed('all-minilm-l6-v2', ['hello world', 'the model is tiny', 'hello world']);
    assert.equal(r.embeddings.length, 3);
    for (const v of r.embeddings) {
      assert.equal(v.length, 64);
      const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
    }
    // [CLS] hello world [SEP] = 4, [CLS] the model is tiny [SEP] = 6
    assert.equal(r.promptTokens, 4 + 6 + 4);
    assert.deepEqual(r.embeddings[0], r.embeddings[2]);
    assert.notDeepEqual(r.embeddings[0], r.embeddings[1]);
    assert.deepEqual(await e.embed('all-minilm-l6-v2', []), { embeddings: [], promptTokens: 0 });
    await assert.rejects(e.embed('all-minilm-l6-v2', ['']), isLlmError('invalid-input'));
  });

  test('a llama model embeds through an embedding context too', async () => {
    const r = await engine().embed('tiny', ['hello world']);
    assert.equal(r.embeddings[0]!.length, 64);
    assert.ok(Math.abs(Math.hypot(...r.embeddings[0]!) - 1) < 1e-5);
    assert.ok(r.promptTokens > 0);
  });
});

describe('models', () => {
  test('tiny-llama generates something and stops at maxTokens or end-of-sequence', async () => {
    const r = await engine().infer('tiny', 'hello world', { ...GREEDY, maxTokens: 16 });
    assert.ok(r.text.length > 0);
    assert.ok(r.generatedTokens > 0 && r.generatedTokens <= 16);
    assert.equal(r.promptTokens, 3); // <s> ▁hello ▁world
  });

  test('state-dir models are found by name; listModels shows configured and discovered models', async () => {
    const e = newEngine();
    assert.equal((await e.infer('llama2-chat', 'v', GREEDY)).text, 'wxyz');
    const list = await e.listModels();
    const byId = new Map(list.map((m) => [m.id, m]));
    assert.deepEqual(byId.get('llama2-chat'), { id: 'llama2-chat', kind: 'completion', source: 'state-dir', loaded: true });
    assert.deepEqual(byId.get('all-minilm-l6-v2'), { id: 'all-minilm-l6-v2', kind: 'embedding', source: 'model-table', loaded: false });
    assert.equal(byId.get('p')?.loaded, false);
  });

  test('preload loads at start; a model is loaded once however many callers', async () => {
    const logs: string[] = [];
    const e = newEngine({ log: (l) => logs.push(l) });
    await e.preload(['p']);
    assert.equal(logs.filter((l) => l.startsWith("loaded model 'p'")).length, 1);
    assert.match(
      logs.find((l) => l.startsWith("loaded model 'p'"))!,
      /in \d+ ms; weights .* MiB, RSS [+-]?\d/,
    );
    const e2 = e;
    await Promise.all(Array.from({ length: 5 }, (_, i) => e2.infer('tiny', `w${i}`, { ...GREEDY, maxTokens: 2 })));
    assert.equal(logs.filter((l) => l.startsWith("loaded model 'tiny'")).length, 1);
  });
});

describe('concurrency', () => {
  test('8 concurrent calls with 4 slots all get their exact answers', async () => {
    const e = engine();
    let maxRunning = 0;
    let maxQueued = 0;
    const observe = (): void => {
      const s = e.stats()['p'];
      if (s) {
        maxRunning = Math.max(maxRunning, s.running);
        maxQueued = Math.max(maxQueued, s.queued);
      }
    };
    const prompts = [...'abcdefgh'];
    const results = await Promise.all(prompts.map((p) => e.infer('p', p, GREEDY, { onText: observe })));
    results.forEach((r, i) => {
      const start = ALPHABET.indexOf(prompts[i]!) + 1;
      assert.deepEqual(r, { text: ALPHABET.slice(start), promptTokens: 2, generatedTokens: 26 - start, finishReason: 'stop' });
    });
    assert.equal(maxRunning, 4);
    assert.ok(maxQueued >= 1, `max queued ${maxQueued}`);
    assert.deepEqual(e.stats()['p'], { running: 0, queued: 0, slots: 4 });
  });

  test('4 generating sequences decode together in every step (batching.ts), in sequence order', async () => {
    const e = newEngine();
    await e.infer('p', '0', { ...GREEDY, maxTokens: 1 }); // loaded, so the four start together
    const before = e.batchingStats()['p']!;
    const steps = 24;
    // digits never stop: each call generates exactly `steps` tokens
    const results = await Promise.all(['0', '2', '4', '6'].map((p) => e.infer('p', p, { ...GREEDY, maxTokens: steps })));
    for (const r of results) assert.equal(r.generatedTokens, steps);
    const after = e.batchingStats()['p']!;
    const batches = after.batches - before.batches;
    // 4 prompts (each alone or beside the earlier ones' tokens), then one batch per step for all four;
    // a sequence left out of each step (the old behaviour) takes about steps * 4/3 + 4 batches
    assert.ok(batches <= steps + 4, `${batches} batches for ${steps} steps of 4 sequences`);
    assert.equal(after.unordered, 0, "node-llama-cpp's queue no longer matches its batch items: tokens are not ordered by sequence");
  });

  test('a queued call starts in a freed slot while the other slots keep generating (context-gate.ts)', async () => {
    const e = newEngine();
    await e.infer('p', '0', { ...GREEDY, maxTokens: 1 });
    const times: Record<string, { first?: number; last?: number }> = {};
    const call = (name: string, prompt: string, maxTokens: number) => {
      const t: { first?: number; last?: number } = (times[name] = {});
      return e.infer('p', prompt, { ...GREEDY, maxTokens }, { onText: () => ((t.first ??= performance.now()), (t.last = performance.now())) });
    };
    // slot 1 frees after 4 tokens; the fifth call takes it while three others still generate 200 tokens
    const running = [call('short', '0', 4), call('long1', '1', 200), call('long2', '2', 200), call('long3', '3', 200)];
    const queued = call('queued', '5', 4);
    await Promise.all([...running, queued]);
    const longEnd = Math.min(times.long1!.last!, times.long2!.last!, times.long3!.last!);
    assert.ok(times.queued!.last! < longEnd, 'the queued call finished before the long ones: it did not wait for them to drain');
  });

  test('cancelling a running call frees its slot at once and the next call runs', async () => {
    const e = singleSlotEngine();
    await e.preload(['p']);
    const ac = new AbortController();
    let chunks = 0;
    const long = e.infer(
      'p',
      '0',
      { ...GREEDY, maxTokens: 1000 },
      {
        signal: ac.signal,
        onText: () => {
          if (++chunks === 3) ac.abort();
        },
      },
    );
    await assert.rejects(long, { name: 'AbortError' });
    assert.deepEqual(e.stats()['p'], { running: 0, queued: 0, slots: 1 });
    assert.ok(chunks < 10, `generation went on after the abort (${chunks} chunks)`);
    assert.deepEqual(await e.infer('p', 'w', GREEDY), { text: 'xyz', promptTokens: 2, generatedTokens: 3, finishReason: 'stop' });
  });

  test('a queued call is cancelled at once; a full queue answers busy', async () => {
    const e = singleSlotEngine();
    await e.preload(['p']);
    const runner = new AbortController();
    let started!: () => void;
    const isRunning = new Promise<void>((r) => (started = r));
    const running = e.infer('p', '0', { ...GREEDY, maxTokens: 1000 }, { signal: runner.signal, onText: () => started() });
    await isRunning;
    const waiter = new AbortController();
    const queued = e.infer('p', 'a', GREEDY, { signal: waiter.signal });
    await new Promise((r) => setImmediate(r));
    assert.equal(e.stats()['p']!.queued, 1);
    await assert.rejects(e.infer('p', 'b', GREEDY), isLlmError('busy', /^busy: /));
    waiter.abort();
    await assert.rejects(queued, { name: 'AbortError' });
    assert.equal(e.stats()['p']!.queued, 0);
    runner.abort();
    await assert.rejects(running, { name: 'AbortError' });
    assert.deepEqual(e.stats()['p'], { running: 0, queued: 0, slots: 1 });
    assert.equal((await e.infer('p', 'y', GREEDY)).text, 'z');
  });

  test('an already-aborted signal rejects without running', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(engine().infer('p', 'a', GREEDY, { signal: ac.signal }), { name: 'AbortError' });
  });
});
