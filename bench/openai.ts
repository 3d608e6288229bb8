/**
 * The OpenAI-compatible API's streaming overhead: streamed tokens/s and time to first token
 * through POST /v1/chat/completions (SSE, `spin-ts models serve` in its own process, read by a
 * plain fetch client) beside the same engine called directly in this process
 * (LocalLlamaEngine.chat with an onText callback) — same generated tiny-llama model, same
 * messages, same sampling params and seeds, one slot, same run. Runs alternate direct, API,
 * direct so drift on a noisy machine hits both alike.
 *  - time to first token: from sending the request (direct: calling chat) to the first text;
 *  - streamed tokens/s: tokens after the first ÷ time from the first text to the last.
 * Equal seeds make both sides generate the same tokens; the table says whether they did.
 * One llama.cpp thread by default (BENCH_OPENAI_THREADS): on a 2-core machine more threads fight
 * the HTTP client and server for the cores and the ratio measures that fight instead.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChatMessage, ChatParams } from '../host/llm/engine.js';
import { generateModel } from '../host/gguf/presets.js';
import { LocalLlamaEngine } from '../host/llm/local/engine.js';
import { CLI, fmt, REPO, sseData, startServer, waitHealthy } from './support.js';

const MODEL = 'bench';

/** One model to measure on: the tiny one shows the API's per-token cost at its largest, the 1.1B shape what a user sees. */
interface Setup {
  label: string;
  preset: string;
  file: string;
  threads: number;
  maxTokens: number;
  runs: number;
  /** Model table chat_template, when the GGUF has none. */
  chatTemplate?: string;
}

const SETUPS: Setup[] = [
  {
    label: 'tiny-llama (generated, f32, ChatML template from the GGUF)',
    preset: 'tiny-llama',
    file: 'tiny-llama.gguf',
    threads: Number(process.env.BENCH_OPENAI_THREADS ?? 1),
    maxTokens: Number(process.env.BENCH_OPENAI_TOKENS ?? 256),
    runs: Number(process.env.BENCH_OPENAI_RUNS ?? 10),
  },
  {
    label: 'TinyLlama-1.1B shape (generated, Q4_0, chat_template = "chatml")',
    preset: 'tinyllama-1.1b',
    file: 'tinyllama-1.1b-q4_0.gguf',
    threads: 2,
    maxTokens: 48,
    runs: 3,
    chatTemplate: 'chatml',
  },
];

interface Sample {
  ttftMs: number;
  tps: number;
  tokens: number;
  text: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function messages(run: number): ChatMessage[] {
  return [
    { role: 'system', content: 'You are a concise assistant.' },
    { role: 'user', content: `Run ${run}: explain in a few sentences why WebAssembly components suit serverless AI apps.` },
  ];
}

function params(run: number, maxTokens: number): ChatParams & { maxTokens: number } {
  // sampled, not greedy: a random-weight model's greedy path tends to loop or end early
  return { maxTokens, temperature: 0.8, topK: 40, topP: 0.95, repeatPenalty: 1.1, repeatPenaltyLastNTokenCount: 64, seed: 1000 + run };
}

async function modelPath(setup: Setup): Promise<string> {
  const dir = join(REPO, '.spin', 'bench-models');
  const path = join(dir, setup.file);
  if (!existsSync(path)) {
    await mkdir(dir, { recursive: true });
    await generateModel(setup.preset, path);
  }
  return path;
}

function sample(t0: number, first: number | undefined, end: number, tokens: number, text: string): Sample {
  const f = first ?? end;
  return { ttftMs: f - t0, tps: tokens > 1 && end > f ? (tokens - 1) / ((end - f) / 1000) : NaN, tokens, text };
}

async function direct(engine: LocalLlamaEngine, runs: number[], maxTokens: number): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const run of runs) {
    let first: number | undefined;
    const t0 = performance.now();
    const r = await engine.chat(MODEL, messages(run), params(run, maxTokens), { onText: () => (first ??= performance.now()) });
    out.push(sample(t0, first, performance.now(), r.generatedTokens, r.text));
  }
  return out;
}

async function throughApi(url: string, runs: number[], maxTokens: number): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const run of runs) {
    const p = params(run, maxTokens);
    const body = {
      model: MODEL,
      messages: messages(run),
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: p.maxTokens,
      temperature: p.temperature,
      top_k: p.topK,
      top_p: p.topP,
      repeat_penalty: p.repeatPenalty,
      repeat_last_n: p.repeatPenaltyLastNTokenCount,
      seed: p.seed,
    };
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`chat completion failed: ${res.status} ${await res.text()}`);
    let first: number | undefined;
    let text = '';
    let tokens = 0;
    let end = 0;
    for await (const data of sseData(res)) {
      if (data === '[DONE]') {
        end = performance.now();
        continue;
      }
      const chunk = JSON.parse(data) as { choices: Array<{ delta: { content?: string } }>; usage?: { completion_tokens: number } | null };
      const piece = chunk.choices[0]?.delta.content ?? '';
      if (piece.length > 0) {
        first ??= performance.now();
        text += piece;
      }
      if (chunk.usage) tokens = chunk.usage.completion_tokens;
    }
    out.push(sample(t0, first, end || performance.now(), tokens, text));
  }
  return out;
}

