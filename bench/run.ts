/**
 * `npm run bench`: runs every benchmark side by side in one process run and writes
 * bench/RESULTS.md. Sections can be picked: `npm run bench -- http instantiate`; then only
 * those sections of RESULTS.md are replaced (or added) and the others are kept as they were.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { format } from 'prettier';
import { join } from 'node:path';
import { benchBackends } from './backends.js';
import { benchColdStart } from './cold-start.js';
import { benchHttp } from './http.js';
import { benchInstances } from './instances.js';
import { benchInstantiate } from './instantiate.js';
import { benchKeyValue } from './key-value.js';
import { benchGrammar } from './grammar.js';
import { benchLlm } from './llm.js';
import { benchOpenAi } from './openai.js';
import { benchPromptCache } from './prompt-cache.js';
import { benchOutboundHttp } from './outbound-http.js';
import { benchP3 } from './p3.js';
import { benchPeer } from './peer.js';
import { benchRedis2Mqtt } from './redis2-mqtt.js';
import { benchPeerFast } from './peer-fast.js';
import { benchSqlite } from './sqlite.js';
import { machine, REPO } from './support.js';

type Section = { title: string; command: string; run: () => Promise<string> };

const seconds = Number(process.env.BENCH_SECONDS ?? 10);

const sections: Record<string, Section> = {
  http: {
    title: 'HTTP: requests/s and latency (8 connections, autocannon in the bench process, same machine)',
    command: `npm run bench -- http   (BENCH_SECONDS=${seconds})`,
    run: async () => (await benchHttp(seconds)).markdown,
  },
  instantiate: {
    title: 'Instantiation: cost per instance and memory growth',
    command: 'npm run bench -- instantiate',
    run: async () => (await benchInstantiate(200)).markdown,
  },
  instances: {
    title: 'Instance modes: fresh instance per request vs one live instance restored to its snapshot',
    command: `npm run bench -- instances   (BENCH_SECONDS=${seconds}, BENCH_WORKERS=<n> to pin the worker count)`,
    run: () => benchInstances(seconds),
  },
  llm: {
    title: 'LLM: tokens/s through a guest ÷ node-llama-cpp directly (CPU)',
    command: 'npm run bench -- llm   (BENCH_LLM_THREADS, BENCH_LLM_TOKENS, BENCH_LLM_RUNS)',
    run: async () => (await benchLlm()).markdown,
  },
  'prompt-cache': {
    title: 'LLM: a prompt prefix shared across requests, prompt cache on and off (CPU)',
    command: 'npm run bench -- prompt-cache   (BENCH_LLM_THREADS, BENCH_CACHE_RUNS)',
    run: async () => (await benchPromptCache()).markdown,
  },
  peer: {
    title: 'Serving beside llama-server: the same model, requests and CPU kernels (CPU)',
    command: 'npm run bench -- peer   (BENCH_PEER_THREADS, BENCH_PEER_SLOTS, BENCH_PEER_TOKENS, BENCH_PEER_ROUNDS; SPIN_TS_PEER_CACHE)',
    run: async () => (await benchPeer()).markdown,
  },
  'peer-fast': {
    title: 'Per-token host cost beside llama-server on a thin model: JS and native token loops (CPU)',
    command: 'npm run bench -- peer-fast   (BENCH_FAST_THREADS, BENCH_FAST_TOKENS, BENCH_FAST_ROUNDS; SPIN_TS_PEER_CACHE)',
    run: async () => (await benchPeerFast()).markdown,
  },
  openai: {
    title: 'OpenAI-compatible API: streamed tokens/s and time to first token ÷ the engine called directly',
    command: 'npm run bench -- openai',
    run: async () => (await benchOpenAi()).markdown,
  },
  'key-value': {
    title: 'Key-value: get/set per second through a guest ÷ the same backend called directly',
    command: 'npm run bench -- key-value   (BENCH_KV_OPS=2000)',
    run: async () => (await benchKeyValue()).markdown,
  },
  'redis2-mqtt': {
    title: 'Redis 2 get/set and MQTT publish (QoS 1) per second through a guest ÷ the library called directly',
    command: 'npm run bench -- redis2-mqtt   (BENCH_REDIS2_MQTT_OPS=2000)',
    run: async () => (await benchRedis2Mqtt()).markdown,
  },
  sqlite: {
    title: 'SQLite: query latency through a guest beside direct; where statements run; libsql beside better-sqlite3',
    command: 'BENCH_BETTER_SQLITE3=/tmp/sqlt/node_modules npm run bench -- sqlite',
    run: async () => (await benchSqlite()).markdown,
  },
  grammar: {
    title: 'Structured output: per-token cost of a grammar-constrained generation ÷ an unconstrained one',
    command: 'npm run bench -- grammar   (BENCH_GRAMMAR_THREADS, BENCH_GRAMMAR_TOKENS, BENCH_GRAMMAR_RUNS)',
    run: async () => (await benchGrammar()).markdown,
  },
  'outbound-http': {
    title: 'Outbound HTTP: round trips from a guest beside undici called directly; 50 MiB streamed through a guest',
    command: 'npm run bench -- outbound-http   (BENCH_OUTBOUND_REQUESTS=500)',
    run: async () => (await benchOutboundHttp()).markdown,
  },
  backends: {
    title: 'Database backends: a point query through a guest ÷ the library (pg, mysql2) called directly',
    command: 'npm run bench -- backends   (BENCH_BACKEND_REQUESTS=500)',
    run: async () => (await benchBackends()).markdown,
  },
  p3: {
    title: 'WASIp3: hello requests/s on the current SDKs (wasi:http 0.3) beside the 0.2 ones',
    command: `npm run bench -- p3   (BENCH_SECONDS=${seconds})`,
    run: async () => (await benchP3(seconds)).markdown,
  },
  'cold-start': {
    title: 'Cold start',
    command: 'npm run bench -- cold-start',
    run: async () => (await benchColdStart()).markdown,
  },
};

const picked = process.argv.slice(2).filter((a) => sections[a]);
const unknown = process.argv.slice(2).filter((a) => !sections[a]);
if (unknown.length > 0) {
  console.error(`bench: unknown section(s) ${unknown.join(', ')}; sections: ${Object.keys(sections).join(', ')}`);
  process.exit(2);
}
const names = picked.length > 0 ? picked : Object.keys(sections);
const resultsPath = join(REPO, 'bench', 'RESULTS.md');
const header = [
  '# Benchmark results',
  '',
  `Machine: ${machine()}. Each section says when \`npm run bench\` measured it; a run that picks sections rewrites only those.`,
  'Every ratio compares figures measured side by side in the same run; these machines are noisy, so read ratios, not absolutes.',
].join('\n');

/** The sections already in RESULTS.md, by title, in their order. */
async function existing(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (picked.length === 0 || !existsSync(resultsPath)) return out;
  const text = await readFile(resultsPath, 'utf8');
  for (const part of text.split(/^## /m).slice(1)) {
    const nl = part.indexOf('\n');
    out.set(part.slice(0, nl).trim(), part.slice(nl + 1).trim());
  }
  return out;
}

const kept = await existing();
for (const name of names) {
  const s = sections[name]!;
  console.error(`bench: ${name}…`);
  const table = await s.run();
  kept.set(s.title, [`Command: \`${s.command}\` — measured ${new Date().toISOString()}`, '', table].join('\n'));
  console.error(table);
  // written after each section, so a long run that fails later keeps what it measured
  const body = [...kept].map(([title, text]) => `## ${title}\n\n${text}`).join('\n\n');
  // formatted as `npm run lint` checks it
  await writeFile(resultsPath, await format(`${header}\n\n${body}\n`, { parser: 'markdown', filepath: resultsPath }));
}
console.error('bench: wrote bench/RESULTS.md');
