/**
 * `--models-max-memory` on `spin-ts models serve` and `spin-ts up` (docs/ai.md, "Memory
 * budget"): the flag reaches the engine. Two generated models, a budget that holds one of them: using the second unloads the
 * first (the log says so) and both keep answering. A bad size is refused at start.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LocalLlamaEngine } from '../host/llm/local/engine.js';
import { generate } from './support/models.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { guest, runCli, startSpin, tempDir, writeApp } from './support/spin.js';

let server: RunningServer;
let budget: number;
let dir: string;
/** Both models, one slot, one thread and a budget that holds one model: the same for models serve and up. */
let budgetArgs: string[];

before(async () => {
  dir = await tempDir('spin-ts-models-memory-');
  const p = await generate('tiny-predictable', join(dir, 'p.gguf'));
  await writeFile(join(dir, 'rc.toml'), `[llm_models.one]\npath = "${p}"\ncontext_size = 256\n\n[llm_models.two]\npath = "${p}"\ncontext_size = 256\n`);
  // what one takes, as the server will count it (same context size and sequences): the budget holds one and a half
  const probe = new LocalLlamaEngine({
    modelTable: { one: { path: p, kind: 'completion', contextSize: 256 } },
    stateDir: dir,
    threads: 1,
    gpu: 'cpu',
    slots: 1,
    log: () => undefined,
  });
  await probe.preload(['one']);
  const one = probe.memoryUse()['one']!;
  await probe.close();
  budget = Math.floor(one * 1.5);
  budgetArgs = ['--runtime-config-file', join(dir, 'rc.toml'), '--llm-threads', '1', '--llm-slots', '1', '--models-max-memory', String(budget)];
  server = await startModelsServe(budgetArgs);
});
after(async () => server?.stop());

async function complete(model: string): Promise<string> {
  const res = await fetch(`${server.url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, prompt: 'a', max_tokens: 3, temperature: 0 }),
  });
  const j = (await res.json()) as { choices?: Array<{ text: string }> };
  assert.equal(res.status, 200, JSON.stringify(j));
  return j.choices![0]!.text;
}

test('a budget that holds one model (measured): the least recently used one is unloaded for the other', async () => {
  assert.equal(await complete('one'), 'bcd');
  assert.equal(await complete('two'), 'bcd');
  assert.match(server.output(), /unloaded model 'one' \(least recently used\) to make room for 'two' within the models memory budget of /);
  assert.equal(await complete('one'), 'bcd');
  assert.match(server.output(), /unloaded model 'two' \(least recently used\) to make room for 'one'/);
});

test('a bad --models-max-memory is refused at start', async () => {
  const r = await runCli(['models', 'serve', '--listen', '127.0.0.1:0', '--models-max-memory', 'lots']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--models-max-memory: 'lots' is not a size/);
});

test('spin-ts up --models-max-memory: a guest using both models swaps them within the budget', async () => {
  const manifest = await writeApp(`
spin_manifest_version = 2
[application]
name = "models-memory"
[[trigger.http]]
route = "/..."
component = "js"
[component.js]
source = "${guest('js-llm')}"
ai_models = ["one", "two"]
`);
  const spin = await startSpin(['-f', manifest, ...budgetArgs]);
  try {
    const infer = async (model: string) => {
      const res = await fetch(`${spin.url}/infer`, { method: 'POST', body: JSON.stringify({ model, prompt: 'a', params: { maxTokens: 3, temperature: 0 } }) });
      const j = (await res.json()) as { text: string };
      assert.equal(res.status, 200, JSON.stringify(j));
      return j.text;
    };
    assert.equal(await infer('one'), 'bcd');
    assert.equal(await infer('two'), 'bcd');
    assert.match(spin.output(), /unloaded model 'one' \(least recently used\) to make room for 'two' within the models memory budget of /);
  } finally {
    await spin.stop();
  }
});

test('a bad --models-max-memory is refused by up too', async () => {
  const r = await runCli(['up', '-f', join(dir, 'missing.toml'), '--models-max-memory', '12q']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--models-max-memory: '12q' is not a size/);
});
