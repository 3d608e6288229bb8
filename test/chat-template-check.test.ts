/** Chat templates are checked when the server starts: one that cannot render stops the start naming the model. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { generateModel } from '../host/gguf/presets.js';
import { runCli, tempDir } from './support/spin.js';

let dir: string;
before(async () => {
  dir = await tempDir('spin-ts-template-check-');
  await generateModel('tiny-predictable', join(dir, 'p.gguf'));
});

async function serveWith(template: string): Promise<{ code: number | null; stderr: string }> {
  const rc = join(dir, `rc-${Math.random().toString(36).slice(2)}.toml`);
  await writeFile(rc, `[llm_models.good]\npath = "p.gguf"\n\n[llm_models.broken]\npath = "p.gguf"\nchat_template = ${JSON.stringify(template)}\n`);
  return runCli(['models', 'serve', '--listen', '127.0.0.1:0', '--runtime-config-file', rc, '--gpu', 'cpu']);
}

test('a Jinja template that fails to render stops models serve naming the model', async () => {
  const r = await serveWith('{% for m in messages %}{{ m.content }}');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /llm_models\.broken\.chat_template cannot render: .*sanity test/);
});

test('a template that raises stops it too', async () => {
  const r = await serveWith('{{ raise_exception("this model has no chat") }}');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /llm_models\.broken\.chat_template cannot render: .*this model has no chat/);
});

test('a Go template ({{.Input}}) is refused at start with the reason', async () => {
  const r = await serveWith('### Instruction:\n{{.Input}}\n### Response:');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /llm_models\.broken\.chat_template: this is a Go template .*Rewrite it in Jinja/);
});
