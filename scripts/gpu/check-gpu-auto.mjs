#!/usr/bin/env node
// `spin-ts up --gpu auto` picks the backend the machine has and logs it: on the GPU machine
// "llama.cpp ready: cuda on <device>", on the CPU proof "no usable GPU found … llama.cpp ready: CPU".
// Starts a real app (js-llm, tiny-predictable, --preload-models so the engine starts before
// "Serving"), makes one greedy call through the guest, prints the start-up log and exits non-zero
// when the log or the answer is not what `expect` (cuda | cpu) calls for.
// Usage: node scripts/gpu/check-gpu-auto.mjs <cuda|cpu>   (from the packed spin-ts folder)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const expect = process.argv[2];
if (expect !== 'cuda' && expect !== 'cpu') {
  console.error('usage: check-gpu-auto.mjs <cuda|cpu>');
  process.exit(2);
}
const cli = resolve('dist/host/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'spin-ts-gpu-auto-'));
const model = join(dir, 'predictable.gguf');
const gen = spawnSync(process.execPath, [cli, 'models', 'generate', 'tiny-predictable', '-o', model], { encoding: 'utf8' });
if (gen.status !== 0) {
  console.error(`models generate failed: ${gen.stderr}`);
  process.exit(1);
}
writeFileSync(join(dir, 'rc.toml'), `[llm_models.p]\npath = "${model}"\n`);
writeFileSync(
  join(dir, 'spin.toml'),
  `spin_manifest_version = 2\n[application]\nname = "gpu-auto"\n[[trigger.http]]\nroute = "/..."\ncomponent = "llm"\n[component.llm]\nsource = "${resolve('guest-examples/js-llm/dist/js-llm.wasm')}"\nai_models = ["p"]\n`,
);

const args = [
  'up',
  '-f',
  join(dir, 'spin.toml'),
  '--runtime-config-file',
  join(dir, 'rc.toml'),
  '--listen',
  '127.0.0.1:0',
  '--gpu',
  'auto',
  '--preload-models',
];
console.log(`$ spin-ts ${args.join(' ')}`);
const proc = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
let log = '';
const url = await new Promise((resolveUrl, reject) => {
  const timer = setTimeout(() => reject(new Error('did not serve within 120 s')), 120_000);
  const onData = (chunk) => {
    log += chunk.toString();
    const m = /Serving (http:\/\/\S+)/.exec(log);
    if (m) {
      clearTimeout(timer);
      resolveUrl(m[1]);
    }
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  proc.once('exit', (code) => reject(new Error(`exited with ${code}`)));
}).catch((err) => {
  console.log(log);
  console.error(`spin-ts up: ${err.message}`);
  process.exit(1);
});

const params = { maxTokens: 30, repeatPenalty: 1, repeatPenaltyLastNTokenCount: 64, temperature: 0, topK: 40, topP: 1 };
const res = await fetch(`${url}/infer`, { method: 'POST', body: JSON.stringify({ model: 'p', prompt: 'a', params }) });
const body = await res.json();
proc.kill('SIGTERM');
console.log(log);
console.log(`infer: ${res.status} ${JSON.stringify(body)}`);

const problems = [];
const ready = /llama\.cpp ready: ([^\n]*)/.exec(log)?.[1];
if (!ready) problems.push('no "llama.cpp ready" line in the log');
else if (expect === 'cuda' && !/^cuda on /.test(ready)) problems.push(`expected CUDA, the log says: ${ready}`);
else if (expect === 'cpu' && !/^CPU/.test(ready)) problems.push(`expected the CPU, the log says: ${ready}`);
if (expect === 'cpu' && !/no usable GPU found \(gpu=auto\)/.test(log)) problems.push('no "no usable GPU found (gpu=auto)" line');
if (res.status !== 200 || body.text !== 'bcdefghijklmnopqrstuvwxyz')
  problems.push(`greedy text after "a" should be the alphabet, got ${JSON.stringify(body.text)}`);
for (const p of problems) console.error(`check failed: ${p}`);
console.log(problems.length === 0 ? `ok: --gpu auto picked ${ready}` : 'FAILED');
process.exit(problems.length === 0 ? 0 : 1);
