/**
 * Per-token host cost beside llama-server, where the decode is cheap: a thin model with a real
 * 32,000-token vocabulary (4 layers × 256, Q8_0, random weights: a decode step costs about what a
 * small model's costs on a GPU, so what each server does per token around the decode decides
 * the rate). `spin-ts models serve` with the JS token loop, with the native one
 * (SPIN_TS_TOKEN_LOOP=native, native/token-loop/) and llama-server (bench/peer-build.ts: the
 * same llama.cpp, same CPU kernels) get the same streamed `/v1/completions` requests, 1, 4 and
 * 16 at once, 1 thread, 16 slots.
 *  - aggregate tokens/s: all completion tokens ÷ wall time from sending to the last token;
 *  - CPU ms per token: the server's CPU time over the scenario ÷ its completion tokens, over all
 *    its threads and over the main thread alone (Linux: /proc/<pid>/task/<tid>/schedstat).
 * The servers take turns, scenario by scenario, in rotating order each round; figures are the
 * medians over the rounds.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism, homedir, loadavg } from 'node:os';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { llamaWriter, type LlamaShape } from '../host/gguf/llama-model.js';
import { constantRows, randomRows, Rng, withColumn0 } from '../host/gguf/rng.js';
import { CHATML_END, CHATML_TEMPLATE, largeSpmVocab, TokenType } from '../host/gguf/vocab.js';
import { buildPeer } from './peer-build.js';
import { CLI, fmt, freePort, REPO, sseData, startServer, waitHealthy } from './support.js';

const THREADS = Number(process.env.BENCH_FAST_THREADS ?? 1);
const SLOTS = 16;
const TOKENS = Number(process.env.BENCH_FAST_TOKENS ?? 128);
const ROUNDS = Number(process.env.BENCH_FAST_ROUNDS ?? 3);
const CONCURRENCY = [1, 4, 16];
const CONTEXT = 512;
const MODEL = 'thin';
const THIN_SHAPE: LlamaShape = { nLayer: 4, nEmbd: 256, nHead: 4, nHeadKv: 4, nFf: 1024, nCtx: 2048 };

/** Whether bench/peer-build.ts has a llama-server cached where it looks (SPIN_TS_PEER_CACHE, else ~/.cache/spin-ts/llama-server/<commit>). */
function peerBuilt(): boolean {
  const dirs = process.env.SPIN_TS_PEER_CACHE ? [process.env.SPIN_TS_PEER_CACHE] : [];
  const cache = join(homedir(), '.cache', 'spin-ts', 'llama-server');
  if (!process.env.SPIN_TS_PEER_CACHE && existsSync(cache)) dirs.push(...readdirSync(cache).map((d) => join(cache, d)));
  return dirs.some((d) => existsSync(join(d, 'build', 'bin', 'llama-server')));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The thin model (generated once): random weights; byte and control tokens are never sampled. */
async function thinModelPath(): Promise<string> {
  const dir = join(REPO, '.spin', 'bench-models');
  const path = join(dir, 'thin-32k-4x256-q8_0.gguf');
  if (existsSync(path)) return path;
  await mkdir(dir, { recursive: true });
  const vocab = largeSpmVocab(32000);
  const rng = new Rng(3200);
  const suppressed = new Set<number>();
  vocab.types.forEach((t, id) => {
    if (t === TokenType.BYTE || t === TokenType.UNKNOWN || vocab.tokens[id] === '<s>') suppressed.add(id);
  });
  await llamaWriter({
    name: 'thin-32k',
    shape: THIN_SHAPE,
    vocab,
    special: { bos: 1, eos: 2, unk: 0, eot: vocab.tokens.indexOf(CHATML_END) },
    addBos: true,
    addSpacePrefix: true,
    chatTemplate: CHATML_TEMPLATE,
    quant: 'q8_0',
    tensor: (name, dims) => {
      const rows = dims[1] ?? 1;
      if (name.endsWith('_norm.weight')) return constantRows(dims[0]!, rows, 1);
      if (name === 'token_embd.weight') return withColumn0(randomRows(rng, dims[0]!, rows, 0.05), dims[0]!, () => 3);
      if (name === 'output.weight') return withColumn0(randomRows(rng, dims[0]!, rows, 0.05), dims[0]!, (r) => (suppressed.has(r) ? -10 : 0));
      return randomRows(rng, dims[0]!, rows, 0.05);
    },
  }).write(path);
  return path;
}

interface Peer {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function startSpin(model: string, loop: 'js' | 'native'): Promise<Peer> {
  const dir = join(REPO, '.spin', 'bench-peer-fast');
  await mkdir(dir, { recursive: true });
  const config = join(dir, 'runtime-config.toml');
  await writeFile(config, `[llm_models.${MODEL}]\npath = "${model}"\ncontext_size = ${CONTEXT}\n`);
  const args = ['models', 'serve', '--listen', '127.0.0.1:0', '--runtime-config-file', config, '--state-dir', dir];
  args.push('--llm-threads', String(THREADS), '--llm-slots', String(SLOTS), '--gpu', 'cpu', '--preload-models');
  const s = await startServer([CLI, ...args], { SPIN_TS_API_KEYS: '', SPIN_TS_TOKEN_LOOP: loop });
  await waitHealthy(s.url, s.proc, s.output);
  if (loop === 'native' && /token loop: /.test(s.output())) throw new Error(`the native loop did not start:\n${s.output().slice(-2000)}`);
  return { name: `spin-ts (${loop} loop)`, url: s.url, pid: s.proc.pid!, stop: () => s.stop() };
}

async function startLlamaServer(server: string, model: string): Promise<Peer> {
  const port = await freePort();
  const args = ['-m', model, '-a', MODEL, '-t', String(THREADS), '-tb', String(THREADS), '-np', String(SLOTS), '-c', String(CONTEXT * SLOTS)];
  args.push('--host', '127.0.0.1', '--port', String(port));
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

/** CPU nanoseconds a process's threads have run so far: all of them, and its main thread (Linux schedstat). */
async function cpuNs(pid: number): Promise<{ all: number; main: number }> {
  let all = 0;
  let main = 0;
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    const ns = Number((await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').catch(() => '0')).split(' ')[0]);
    if (!Number.isFinite(ns)) continue;
    all += ns;
    if (tid === String(pid)) main = ns;
  }
  return { all, main };
}

/** One streamed /v1/completions request; its completion tokens (from the usage chunk) and when the last text came. */
async function complete(url: string, prompt: string, seed: number): Promise<{ tokens: number; last: number }> {
  const body = {
    model: MODEL,
    prompt,
    max_tokens: TOKENS,
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
  const res = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${url}: completion failed: ${res.status} ${await res.text()}`);
  let last = performance.now();
  let chunks = 0;
  let usage: number | undefined;
  for await (const data of sseData(res)) {
    if (data === '[DONE]') continue;
    const chunk = JSON.parse(data) as { choices?: Array<{ text?: string }>; usage?: { completion_tokens?: number } | null };
    if ((chunk.choices?.[0]?.text ?? '').length > 0) {
      last = performance.now();
      chunks++;
    }
    if (chunk.usage?.completion_tokens !== undefined) usage = chunk.usage.completion_tokens;
  }
  return { tokens: usage ?? chunks, last };
}

async function scenario(peer: Peer, n: number, round: number): Promise<{ tps: number; cpuAll: number; cpuMain: number }> {
  const before = await cpuNs(peer.pid);
  const start = performance.now();
  const all = await Promise.all(
    Array.from({ length: n }, (_, i) => complete(peer.url, `Request ${round}.${n}.${i}: tell a story about serverless apps.`, 1000 * round + i)),
  );
  const end = Math.max(...all.map((s) => s.last));
  const after = await cpuNs(peer.pid);
  const tokens = all.reduce((a, s) => a + s.tokens, 0);
  return { tps: tokens / ((end - start) / 1000), cpuAll: (after.all - before.all) / 1e6 / tokens, cpuMain: (after.main - before.main) / 1e6 / tokens };
}

export async function benchPeerFast(): Promise<{ markdown: string }> {
  let build;
  let noPeer = '';
  if (!peerBuilt() && process.env.BENCH_FAST_BUILD_PEER !== '1') {
    noPeer = 'no llama-server build is cached (BENCH_FAST_BUILD_PEER=1 builds it, about 30 minutes on 2 cores)';
  } else {
    try {
      build = await buildPeer();
    } catch (err) {
      noPeer = `llama-server could not be built: ${(err as Error).message.split('\n').slice(0, 12).join('\n')}`;
    }
  }
  if (noPeer) console.error(`peer-fast: ${noPeer}; measuring spin-ts alone`);
  const model = await thinModelPath();
  const loadBefore = loadavg()[0]!;
  const peers: Peer[] = [await startSpin(model, 'js'), await startSpin(model, 'native')];
  if (build) peers.push(await startLlamaServer(build.server, model));
  const samples = new Map<string, Map<number, Array<{ tps: number; cpuAll: number; cpuMain: number }>>>();
  try {
    for (const p of peers) await complete(p.url, 'warm-up', 1);
    for (let round = 0; round < ROUNDS; round++) {
      const order = peers.map((_, i) => peers[(i + round) % peers.length]!);
      for (const n of CONCURRENCY) {
        for (const p of order) {
          const r = await scenario(p, n, round + 1);
          const byN = samples.get(p.name) ?? new Map<number, Array<typeof r>>();
          samples.set(p.name, byN);
          (byN.get(n) ?? byN.set(n, []).get(n)!).push(r);
          console.error(
            `peer-fast: round ${round + 1}/${ROUNDS} ${p.name} ×${n}: ${fmt(r.tps)} tok/s, ${fmt(r.cpuAll, 2)} / ${fmt(r.cpuMain, 2)} CPU ms per token`,
          );
        }
      }
    }
  } finally {
    for (const p of peers) await p.stop();
  }
  const loadAfter = loadavg()[0]!;
  const med = (name: string, n: number, key: 'tps' | 'cpuAll' | 'cpuMain') => median((samples.get(name)?.get(n) ?? []).map((s) => s[key]));
  const js = peers[0]!.name;
  const native = peers[1]!.name;
  const peer = build ? 'llama-server' : undefined;
  const lines = [
    `Thin model: vocab 32,000, ${THIN_SHAPE.nLayer} layers × ${THIN_SHAPE.nEmbd} (ffn ${THIN_SHAPE.nFf}), Q8_0, random weights; ${THREADS} thread, ${SLOTS} slots, context ${CONTEXT} per slot; streamed \`/v1/completions\`, ${TOKENS} tokens, temperature 0.8, top_k 40, top_p 0.95, repeat_penalty 1.1/64; ${peer ? `llama-server ${build!.commit.slice(0, 10)} built from node-llama-cpp's llama.cpp source; ` : `no llama-server column: ${noPeer}; `}servers rotated, medians of ${ROUNDS} rounds. CPU ms per token: all threads / main thread. Load average (1 min) ${fmt(loadBefore)} before and ${fmt(loadAfter)} after, on ${availableParallelism()} cores: other jobs shared the machine, so read the ratios of this side-by-side run.`,
    '',
    `| concurrent | JS loop tok/s | native loop tok/s | ${peer ? 'llama-server tok/s | native ÷ llama-server | ' : ''}native ÷ JS | CPU ms/token JS loop | CPU ms/token native loop | ${peer ? 'CPU ms/token llama-server |' : ''}`,
    `|---|---|---|${peer ? '---|---|' : ''}---|---|---|${peer ? '---|' : ''}`,
  ];
  for (const n of CONCURRENCY) {
    const cpu = (name: string) => `${fmt(med(name, n, 'cpuAll'), 2)} / ${fmt(med(name, n, 'cpuMain'), 2)}`;
    const cells = [String(n), fmt(med(js, n, 'tps')), fmt(med(native, n, 'tps'))];
    if (peer) cells.push(fmt(med(peer, n, 'tps')), fmt(med(native, n, 'tps') / med(peer, n, 'tps'), 2));
    cells.push(fmt(med(native, n, 'tps') / med(js, n, 'tps'), 2), cpu(js), cpu(native));
    if (peer) cells.push(cpu(peer));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return { markdown: lines.join('\n') };
}
