/**
 * `hf:<user>/<repo>/<file>` model sources and HF_TOKEN, against a loopback server standing in for
 * Hugging Face (HF_ENDPOINT points at it): the hub answers `/<user>/<repo>/resolve/main/<file>`
 * only with the right `Authorization: Bearer`, and redirects to a second server (another origin,
 * as Hugging Face's CDN is) that must not see the token. The first body is cut halfway, so the
 * download resumes with a Range request. Through `models pull` (a runtime config's `source`) and
 * `models serve -hf <user>/<repo> -hff <file>`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { generateModel } from '../host/gguf/presets.js';
import { startModelsServe } from './support/serve.js';
import { runCli, tempDir } from './support/spin.js';

const TOKEN = 'hf_test_secret_token';
const FILE_PATH = '/acme/Tiny-GGUF/resolve/main/tiny.gguf';

let dir: string;
let gguf: Buffer;
let sha: string;
let hub: Server;
let cdn: Server;
let endpoint: string;
const hubSeen: Array<{ url: string; auth: string | undefined; range: string | undefined }> = [];
const cdnSeen: Array<{ auth: string | undefined; range: string | undefined }> = [];
let cutNext = true;

async function listen(s: Server): Promise<string> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

/** Serves `gguf` honouring `Range`; the first full answer is cut halfway (a dropped connection). */
function serveFile(req: IncomingMessage, res: import('node:http').ServerResponse): void {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  const body = gguf.subarray(start);
  const headers = { 'content-length': body.length, 'accept-ranges': 'bytes' };
  if (m) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${gguf.length - 1}/${gguf.length}` });
  else res.writeHead(200, headers);
  if (cutNext && !m) {
    cutNext = false;
    res.write(body.subarray(0, body.length >> 1), () => res.destroy());
    return;
  }
  res.end(body);
}

before(async () => {
  dir = await tempDir('spin-ts-hf-source-');
  gguf = await readFile((await generateModel('tiny-predictable', join(dir, 'served', 'tiny.gguf'))).path);
  sha = createHash('sha256').update(gguf).digest('hex');
  cdn = createServer((req, res) => {
    cdnSeen.push({ auth: req.headers.authorization, range: req.headers.range });
    serveFile(req, res);
  });
  const cdnOrigin = await listen(cdn);
  hub = createServer((req, res) => {
    hubSeen.push({ url: req.url ?? '', auth: req.headers.authorization, range: req.headers.range });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end('gated');
    if (new URL(req.url ?? '/', 'http://x').pathname !== FILE_PATH) return void res.writeHead(404).end();
    res.writeHead(302, { location: `${cdnOrigin}/blobs/tiny` }).end();
  });
  endpoint = await listen(hub);
});

after(async () => {
  for (const s of [hub, cdn]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** The environment of a user with (or without) a token; HF_HOME empty, so no real token file is read. */
function env(token: string | undefined): NodeJS.ProcessEnv {
  return { HF_ENDPOINT: endpoint, HF_HOME: join(dir, 'hf-home'), HF_TOKEN: token ?? '', MODEL_ENDPOINT: '' };
}

describe('hf: sources', () => {
  test('models pull: hf:<user>/<repo>/<file> downloads from the endpoint with HF_TOKEN, resumes, verifies', async () => {
    const rc = join(dir, 'pull.toml');
    await writeFile(rc, `[llm_models.tiny]\nsource = "hf:acme/Tiny-GGUF/tiny.gguf"\nsha256 = "${sha}"\n`);
    const state = join(dir, 'pull-state');
    const r = await runCli(['models', 'pull', '--runtime-config-file', rc, '--state-dir', state], { env: env(TOKEN) });
    assert.equal(r.code, 0, r.stderr);
    // the path rule of every source: <state>/ai-models/<name>/<file name of the URL>
    assert.equal(r.stdout.trim(), join(state, 'ai-models', 'tiny', 'tiny.gguf'));
    assert.ok((await readFile(r.stdout.trim())).equals(gguf));
    assert.match(r.stderr, /resuming at/);
    assert.match(r.stderr, /sha256 verified/);
    assert.ok(!r.stderr.includes(TOKEN) && !r.stdout.includes(TOKEN), 'the token is never logged');
    assert.ok(hubSeen.length >= 2 && hubSeen.every((s) => s.auth === `Bearer ${TOKEN}`), JSON.stringify(hubSeen));
    assert.ok(
      hubSeen.every((s) => s.url === `${FILE_PATH}?download=true`),
      JSON.stringify(hubSeen),
    );
    assert.ok(
      cdnSeen.some((s) => s.range !== undefined),
      'the second try asked for the rest',
    );
    assert.ok(
      cdnSeen.every((s) => s.auth === undefined),
      'the token stays with the endpoint',
    );
  });

  test('without HF_TOKEN a gated file is a 401 whose message says to set it', async () => {
    const rc = join(dir, 'gated.toml');
    await writeFile(rc, '[llm_models.tiny]\nsource = "hf:acme/Tiny-GGUF/tiny.gguf"\n');
    const r = await runCli(['models', 'pull', '--runtime-config-file', rc, '--state-dir', join(dir, 'gated-state')], { env: env(undefined) });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /cannot download model 'tiny' from http:\/\/127\.0\.0\.1:\d+\/acme\/Tiny-GGUF\/resolve\/main\/tiny\.gguf: HTTP 401\. Fix: .*set HF_TOKEN/,
    );
  });

  test('an hf: URI without a file is refused at start, saying the form', async () => {
    const rc = join(dir, 'nofile.toml');
    await writeFile(rc, '[llm_models.tiny]\nsource = "hf:acme/Tiny-GGUF:Q4_K_M"\n');
    const r = await runCli(['models', 'pull', '--runtime-config-file', rc], { env: env(TOKEN) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /llm_models\.tiny\.source.*names no file: give hf:<user>\/<repo>\/<file>\.gguf/s);
  });

  test('models serve -hf <user>/<repo> -hff <file>: served under the file stem, downloaded on first use', async () => {
    const state = join(dir, 'serve-state');
    const server = await startModelsServe(['-hf', 'acme/Tiny-GGUF', '-hff', 'tiny.gguf', '--state-dir', state, '--llm-threads', '1', '--gpu', 'cpu'], {
      env: env(TOKEN),
    });
    try {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none', maxRetries: 0 });
      assert.deepEqual(
        (await client.models.list()).data.map((m) => m.id),
        ['tiny'],
      );
      const r = await client.completions.create({ model: 'tiny', prompt: 'a', max_tokens: 3, temperature: 0 });
      assert.equal(r.choices[0]!.text, 'bcd');
      assert.ok((await readFile(join(state, 'ai-models', 'tiny', 'tiny.gguf'))).equals(gguf));
    } finally {
      await server.stop();
    }
  });
});