async function benchOne(setup: Setup): Promise<{ markdown: string; tpsRatio: number; ttftRatio: number }> {
  const { threads: THREADS, runs: RUNS, maxTokens: MAX_TOKENS } = setup;
  const path = await modelPath(setup);
  const dir = join(REPO, '.spin', `bench-openai-${setup.preset}`);
  await mkdir(dir, { recursive: true });
  const config = join(dir, 'runtime-config.toml');
  await writeFile(
    config,
    `[llm_models.${MODEL}]\npath = "${path}"\ncontext_size = 2048\n${setup.chatTemplate ? `chat_template = "${setup.chatTemplate}"\n` : ''}`,
  );

  const engine = new LocalLlamaEngine({
    modelTable: { [MODEL]: { path, kind: 'completion', contextSize: 2048, ...(setup.chatTemplate ? { chatTemplate: setup.chatTemplate } : {}) } },
    stateDir: dir,
    threads: THREADS,
    gpu: 'cpu',
    slots: 1,
    log: () => undefined,
  });
  const server = await startServer(
    [
      CLI,
      'models',
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--runtime-config-file',
      config,
      '--state-dir',
      dir,
      '--llm-threads',
      String(THREADS),
      '--llm-slots',
      '1',
      '--gpu',
      'cpu',
    ],
    { SPIN_TS_API_KEYS: '' },
  );
  try {
    await waitHealthy(server.url, server.proc, server.output);
    const runs = Array.from({ length: RUNS }, (_, i) => i);
    // warm-up: model load, first decode, first HTTP connection
    await direct(engine, [-1], MAX_TOKENS);
    await throughApi(server.url, [-1], MAX_TOKENS);
    const d1 = await direct(engine, runs, MAX_TOKENS);
    const api = await throughApi(server.url, runs, MAX_TOKENS);
    const d2 = await direct(engine, runs, MAX_TOKENS);
    const d = [...d1, ...d2];
    const same = runs.every((i) => api[i]!.text === d1[i]!.text && api[i]!.tokens === d1[i]!.tokens);
    const dTps = median(d.map((s) => s.tps));
    const aTps = median(api.map((s) => s.tps));
    const dTtft = median(d.map((s) => s.ttftMs));
    const aTtft = median(api.map((s) => s.ttftMs));
    const tokens = median(api.map((s) => s.tokens));
    const markdown = [
      `Model: ${setup.label}; ${THREADS} thread(s), 1 slot; sampled (temperature 0.8, top-k 40, top-p 0.95, repeat-penalty 1.1 over 64), seed per run, up to ${MAX_TOKENS} tokens (median ${tokens} generated); medians of ${RUNS} API runs and ${2 * RUNS} direct runs (before and after). ` +
        `Both sides generated ${same ? 'the same text and token counts' : 'DIFFERENT texts (check the seeds)'}.`,
      '',
      '| measure | POST /v1/chat/completions (SSE, separate process) | LocalLlamaEngine.chat directly | API ÷ direct |',
      '| --- | ---: | ---: | ---: |',
      `| streamed tokens/s (after the first token) | ${fmt(aTps)} | ${fmt(dTps)} | ${fmt(aTps / dTps, 3)} |`,
      `| time to first token, ms | ${fmt(aTtft, 2)} | ${fmt(dTtft, 2)} | ${fmt(aTtft / dTtft, 3)} |`,
    ].join('\n');
    return { markdown, tpsRatio: aTps / dTps, ttftRatio: aTtft / dTtft };
  } finally {
    await server.stop();
    await engine.close();
  }
}

export async function benchOpenAi(): Promise<{ markdown: string }> {
  const parts: string[] = [];
  for (const setup of SETUPS) parts.push((await benchOne(setup)).markdown);
  parts.push(
    'tiny-llama decodes thousands of tokens/s, so the per-token cost of the API (one SSE event per piece of text, JSON, the socket) shows there as large as it can; the TinyLlama-1.1B-shape rows show the same fixed cost at the speed of a real small model.',
  );
  return { markdown: parts.join('\n\n') };
}

// `node dist/bench/openai.js` runs it alone
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log((await benchOpenAi()).markdown);
}
