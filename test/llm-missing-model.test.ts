/**
 * An LLM call for a model whose file is missing: the guest gets model-not-supported (or the
 * engine's error), and the host's log says so once per model, naming where it looked —
 * before, the log said nothing and only the guest knew.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { guest, startSpin, tempDir, writeApp, type RunningSpin } from './support/spin.js';

let spin: RunningSpin;
let state: string;
let missingFile: string;

before(async () => {
  const dir = await tempDir('spin-ts-llm-missing-');
  state = join(dir, 'state');
  missingFile = join(dir, 'models', 'gone.gguf');
  await writeFile(join(dir, 'rc.toml'), `[llm_models.gone]\npath = "${missingFile}"\n`);
  const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "llm-missing"
[[trigger.http]]
route = "/js/..."
component = "js"
[component.js]
source = "${guest('js-llm')}"
ai_models = ["ghost", "gone"]
`);
  spin = await startSpin(['-f', manifest, '--state-dir', state, '--runtime-config-file', join(dir, 'rc.toml'), '--llm-threads', '1']);
});
after(async () => spin?.stop());

async function infer(model: string): Promise<{ status: number; body: { error?: { kind: string; message?: string } } }> {
  const res = await fetch(`${spin.url}/js/infer`, { method: 'POST', body: JSON.stringify({ model, prompt: 'a', params: { maxTokens: 1 } }) });
  return { status: res.status, body: (await res.json()) as { error?: { kind: string; message?: string } } };
}

test('a model found nowhere: model-not-supported for the guest, one log line naming where it looked', async () => {
  for (let i = 0; i < 3; i++) assert.equal((await infer('ghost')).body.error?.kind, 'model-not-supported');
  const lines = spin
    .output()
    .split('\n')
    .filter((l) => l.includes("'ghost'"));
  assert.equal(lines.length, 1, spin.output());
  assert.match(lines[0]!, /llm: component 'js' asked for model 'ghost', which cannot be used: .*no GGUF file was found/);
  assert.ok(lines[0]!.includes(join(state, 'ai-models')), lines[0]);
});

test('a model table entry whose file is missing: one log line naming the file', async () => {
  for (let i = 0; i < 3; i++) assert.ok((await infer('gone')).body.error, 'the guest gets an error');
  const lines = spin
    .output()
    .split('\n')
    .filter((l) => l.includes("'gone'"));
  assert.equal(lines.length, 1, spin.output());
  assert.ok(lines[0]!.includes(missingFile), lines[0]);
});
