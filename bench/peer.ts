/**
 * Serving speed beside llama-server (bench/peer-build.ts builds it from the same llama.cpp
 * source, with node-llama-cpp's CPU kernels): `spin-ts models serve` and llama-server serve the
 * same model (the TinyLlama-1.1B shape, Q4_0, generated) with the same threads and slots, and
 * get the same streamed `/v1/completions` requests, same sampling parameters and seeds.
 * The servers take turns, scenario by scenario, in alternating order each round, so drift on a
 * noisy machine hits both alike; each figure is the median over the rounds.
 *  - streamed tokens/s: tokens after the first ÷ time from the first text to the last;
 *  - time to first token (TTFT): from sending the request to the first text;
 *  - aggregate tokens/s of n concurrent requests: all their completion tokens ÷ the wall time
 *    from sending them to the last token;
 *  - server CPU per token (4 concurrent): the server process's user + system time, all its
 *    threads, while serving the 4 requests, ÷ their completion tokens; on 2 cores, where both
 *    servers keep both busy, this is what sets the aggregate rate;
 *  - the prefix rows: a ~400-word document and a question, then the same document with a new
 *    question (what a server's prompt cache saves).
 * Prompts begin with their round and request number, so no request reuses another's KV cells
 * except where a row says so.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { benchModelPath } from './llm.js';
import { buildPeer } from './peer-build.js';
import { CLI, fmt, freePort, REPO, sseData, startServer, waitHealthy } from './support.js';

const THREADS = Number(process.env.BENCH_PEER_THREADS ?? 2);
const SLOTS = Number(process.env.BENCH_PEER_SLOTS ?? 4);
const TOKENS = Number(process.env.BENCH_PEER_TOKENS ?? 64);
const ROUNDS = Number(process.env.BENCH_PEER_ROUNDS ?? 3);
const CONTEXT = 2048;
const MODEL = 'bench';

const SENTENCE =
  'Serverless AI apps run WebAssembly components that call a local language model through the Spin LLM interface, and each request gets a fresh instance with its own memory. ';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Peer {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** The ggml CPU backend a process has loaded (Linux: from its memory map), e.g. libggml-cpu-zen4.so. */
async function cpuKernels(pid: number): Promise<string> {
  const maps = await readFile(`/proc/${pid}/maps`, 'utf8').catch(() => '');
  return [...new Set(maps.match(/libggml-cpu[\w.-]*\.so/g) ?? [])].join(', ') || 'unknown';
}

interface Stream {
  sent: number;
  first: number;
  last: number;
  tokens: number;
}

/** `spin-ts models serve` as a user would start it, with the same threads and slots as the peer. */
async function startSpin(model: string): Promise<Peer> {
  const dir = join(REPO, '.spin', 'bench-peer');
  await mkdir(dir, { recursive: true });
  const config = join(dir, 'runtime-config.toml');
  await writeFile(config, `[llm_models.${MODEL}]\npath = "${model}"\ncontext_size = ${CONTEXT}\n`);
  const args = ['models', 'serve', '--listen', '127.0.0.1:0', '--runtime-config-file', config, '--state-dir', dir];
  args.push('--llm-threads', String(THREADS), '--llm-slots', String(SLOTS), '--gpu', 'cpu', '--preload-models');
  const s = await startServer([CLI, ...args], { SPIN_TS_API_KEYS: '' });
  await waitHealthy(s.url, s.proc, s.output);
  return { name: 'spin-ts', url: s.url, pid: s.proc.pid!, stop: () => s.stop() };
}

