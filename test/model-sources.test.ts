/**
 * Model sources end to end (docs/ai.md, "Model sources"): a model table entry with `source` (a
 * URL on a loopback server) and `sha256` is downloaded once into the state dir by
 * `spin-ts models pull`, or by `models serve` on first use; bad entries and bad downloads stop
 * with a message. Also the serve lifecycle: lazy load, `system_prompt`, `--model-idle-timeout`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe } from './support/serve.js';
import { runCli, tempDir } from './support/spin.js';

let dir: string;
let gguf: Buffer;
let sha: string;
let origin: string;
let server: Server;
let requests = 0;

before(async () => {
  dir = await tempDir('spin-ts-sources-');
  gguf = await readFile((await generateModel('tiny-predictable', join(dir, 'served', 'p.gguf'))).path);
  sha = createHash('sha256').update(gguf).digest('hex');
  server = createServer((req, res) => {
    requests++;
    if (req.url !== '/models/p.gguf') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': gguf.length }).end(gguf);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function config(name: string, entry: string): Promise<string> {
  const file = join(dir, `${name}.toml`);
  await writeFile(file, `[llm_models.p]\n${entry}\n`);
  return file;
}

const TEMPLATE = 'chat_template = "{% for m in messages %}{{ m.content }}{% endfor %}"';

describe('spin-ts models pull', () => {
  test('downloads once into <state>/ai-models/<name>/, verified; a second pull fetches nothing', async () => {
    const rc = await config('pull', `source = "${origin}/models/p.gguf"\nsha256 = "${sha}"`);
    const state = join(dir, 'pull-state');
    const first = await runCli(['models', 'pull', '--runtime-config-file', rc, '--state-dir', state]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim(), join(state, 'ai-models', 'p', 'p.gguf'));
    assert.ok((await readFile(first.stdout.trim())).equals(gguf));
    assert.match(first.stderr, /model 'p': downloaded .* sha256 verified/);
    const before = requests;
    const second = await runCli(['models', 'pull', '--runtime-config-file', rc, '--state-dir', state, 'p']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /already in .*, sha256 verified/);
    assert.equal(requests, before);
  });

  test('a wrong sha256 fails naming both digests', async () => {
    const wrong = 'f'.repeat(64);
    const rc = await config('wrong', `source = "${origin}/models/p.gguf"\nsha256 = "${wrong}"`);
    const r = await runCli(['models', 'pull', '--runtime-config-file', rc, '--state-dir', join(dir, 'wrong-state')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`expected ${wrong}, got ${sha}`));
  });

  test('404 fails at once naming the URL', async () => {
    const rc = await config('missing', `source = "${origin}/models/nope.gguf"`);
    const r = await runCli(['models', 'pull', '--runtime-config-file', rc, '--state-dir', join(dir, 'missing-state')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot download model 'p' from http:\/\/127\.0\.0\.1:\d+\/models\/nope\.gguf: HTTP 404/);
  });

  test('path and source together, neither, or a non-http URL are refused with the rule', async () => {
    const both = await runCli(['models', 'pull', '--runtime-config-file', await config('both', `path = "x.gguf"\nsource = "${origin}/models/p.gguf"`)]);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /llm_models\.p.*gives both path and source.*Keep one/s);
    const none = await runCli(['models', 'pull', '--runtime-config-file', await config('none', 'kind = "completion"')]);
    assert.match(none.stderr, /llm_models\.p\.path.*missing required key "path" \(or "source"\)/s);
    const ftp = await runCli(['models', 'pull', '--runtime-config-file', await config('ftp', 'source = "ftp://example.invalid/p.gguf"')]);
    assert.match(ftp.stderr, /"ftp:\/\/example\.invalid\/p\.gguf" is not an http\(s\) URL/);
  });

  test('a name not in the table, and a table with no source, are errors', async () => {
    const rc = await config('name', `source = "${origin}/models/p.gguf"`);
    const r = await runCli(['models', 'pull', '--runtime-config-file', rc, 'other']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /model 'other' is not in the model table/);
    const local = await runCli(['models', 'pull', '--runtime-config-file', await config('local', 'path = "served/p.gguf"')]);
    assert.match(local.stderr, /no \[llm_models\.<name>\] entry has a source URL/);
  });
});

describe('models serve with a source model', () => {
  test('lazy: /v1/models at once, download and load on first request; system_prompt; idle unload', async () => {
    const rc = await config('serve', `source = "${origin}/models/p.gguf"\nsha256 = "${sha}"\n${TEMPLATE}\nsystem_prompt = "a"`);
    const state = join(dir, 'serve-state');
    const s = await startModelsServe(['--runtime-config-file', rc, '--state-dir', state, '--gpu', 'cpu', '--llm-threads', '1', '--model-idle-timeout', '1s']);
    try {
      const t0 = performance.now();
      const models = (await (await fetch(`${s.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
      const listMs = performance.now() - t0;
      assert.deepEqual(
        models.data.map((m) => m.id),
        ['p'],
      );
      assert.ok(listMs < 2000, `/v1/models took ${listMs} ms`);
      assert.doesNotMatch(s.output(), /loaded model/, 'nothing is loaded at start');
      assert.match(s.output(), /llama\.cpp ready: CPU/, 'the probe ran at start');

      const chat = async (messages: Array<{ role: string; content: string }>) => {
        const res = await fetch(`${s.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'p', messages, temperature: 0, max_tokens: 5 }),
        });
        assert.equal(res.status, 200, await res.clone().text());
        return ((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
      };
      // the model table's system prompt "a" stands in for the missing system message
      assert.equal(await chat([{ role: 'user', content: '' }]), 'bcdef');
      assert.match(s.output(), /model 'p': downloaded .* sha256 verified/);
      assert.ok((await readFile(join(state, 'ai-models', 'p', 'p.gguf'))).equals(gguf));
      // a chat with its own system message keeps it
      assert.notEqual(
        await chat([
          { role: 'system', content: '0' },
          { role: 'user', content: '' },
        ]),
        'bcdef',
      );

      const deadline = Date.now() + 15_000;
      while (!/unloaded model 'p' after 1000 ms idle/.test(s.output())) {
        assert.ok(Date.now() < deadline, `no idle unload:\n${s.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(await chat([{ role: 'user', content: '' }]), 'bcdef', 'an unloaded model loads again on the next request');
      assert.equal(s.output().match(/\bloaded model 'p'/g)?.length, 2);
      assert.equal(s.output().match(/downloaded .* sha256 verified/g)?.length, 1, 'downloaded once');
    } finally {
      await s.stop();
    }
  });

  test('--model-idle-timeout takes a duration', async () => {
    const r = await runCli(['models', 'serve', '--model-idle-timeout', 'soon']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--model-idle-timeout: 'soon' is not a duration/);
  });
});
