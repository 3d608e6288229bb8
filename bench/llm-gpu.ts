/**
 * LLM throughput on a GPU (or the CPU, for the proof run), through a guest beside node-llama-cpp
 * called directly, per model: run by scripts/gpu/on-device.sh as `node dist/bench/llm-gpu.js`.
 *  - one request: generated tokens/s (whole call, prompt included) and time to first token
 *    (guest: a whole max-tokens 1 call over HTTP; direct: the first streamed token);
 *  - N concurrent requests (N = 1, 4, 8, 16; --llm-slots 16 on the guest, 16 sequences on one
 *    context directly): aggregate generated tokens/s = all tokens ÷ wall time of the batch.
 * Env: BENCH_MODELS "name=path.gguf …" (required), BENCH_GPU cuda|cpu (default cuda),
 * BENCH_LLM_TOKENS (128), BENCH_LLM_RUNS (3), BENCH_LLM_THREADS (4, at most the cores), BENCH_OUT (markdown file).
 * Prompts differ per call so no call reuses another's KV cache.
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { getLlama, LlamaCompletion, type LlamaContext, type LlamaModel } from 'node-llama-cpp';
import { fmt, machine, startLlmApp } from './support.js';

const GPU = (process.env.BENCH_GPU ?? 'cuda') as 'cuda' | 'cpu';
const MAX_TOKENS = Number(process.env.BENCH_LLM_TOKENS ?? 128);
const RUNS = Number(process.env.BENCH_LLM_RUNS ?? 3);
// Not more than the cores: llama.cpp's threads spin, and oversubscribed they crawl on a busy machine.
const THREADS = Number(process.env.BENCH_LLM_THREADS ?? Math.min(4, availableParallelism()));
const CONCURRENCY = [1, 4, 8, 16];
const SLOTS = 16;
const CONTEXT = 1024;
const PARAMS = { maxTokens: MAX_TOKENS, repeatPenalty: 1.1, repeatPenaltyLastNTokenCount: 64, temperature: 0, topK: 40, topP: 0.9 };

let promptId = 0;
function prompt(): string {
  promptId += 1;
  return `Request ${promptId}. Serverless AI apps run WebAssembly components that call a local language model through the Spin LLM interface; summarise why that is useful in one sentence:`;
}

interface Call {
  tokens: number;
  ms: number;
  ttftMs: number;
}

interface Side {
  /** One call; `ttft` asks for the time to the first token rather than a whole generation. */
  call(maxTokens: number): Promise<Call>;
  close(): Promise<void>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function parseModels(spec: string | undefined): Array<{ name: string; path: string }> {
  const items = (spec ?? '').split(/\s+/).filter(Boolean);
  if (items.length === 0) throw new Error('BENCH_MODELS is empty: give "name=path.gguf …"');
  return items.map((item) => {
    const [name, path] = item.split('=');
    if (!name || !path) throw new Error(`BENCH_MODELS item '${item}' is not name=path`);
    return { name, path };
  });
}

async function openDirect(path: string): Promise<Side & { model: LlamaModel; context: LlamaContext; device: string }> {
  const llama = await getLlama({ gpu: GPU === 'cpu' ? false : 'cuda', build: 'never', skipDownload: true, maxThreads: THREADS });
  const model = await llama.loadModel({ modelPath: path });
  const context = await model.createContext({
    sequences: SLOTS,
    contextSize: CONTEXT,
    threads: THREADS,
    batching: { itemPrioritizationStrategy: 'maximumParallelism' },
  });
  const device = llama.gpu === false ? 'CPU' : `${llama.gpu} on ${(await llama.getGpuDeviceNames()).join(', ')}, ${model.gpuLayers} layers offloaded`;
  return {
    model,
    context,
    device,
    async call(maxTokens) {
      const sequence = context.getSequence();
      const completion = new LlamaCompletion({ contextSequence: sequence });
      let first = 0;
      let tokens = 0;
      const t0 = performance.now();
      await completion.generateCompletion(prompt(), {
        maxTokens,
        temperature: 0,
        topK: PARAMS.topK,
        topP: PARAMS.topP,
        repeatPenalty: { penalty: PARAMS.repeatPenalty, lastTokens: PARAMS.repeatPenaltyLastNTokenCount },
        onToken: (t) => {
          if (tokens === 0) first = performance.now();
          tokens += t.length;
        },
      });
      const end = performance.now();
      completion.dispose();
      await sequence.dispose();
      return { tokens, ms: end - t0, ttftMs: first - t0 };
    },
    async close() {
      // Bounded: a dispose that never settles must not hold the guest side (seen once on the busy CPU VM).
      const done = (async () => {
        await context.dispose();
        await model.dispose();
      })();
      await Promise.race([done, new Promise((r) => setTimeout(r, 10_000).unref())]);
    },
  };
}

async function openGuest(name: string, path: string): Promise<Side> {
  const server = await startLlmApp({
    name: `bench-llm-gpu-${name}`,
    model: 'm',
    path,
    contextSize: CONTEXT,
    args: ['--gpu', GPU, '--llm-threads', String(THREADS), '--llm-slots', String(SLOTS), '--llm-queue', String(SLOTS)],
  });
  return {
    async call(maxTokens) {
      const t0 = performance.now();
      const res = await fetch(`${server.url}/infer`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', prompt: prompt(), params: { ...PARAMS, maxTokens } }),
      });
      const j = (await res.json()) as { usage: { generatedTokenCount: number } };
      if (res.status !== 200) throw new Error(`guest infer failed: ${res.status} ${JSON.stringify(j)}`);
      const ms = performance.now() - t0;
      return { tokens: j.usage.generatedTokenCount, ms, ttftMs: maxTokens === 1 ? ms : Number.NaN };
    },
    close: () => server.stop(),
  };
}

