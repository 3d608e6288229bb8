/**
 * The native token loop (native/token-loop/) beside the JS loop on the real engine: the same
 * calls give the same results, token for token, through every sampling feature the loop does
 * natively (greedy, seeded sampling with Spin's penalty window, frequency and presence
 * penalties, min-p, logit bias, GBNF and JSON grammars, stop strings), and a logprobs call takes
 * the JS loop. Runs where `npm run build` could compile the addon; skipped (saying why) where not.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { InferParams } from '../engine.js';
import { generateModel } from '../../gguf/presets.js';
import { LocalLlamaEngine } from './engine.js';
import { ADDON_PATH } from './native-loop.js';

const built = existsSync(ADDON_PATH);
const engines: Record<'js' | 'native', LocalLlamaEngine> = {} as never;
const logs: Record<'js' | 'native', string[]> = { js: [], native: [] };

const SPIN_DEFAULTS: InferParams = { maxTokens: 48, repeatPenalty: 1.1, repeatPenaltyLastNTokenCount: 64, temperature: 0.8, topK: 40, topP: 0.9 };
const GREEDY: InferParams = { maxTokens: 48, repeatPenalty: 1, repeatPenaltyLastNTokenCount: 64, temperature: 0, topK: 40, topP: 1 };

before(async () => {
  if (!built) return;
  const dir = await mkdtemp(join(tmpdir(), 'spin-ts-native-loop-'));
  const tiny = (await generateModel('tiny-llama', join(dir, 'tiny.gguf'))).path;
  const predictable = (await generateModel('tiny-predictable', join(dir, 'p.gguf'))).path;
  const previous = process.env.SPIN_TS_TOKEN_LOOP;
  try {
    for (const loop of ['js', 'native'] as const) {
      // the loop is chosen when a model's context is made: preload makes them now
      process.env.SPIN_TS_TOKEN_LOOP = loop;
      const e = new LocalLlamaEngine({
        modelTable: { tiny: { path: tiny, kind: 'completion' }, p: { path: predictable, kind: 'completion' } },
        stateDir: dir,
        threads: 1,
        gpu: 'cpu',
        log: (line) => logs[loop].push(line),
      });
      await e.preload(['tiny', 'p']);
      engines[loop] = e;
    }
  } finally {
    if (previous === undefined) delete process.env.SPIN_TS_TOKEN_LOOP;
    else process.env.SPIN_TS_TOKEN_LOOP = previous;
  }
});
after(async () => {
  await engines.js?.close();
  await engines.native?.close();
});

/** The same call on both engines. */
async function both(model: string, prompt: string, params: InferParams): Promise<{ js: unknown; native: unknown }> {
  const [js, native] = await Promise.all([engines.js.infer(model, prompt, params), engines.native.infer(model, prompt, params)]);
  return { js, native };
}

