/**
 * The shared prompt cache (host/llm/local/prefix-cache.ts), on and off side by side: time to
 * first token of one request with a ~500-token prefix, and the mean of 4 concurrent requests
 * sharing such a prefix, each with its own question of about 20 tokens. The engine is called directly
 * (no HTTP), TinyLlama-1.1B shape, Q4_0, on the CPU. Every run uses a prefix no earlier run
 * used, so nothing is cached before a run starts: the cache only helps within a run.
 */
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { InferParams } from '../host/llm/engine.js';
import { LocalLlamaEngine } from '../host/llm/local/engine.js';
import { benchModelPath } from './llm.js';
import { fmt } from './support.js';

const THREADS = Number(process.env.BENCH_LLM_THREADS ?? 2);
const RUNS = Number(process.env.BENCH_CACHE_RUNS ?? 3);
const PREFIX_TOKENS = 500;
const TTFT: InferParams = { maxTokens: 1, repeatPenalty: 1.1, repeatPenaltyLastNTokenCount: 64, temperature: 0, topK: 40, topP: 0.9 };

const SENTENCE = 'Serverless AI apps run WebAssembly components that call a local language model through the Spin LLM interface. ';
const QUESTIONS = ['Why is a long prompt cheap here?', 'Why run a model locally at all?', 'What if every slot is busy now?', 'Who may read the model files?'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Text of about `tokens` tokens on this model: cut from repeated sentences by the measured tokens per character. */
async function sized(engine: LocalLlamaEngine, text: string, tokens: number): Promise<string> {
  const measured = (await engine.infer('m', text, TTFT)).promptTokens - 1; // BOS
  return text.slice(0, Math.round((text.length * tokens) / measured));
}

export async function benchPromptCache(): Promise<{ markdown: string; ratioOn: number; ratioOff: number }> {
  const path = await benchModelPath();
  const stateDir = await mkdtemp(join(tmpdir(), 'bench-prompt-cache-'));
  const open = (promptCache: number) =>
    new LocalLlamaEngine({
      modelTable: { m: { path, kind: 'completion', contextSize: 2048 } },
      stateDir,
      threads: THREADS,
      gpu: 'cpu',
      slots: 4,
      promptCache,
      log: () => undefined,
    });
  const on = open(2);
  const off = open(0);
  const measured = { prefix: 0, questions: [] as number[] };
  const rows = { on: { one: [] as number[], four: [] as number[] }, off: { one: [] as number[], four: [] as number[] } };
  try {
    await on.preload(['m']);
    await off.preload(['m']);
    const prefixBody = await sized(off, SENTENCE.repeat(20), PREFIX_TOKENS);
    const questions = QUESTIONS;
    measured.prefix = (await off.infer('m', `Run x alone. ${prefixBody}`, TTFT)).promptTokens;
    for (const q of questions) measured.questions.push((await off.infer('m', `Run x alone. ${prefixBody}${q}`, TTFT)).promptTokens - measured.prefix);
    const call = async (engine: LocalLlamaEngine, prompt: string) => {
      const t0 = performance.now();
      await engine.infer('m', prompt, TTFT);
      return performance.now() - t0;
    };
    for (let run = 0; run < RUNS; run++) {
      for (const [name, engine] of [
        ['on', on],
        ['off', off],
      ] as const) {
        // a prefix no other request has used, so the single request is a cold one
        const alone = `Run ${run} ${name} alone. ${prefixBody}`;
        rows[name].one.push(await call(engine, `${alone}${questions[0]}`));
        const shared = `Run ${run} ${name} shared. ${prefixBody}`;
        const times = await Promise.all(questions.map((q) => call(engine, `${shared}${q}`)));
        rows[name].four.push(times.reduce((a, b) => a + b, 0) / times.length);
      }
    }
  } finally {
    await on.close();
    await off.close();
    await rm(stateDir, { recursive: true, force: true });
  }
  const one = { on: median(rows.on.one), off: median(rows.off.one) };
  const four = { on: median(rows.on.four), off: median(rows.off.four) };
  const ratioOn = four.on / one.on;
  const ratioOff = four.off / one.off;
  const markdown = [
    `Model: TinyLlama-1.1B shape, Q4_0, generated weights; ${THREADS} threads, CPU; 4 slots; the engine called directly; a ${measured.prefix}-token shared prefix (BOS included) and questions of ${measured.questions.join(', ')} tokens; time to first token = a max-tokens 1 call; medians of ${RUNS} runs, the two engines alternated.`,
    '',
    '| time to first token, ms | prompt cache on (2 entries) | prompt cache off |',
    '| --- | ---: | ---: |',
    `| 1 request alone (its prefix not cached) | ${fmt(one.on, 0)} | ${fmt(one.off, 0)} |`,
    `| 4 concurrent requests, one shared prefix (mean of the 4) | ${fmt(four.on, 0)} | ${fmt(four.off, 0)} |`,
    `| 4 concurrent ÷ 1 alone | ${fmt(ratioOn, 3)} | ${fmt(ratioOff, 3)} |`,
    '',
    "With the cache the first request evaluates its prompt in its slot and publishes the prefix into a cache entry; the other three wait for that one evaluation, copy the entry's KV cells and evaluate only their question. Without it each evaluates the whole prompt, and on a CPU the prompts are prefilled one after another (host/llm/local/batching.ts).",
  ].join('\n');
  return { markdown, ratioOn, ratioOff };
}
