/**
 * Server-side model failures are the operator's to fix, so the server's log says each one once,
 * naming the URL or path and the fix, however many requests hit it: a sha256 mismatch after a
 * download, a failed download, two GGUF files in one model folder, and (through `spin-ts up`) a
 * model found nowhere. Before, `models serve` put them in the HTTP answer only.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe, type RunningServer } from './support/serve.js';
import { guest, startSpin, tempDir, writeApp, type RunningSpin } from './support/spin.js';

let dir: string;
let origin: string;
let files: Server;
const WRONG = '0'.repeat(64);

before(async () => {
  dir = await tempDir('spin-ts-model-failures-');
  const gguf = await readFile((await generateModel('tiny-predictable', join(dir, 'served', 'p.gguf'))).path);
  files = createServer((req, res) => {
    if (req.url !== '/good.gguf') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': gguf.length }).end(gguf);
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  await writeFile(
    join(dir, 'rc.toml'),
    `[llm_models.badsha]\nsource = "${origin}/good.gguf"\nsha256 = "${WRONG}"\n\n[llm_models.gone]\nsource = "${origin}/nope.gguf"\n`,
  );
  for (const f of ['a.gguf', 'b.gguf']) await generateModel('tiny-predictable', join(dir, 'state', 'ai-models', 'llama', 'dup', f));
});

after(async () => {
  files.closeAllConnections();
  await new Promise((r) => files.close(r));
});

/** The log lines that mention `needle`. */
function linesWith(output: string, needle: string): string[] {
  return output.split('\n').filter((l) => l.includes(needle));
}

describe('models serve', () => {
  let server: RunningServer;
  before(async () => {
    server = await startModelsServe(['--state-dir', join(dir, 'state'), '--runtime-config-file', join(dir, 'rc.toml'), '--llm-threads', '1', '--gpu', 'cpu']);
  });
  after(() => server?.stop());

  async function ask(model: string): Promise<{ status: number; message: string }> {
    const res = await fetch(`${server.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model, prompt: 'a', max_tokens: 1 }) });
    return { status: res.status, message: ((await res.json()) as { error: { message: string } }).error.message };
  }

  test('a sha256 mismatch: a 500 each time, one log line with the URL, both digests and the fix', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await ask('badsha');
      assert.equal(r.status, 500);
      assert.match(r.message, /sha256 mismatch/);
    }
    const lines = linesWith(server.output(), 'sha256 mismatch');
    assert.equal(lines.length, 1, server.output());
    assert.ok(lines[0]!.includes(`${origin}/good.gguf`), lines[0]);
    assert.ok(lines[0]!.includes(`expected ${WRONG}`), lines[0]);
    assert.match(lines[0]!, /Fix: correct sha256 in \[llm_models\.badsha\]/);
  });

  test('a failed download: one log line with the URL and the fix', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await ask('gone')).status, 500);
    const lines = linesWith(server.output(), "cannot download model 'gone'");
    assert.equal(lines.length, 1, server.output());
    assert.ok(lines[0]!.includes(`${origin}/nope.gguf: HTTP 404`), lines[0]);
    assert.match(lines[0]!, /Fix: the file is not there: check source in \[llm_models\.gone\]/);
  });

  test('two GGUF files in one model folder: one log line with the folder, both names and the fix', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await ask('dup')).status, 500);
    const lines = linesWith(server.output(), 'holds 2 .gguf files');
    assert.equal(lines.length, 1, server.output());
    assert.ok(lines[0]!.includes(join(dir, 'state', 'ai-models', 'llama', 'dup')), lines[0]);
    assert.match(lines[0]!, /\(a\.gguf, b\.gguf\)\. Fix: keep one there/);
  });
});

describe('spin-ts up: a guest asking for such models', () => {
  let spin: RunningSpin;
  before(async () => {
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "model-failures"
[[trigger.http]]
route = "/js/..."
component = "js"
[component.js]
source = "${guest('js-llm')}"
ai_models = ["badsha", "dup", "ghost"]
`);
    spin = await startSpin(['-f', manifest, '--state-dir', join(dir, 'state'), '--runtime-config-file', join(dir, 'rc.toml'), '--llm-threads', '1']);
  });
  after(() => spin?.stop());

  test('each failure is one log line with its fix, however many calls', async () => {
    for (const model of ['badsha', 'dup', 'ghost']) {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${spin.url}/js/infer`, { method: 'POST', body: JSON.stringify({ model, prompt: 'a', params: { maxTokens: 1 } }) });
        assert.ok(((await res.json()) as { error?: unknown }).error, `${model}: the guest gets an error`);
      }
      const lines = linesWith(spin.output(), `asked for model '${model}'`);
      assert.equal(lines.length, 1, spin.output());
      assert.match(lines[0]!, /Fix: /);
    }
    assert.match(linesWith(spin.output(), "model 'ghost'")[0]!, /Fix: put its \.gguf file in <state dir>\/ai-models\/llama\/ghost\//);
  });
});