describe('native token loop', { skip: built ? false : `the addon is not built (${ADDON_PATH}); npm run build compiles it where g++ is found` }, () => {
  test('it runs where asked, and only there (the context log line says so)', () => {
    assert.ok(
      logs.native.some((l) => /context for 'tiny'.*native token loop/.test(l)),
      logs.native.join('\n'),
    );
    assert.ok(!logs.js.some((l) => /token loop/.test(l)), logs.js.join('\n'));
  });

  test('greedy text and counts on the predictable model equal the JS loop', async () => {
    for (const [prompt, maxTokens] of [
      ['a', 100],
      ['a', 5],
      ['0', 23],
      ['', 30],
    ] as const) {
      const r = await both('p', prompt, { ...GREEDY, maxTokens });
      assert.deepEqual(r.native, r.js, `prompt ${JSON.stringify(prompt)}, maxTokens ${maxTokens}`);
    }
  });

  test('seeded sampling with Spin defaults, penalties, min-p and logit bias: the same tokens as the JS loop', async () => {
    const cases: InferParams[] = [
      { ...SPIN_DEFAULTS, seed: 7 },
      { ...SPIN_DEFAULTS, seed: 8, frequencyPenalty: 0.5, presencePenalty: 0.3 },
      { ...SPIN_DEFAULTS, seed: 9, minP: 0.05, topK: 0, topP: 1 },
      { ...SPIN_DEFAULTS, seed: 10, logitBias: { 100: 5, 101: -100, 102: 3 } },
      { ...GREEDY, repeatPenalty: 1.3, repeatPenaltyLastNTokenCount: 16 },
    ];
    for (const params of cases) {
      const r = await both('tiny', 'Once upon a time', params);
      assert.deepEqual(r.native, r.js, JSON.stringify(params));
    }
  });

  test('grammar-constrained output (GBNF and JSON) equals the JS loop', async () => {
    const gbnf: InferParams = { ...SPIN_DEFAULTS, seed: 3, constraint: { type: 'gbnf', grammar: 'root ::= ("yes" | "no") " " [a-z]+ "."', param: 'grammar' } };
    const json: InferParams = { ...SPIN_DEFAULTS, seed: 4, maxTokens: 64, constraint: { type: 'json', param: 'response_format' } };
    for (const params of [gbnf, json]) {
      const r = await both('tiny', 'Answer:', params);
      assert.deepEqual(r.native, r.js, params.constraint!.type);
    }
    const yesNo = (await engines.native.infer('tiny', 'Answer:', gbnf)) as { text: string };
    assert.match(yesNo.text, /^(yes|no) [a-z]*\.?$/);
  });

  test('stop strings end the text at the same token as the JS loop', async () => {
    const r = await both('p', 'a', { ...GREEDY, stop: ['jk'] });
    assert.deepEqual(r.native, r.js);
    assert.deepEqual(r.native, { text: 'bcdefghi', promptTokens: 2, generatedTokens: 10, finishReason: 'stop', stoppedBy: 'jk' });
  });

  test('a logprobs call (JS loop, native loop parked) beside native generations', async () => {
    const [withLogprobs, plain] = await Promise.all([
      engines.native.infer('p', 'a', { ...GREEDY, maxTokens: 5, logprobs: 2 }),
      engines.native.infer('p', '0', { ...GREEDY, maxTokens: 40 }),
    ]);
    const reference = await engines.js.infer('p', 'a', { ...GREEDY, maxTokens: 5, logprobs: 2 });
    assert.deepEqual(withLogprobs, reference);
    assert.equal(plain.text, '1234567890'.repeat(4));
  });
});

test('without the addon the JS loop runs, with one log line for the process', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spin-ts-no-addon-'));
  const path = (await generateModel('tiny-predictable', join(dir, 'p.gguf'))).path;
  // a fresh process: the addon is loaded (or not) once per process
  const script = `
    import { LocalLlamaEngine } from ${JSON.stringify(new URL('./engine.js', import.meta.url).href)};
    const lines = [];
    const e = new LocalLlamaEngine({ modelTable: { p: { path: ${JSON.stringify(path)}, kind: 'completion' }, q: { path: ${JSON.stringify(path)}, kind: 'completion' } }, stateDir: ${JSON.stringify(dir)}, threads: 1, gpu: 'cpu', log: (l) => lines.push(l) });
    const greedy = { maxTokens: 100, repeatPenalty: 1, repeatPenaltyLastNTokenCount: 64, temperature: 0, topK: 40, topP: 1 };
    const results = [await e.infer('p', 'a', greedy), await e.infer('q', 'x', greedy)];
    await e.close();
    console.log(JSON.stringify({ results, lines }));`;
  const env = { ...process.env, SPIN_TS_TOKEN_LOOP: 'native', SPIN_TS_TOKEN_LOOP_ADDON: join(dir, 'missing', 'token_loop.node') };
  // a file, not -e: node-llama-cpp tests its binary in a child started with this process's arguments
  const file = join(dir, 'run.mjs');
  await writeFile(file, script);
  const { stdout } = await promisify(execFile)(process.execPath, [file], { env });
  const { results, lines } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { results: Array<{ text: string }>; lines: string[] };
  assert.deepEqual(
    results.map((r) => r.text),
    ['bcdefghijklmnopqrstuvwxyz', 'yz'],
  );
  const notes = lines.filter((l) => /token loop/.test(l));
  assert.equal(notes.length, 1, lines.join('\n'));
  assert.match(notes[0]!, /native addon is unavailable, using the JS loop: .*missing/);
});