/** CPU seconds (user + system, all threads) a process has used so far (Linux), or NaN. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks: 100 per second on Linux
}

async function startLlamaServer(server: string, model: string): Promise<Peer> {
  const port = await freePort();
  const args = [
    '-m',
    model,
    '-a',
    MODEL,
    '-t',
    String(THREADS),
    '-tb',
    String(THREADS),
    '-np',
    String(SLOTS),
    '-c',
    String(CONTEXT * SLOTS),
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
  ];
  const proc = spawn(server, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, proc, () => out);
  return {
    name: 'llama-server',
    url,
    pid: proc.pid!,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await done;
    },
  };
}

/** One streamed /v1/completions request; tokens from the usage chunk, else one per text chunk. */
async function complete(url: string, prompt: string, maxTokens: number, seed: number): Promise<Stream> {
  const body = {
    model: MODEL,
    prompt,
    max_tokens: maxTokens,
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0.8,
    top_k: 40,
    top_p: 0.95,
    min_p: 0,
    repeat_penalty: 1.1,
    repeat_last_n: 64,
    seed,
  };
  const sent = performance.now();
  const res = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${url}: completion failed: ${res.status} ${await res.text()}`);
  let first = 0;
  let last = 0;
  let chunks = 0;
  let usage: number | undefined;
  for await (const data of sseData(res)) {
    if (data === '[DONE]') continue;
    const chunk = JSON.parse(data) as { choices?: Array<{ text?: string }>; usage?: { completion_tokens?: number } | null };
    if ((chunk.choices?.[0]?.text ?? '').length > 0) {
      const now = performance.now();
      if (!first) first = now;
      last = now;
      chunks++;
    }
    if (chunk.usage?.completion_tokens !== undefined) usage = chunk.usage.completion_tokens;
  }
  return { sent, first: first || performance.now(), last: last || performance.now(), tokens: usage ?? chunks };
}

const tps = (s: Stream) => (s.tokens > 1 && s.last > s.first ? (s.tokens - 1) / ((s.last - s.first) / 1000) : NaN);

function question(round: number, i: number): string {
  return `Request ${round}.${i}: in a few sentences, explain why WebAssembly components suit serverless AI apps. ${SENTENCE}`;
}

/** The scenarios, measured on one server; keys are the table's rows. */
async function scenarios(peer: Peer, round: number, seedBase: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const one = await complete(peer.url, question(round, 0), TOKENS, seedBase);
  out.tps1 = tps(one);
  out.ttft1 = one.first - one.sent;
  for (const n of [4, 8]) {
    const cpuBefore = await cpuSeconds(peer.pid);
    const all = await Promise.all(Array.from({ length: n }, (_, i) => complete(peer.url, question(round, 100 * n + i), TOKENS, seedBase + i)));
    const start = Math.min(...all.map((s) => s.sent));
    out[`ttft${n}`] = all.reduce((a, s) => a + s.first - s.sent, 0) / n;
    const tokens = all.reduce((a, s) => a + s.tokens, 0);
    out[`agg${n}`] = tokens / ((Math.max(...all.map((s) => s.last)) - start) / 1000);
    if (n === 4) out.cpu4 = (1000 * ((await cpuSeconds(peer.pid)) - cpuBefore)) / tokens;
  }
  const doc = `Document ${round}: ${SENTENCE.repeat(14)}`; // ≈ 400 words
  const a = await complete(peer.url, `${doc}\nQuestion: what does each request get?\nAnswer:`, 4, seedBase);
  out.prefixFirst = a.first - a.sent;
  const b = await complete(peer.url, `${doc}\nQuestion: what do the components call?\nAnswer:`, 4, seedBase);
  out.prefixAgain = b.first - b.sent;
  return out;
}

const ROWS: Array<{ key: string; label: string; unit: 'tps' | 'ms' | 'cpu' }> = [
  { key: 'tps1', label: 'streamed tokens/s, 1 request', unit: 'tps' },
  { key: 'ttft1', label: 'time to first token, 1 request', unit: 'ms' },
  { key: 'ttft4', label: 'mean TTFT, 4 concurrent', unit: 'ms' },
  { key: 'agg4', label: 'aggregate tokens/s, 4 concurrent', unit: 'tps' },
  { key: 'cpu4', label: 'server CPU per token, 4 concurrent (all threads)', unit: 'cpu' },
  { key: 'ttft8', label: 'mean TTFT, 8 concurrent', unit: 'ms' },
  { key: 'agg8', label: 'aggregate tokens/s, 8 concurrent', unit: 'tps' },
  { key: 'prefixFirst', label: 'TTFT, 400-word prefix, first time', unit: 'ms' },
  { key: 'prefixAgain', label: 'TTFT, same prefix, new question', unit: 'ms' },
];

export async function benchPeer(): Promise<{ markdown: string; ratios: Record<string, number> }> {
  let build;
  try {
    build = await buildPeer();
  } catch (err) {
    const why = (err as Error).message.split('\n').slice(0, 12).join('\n');
    console.error(`peer: skipped: llama-server could not be built: ${why}`);
    return { markdown: `Skipped: llama-server could not be built here:\n\n\`\`\`\n${why}\n\`\`\``, ratios: {} };
  }
  const model = await benchModelPath();
  const spin = await startSpin(model);
  const llama = await startLlamaServer(build.server, model);
  try {
    // one warm-up request each: page the weights in
    for (const p of [spin, llama]) await complete(p.url, question(-1, 0), 8, 1);
    const kernels = { spin: await cpuKernels(spin.pid), llama: await cpuKernels(llama.pid) };
    const samples: Record<string, Record<string, number[]>> = { 'spin-ts': {}, 'llama-server': {} };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [spin, llama] : [llama, spin];
      for (const p of order) {
        const r = await scenarios(p, round, 1000 * (round + 1));
        for (const [k, v] of Object.entries(r)) (samples[p.name]![k] ??= []).push(v);
        console.error(
          `peer: round ${round + 1}/${ROUNDS} ${p.name}: ${JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round(v)])))}`,
        );
      }
    }
    const ratios: Record<string, number> = {};
    const lines = [
      `llama-server ${build.commit.slice(0, 10)} (built from node-llama-cpp's llama.cpp source) beside \`spin-ts models serve\`; CPU kernels loaded: spin-ts \`${kernels.spin}\`, llama-server \`${kernels.llama}\` (node-llama-cpp's prebuilt variants). TinyLlama-1.1B shape, Q4_0, generated; ${THREADS} threads, ${SLOTS} slots, context ${CONTEXT} per slot; streamed \`/v1/completions\`, ${TOKENS} tokens, temperature 0.8, top_k 40, top_p 0.95, min_p 0, repeat_penalty 1.1; servers alternated, medians of ${ROUNDS} rounds.`,
      '',
      '| measure | spin-ts | llama-server | spin-ts ÷ llama-server (>1 better) |',
      '|---|---|---|---|',
    ];
    for (const row of ROWS) {
      const s = median(samples['spin-ts']![row.key]!);
      const l = median(samples['llama-server']![row.key]!);
      const ratio = row.unit === 'tps' ? s / l : l / s;
      ratios[row.key] = ratio;
      const show = (v: number) => {
        if (row.unit === 'tps' || !Number.isFinite(v)) return fmt(v);
        return row.unit === 'cpu' ? `${fmt(v)} ms` : `${Math.round(v).toLocaleString('en-US')} ms`;
      };
      lines.push(`| ${row.label} | ${show(s)} | ${show(l)} | ${fmt(ratio, 2)} |`);
    }
    lines.push(
      '',
      'CPU per token counts the prompts\' evaluation too. On 2 cores, which both servers keep busy, it sets the aggregate rate; docs/ai.md ("CPU speed") says where spin-ts\'s extra time goes.',
    );
    return { markdown: lines.join('\n'), ratios };
  } finally {
    await spin.stop();
    await llama.stop();
  }
}