/**
 * Two whole calls and a full 16-wide batch before measuring: the first instance, the first
 * decodes and the guest's JIT otherwise land in the first measured call (on the CPU proof a
 * one-token-deep warm-up left the one-request figure at half the 1-concurrent one).
 */
async function warmUp(side: Side): Promise<void> {
  await side.call(MAX_TOKENS);
  await side.call(MAX_TOKENS);
  await aggregate(side, SLOTS);
}

/** Aggregate generated tokens/s of `n` concurrent calls: all tokens ÷ the batch's wall time. */
async function aggregate(side: Side, n: number): Promise<number> {
  const t0 = performance.now();
  const calls = await Promise.all(Array.from({ length: n }, () => side.call(MAX_TOKENS)));
  return calls.reduce((s, c) => s + c.tokens, 0) / ((performance.now() - t0) / 1000);
}

interface Figures {
  oneTps: number;
  ttftMs: number;
  agg: Record<number, number>;
  tokens: number;
}

async function measure(side: Side, ttft: (side: Side) => Promise<number>): Promise<Figures> {
  const one: number[] = [];
  const firsts: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const c = await side.call(MAX_TOKENS);
    one.push(c.tokens / (c.ms / 1000));
    counts.push(c.tokens);
    firsts.push(await ttft(side));
  }
  console.error(`bench:   one request ${fmt(median(one))} tokens/s`);
  const agg: Record<number, number> = {};
  for (const n of CONCURRENCY) {
    console.error(`bench:   ${n} concurrent…`);
    const xs: number[] = [];
    for (let i = 0; i < RUNS; i++) xs.push(await aggregate(side, n));
    agg[n] = median(xs);
  }
  return { oneTps: median(one), ttftMs: median(firsts), agg, tokens: median(counts) };
}

async function benchModel(name: string, path: string): Promise<string[]> {
  console.error(`bench: ${name} (${path}) on ${GPU}`);
  const t0 = performance.now();
  const direct = await openDirect(path);
  const loadMs = performance.now() - t0;
  let d: Figures;
  let g: Figures;
  try {
    console.error('bench:   direct side loaded; warming up');
    await warmUp(direct);
    d = await measure(direct, async (s) => (await s.call(1)).ttftMs);
  } finally {
    await direct.close();
  }
  // One side at a time on the device, so neither's kernels slow the other's.
  const guest = await openGuest(name, path);
  try {
    console.error('bench:   guest side serving; warming up');
    await warmUp(guest);
    g = await measure(guest, async (s) => (await s.call(1)).ttftMs);
  } finally {
    await guest.close();
  }
  const row = (label: string, gv: number, dv: number, digits = 1) => `| ${label} | ${fmt(gv, digits)} | ${fmt(dv, digits)} | ${fmt(gv / dv, 3)} |`;
  return [
    `### ${name}`,
    '',
    `Direct side: ${direct.device}; model load ${fmt(loadMs / 1000, 1)} s. Median generated tokens per call: guest ${g.tokens}, direct ${d.tokens} (of ${MAX_TOKENS}; a random-weight model may reach end-of-sequence earlier).`,
    '',
    '| measure | through a guest (js-llm) | node-llama-cpp directly | guest ÷ direct |',
    '| --- | ---: | ---: | ---: |',
    row('generated tokens/s, one request (whole call, prompt included)', g.oneTps, d.oneTps),
    row('time to first token, ms (guest: a whole max-tokens 1 call over HTTP)', g.ttftMs, d.ttftMs, 0),
    ...CONCURRENCY.map((n) => row(`aggregate generated tokens/s, ${n} concurrent request${n === 1 ? '' : 's'}`, g.agg[n]!, d.agg[n]!)),
    '',
  ];
}

async function main(): Promise<void> {
  const models = parseModels(process.env.BENCH_MODELS);
  const lines = [
    `## LLM on ${GPU === 'cpu' ? 'the CPU (proof run of the GPU scripts)' : 'CUDA'}: tokens/s through a guest ÷ node-llama-cpp directly, 1–16 concurrent requests`,
    '',
    `Command: \`OUT=<dir> bash scripts/gpu/on-device.sh${GPU === 'cpu' ? ' --cpu' : ''}\` (bench: \`node dist/bench/llm-gpu.js\`); ${machine()}.`,
    `Greedy, repeat-penalty 1.1 over 64, top-k 40, top-p 0.9; ${MAX_TOKENS} tokens asked per call; medians of ${RUNS} runs; guest: \`spin-ts up --gpu ${GPU} --llm-slots ${SLOTS}\`, context ${CONTEXT} tokens per slot; direct: one context of ${SLOTS} sequences × ${CONTEXT} tokens; ${THREADS} threads. Generated weights: the cost of the shape, not of a trained model's text.`,
    '',
  ];
  for (const m of models) lines.push(...(await benchModel(m.name, m.path)));
  const markdown = lines.join('\n');
  if (process.env.BENCH_OUT) await writeFile(process.env.BENCH_OUT, markdown + '\n');
  console.log(markdown);
}

await main();
