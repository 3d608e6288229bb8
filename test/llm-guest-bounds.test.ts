/**
 * A guest's `fermyon:spin/llm` infer has the prompt bound of the OpenAI API (issue #21): a
 * prompt longer than SPIN_TS_OPENAI_MAX_PROMPT_CHARS is refused with Spin's `invalid-input`
 * before it crosses the bridge or reaches the tokenizer (a 4 MB prompt used to be tokenized
 * whole, for more than 30 s), and the log says why. Through a real component (js-llm) under
 * `spin-ts up` on a generated model.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateIntoStateDir } from './support/models.js';
import { guest, startSpin, tempDir, writeApp, type RunningSpin } from './support/spin.js';

const MAX_PROMPT_CHARS = 4096;
let spin: RunningSpin;

interface InferReply {
  text?: string;
  error?: { kind: string; message: string | null };
}

async function infer(prompt: string): Promise<{ status: number; body: InferReply }> {
  const res = await fetch(`${spin.url}/infer`, {
    method: 'POST',
    body: JSON.stringify({ model: 'llama2-chat', prompt, params: { maxTokens: 4, temperature: 0 } }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: (await res.json()) as InferReply };
}

before(async () => {
  const dir = await tempDir('spin-ts-llm-guest-bounds-');
  const state = join(dir, 'state');
  await generateIntoStateDir('tiny-predictable', state, 'llama2-chat');
  const manifest = await writeApp(`
spin_manifest_version = 2
[application]
name = "llm-bounds-app"

[[trigger.http]]
route = "/..."
component = "js"

[component.js]
source = "${guest('js-llm')}"
ai_models = ["llama2-chat"]
`);
  spin = await startSpin(['-f', manifest, '--state-dir', state, '--llm-threads', '1', '--gpu', 'cpu'], {
    env: { SPIN_TS_OPENAI_MAX_PROMPT_CHARS: String(MAX_PROMPT_CHARS) },
  });
});
after(async () => spin?.stop());

describe('the prompt bound of a guest', () => {
  test('a prompt over the bound is invalid-input naming the bound, and logged', async () => {
    const r = await infer('a'.repeat(MAX_PROMPT_CHARS + 1));
    assert.equal(r.body.error?.kind, 'invalid-input', JSON.stringify(r.body));
    assert.match(
      r.body.error!.message!,
      /the prompt is 4097 characters, longer than this server accepts \(at most 4096 characters; set SPIN_TS_OPENAI_MAX_PROMPT_CHARS/,
    );
    assert.match(spin.output(), /llm: refused infer with model 'llama2-chat': the prompt is 4097 characters/);
  });

  test('embedding inputs over the bound together are invalid-input too', async () => {
    const res = await fetch(`${spin.url}/embed`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama2-chat', input: ['a'.repeat(2048), 'b'.repeat(2049)] }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json()) as InferReply;
    assert.equal(body.error?.kind, 'invalid-input', JSON.stringify(body));
    assert.match(body.error!.message!, /the embedding input is 4097 characters, longer than this server accepts \(at most 4096/);
  });

  test('a 1 MB prompt is refused the same way, and the guest still infers afterwards', async () => {
    const r = await infer('ab '.repeat(350_000));
    assert.equal(r.body.error?.kind, 'invalid-input', JSON.stringify(r.body).slice(0, 500));
    assert.match(r.body.error!.message!, /the prompt is 1050000 characters/);
    const ok = await infer('a');
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(typeof ok.body.text, 'string');
  });
});
