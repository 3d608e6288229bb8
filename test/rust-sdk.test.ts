/**
 * An app written with the official `spin-sdk` crate (guest-examples/rust-sdk-http: spin-sdk
 * 5.2.0 from crates.io, its Router; built by scripts/build-rust-sdk-guests.mjs with Debian's
 * Rust 1.96 and std built from source), run from its own spin.toml under `spin-ts up` over
 * real HTTP: key-value, SQLite, variables, outbound HTTP and the real llama.cpp engine
 * (infer on `tiny-predictable`, embeddings on `tiny-bert`).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generate, generateIntoStateDir } from './support/models.js';
import { REPO, startSpin, tempDir, type RunningSpin } from './support/spin.js';
import { startHttpUpstream, type Upstream } from './support/upstream.js';

const APP = join(REPO, 'guest-examples', 'rust-sdk-http');
const WASM = join(APP, 'dist', 'rust-sdk-http.wasm');
const built = existsSync(WASM);

let spin: RunningSpin;
let upstream: Upstream;

before(async () => {
  if (!built) return;
  const dir = await tempDir('spin-ts-rust-sdk-');
  const state = join(dir, 'state');
  await generateIntoStateDir('tiny-predictable', state, 'llama2-chat');
  await generate('tiny-bert', join(dir, 'bert.gguf'));
  const runtimeConfig = join(dir, 'runtime-config.toml');
  await writeFile(runtimeConfig, `[llm_models.all-minilm-l6-v2]\npath = "bert.gguf"\nkind = "embedding"\n`);
  upstream = await startHttpUpstream();
  spin = await startSpin(
    ['-f', join(APP, 'spin.toml'), '--state-dir', state, '--runtime-config-file', runtimeConfig, '--llm-threads', '1', '--llm-seed', '1234'],
    { env: { SPIN_VARIABLE_API_TOKEN: 'tok-from-env' } },
  );
});
after(async () => {
  await spin?.stop();
  await upstream?.close();
});

const get = (path: string, init?: RequestInit) => fetch(`${spin.url}${path}`, init);

describe('the spin-sdk (Rust) app under spin-ts up', { skip: built ? false : 'rust-sdk-http not built (see scripts/build-rust-sdk-guests.mjs)' }, () => {
  test('the router passes a path parameter to its handler', async () => {
    const res = await get('/hello/planet');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.equal(await res.text(), 'Hello, planet!');
  });

  test('a route the router does not know is its 404, a known path with another method its 405', async () => {
    const res = await get('/nowhere');
    assert.equal(res.status, 404);
    await res.body?.cancel();
    const wrongMethod = await get('/hello/planet', { method: 'POST' });
    assert.equal(wrongMethod.status, 405);
    await wrongMethod.body?.cancel();
  });

  test('key-value: set, get, list, delete in the default store', async () => {
    const put = await get('/kv/colour', { method: 'PUT', body: 'blue\u00e9' });
    assert.equal(put.status, 201);
    assert.equal(await put.text(), 'stored colour');
    await (await get('/kv/shape', { method: 'PUT', body: 'round' })).text();
    const value = await get('/kv/colour');
    assert.equal(value.status, 200);
    assert.equal(await value.text(), 'blue\u00e9');
    assert.deepEqual(await (await get('/kv')).json(), ['colour', 'shape']);
    assert.equal(await (await get('/kv/colour', { method: 'DELETE' })).text(), 'deleted colour');
    const gone = await get('/kv/colour');
    assert.equal(gone.status, 404);
    assert.equal(await gone.text(), 'no value for colour');
    assert.deepEqual(await (await get('/kv')).json(), ['shape']);
  });

  test('SQLite: insert rows, read them back with a bound parameter', async () => {
    const ids: number[] = [];
    for (const title of ['write docs', 'ship it']) {
      const res = await get('/todos', { method: 'POST', body: JSON.stringify({ title }) });
      assert.equal(res.status, 201);
      const row = (await res.json()) as { id: number; title: string };
      assert.equal(row.title, title);
      ids.push(row.id);
    }
    assert.equal(ids[1], ids[0]! + 1);
    assert.deepEqual(await (await get('/todos')).json(), [
      { id: ids[0], title: 'write docs', done: 0 },
      { id: ids[1], title: 'ship it', done: 0 },
    ]);
    assert.deepEqual(await (await get(`/todos?after=${ids[0]}`)).json(), [{ id: ids[1], title: 'ship it', done: 0 }]);
  });

  test('SQLite: bad input is a 400 that says what is wrong', async () => {
    const res = await get('/todos', { method: 'POST', body: 'not json' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /^expected a JSON body like \{"title": "..."\}: expected ident at line 1 column 2/);
    const empty = await get('/todos', { method: 'POST', body: JSON.stringify({ title: '' }) });
    assert.equal(empty.status, 400);
    assert.equal(await empty.text(), 'title must not be empty');
    const badQuery = await get('/todos?after=soon');
    assert.equal(badQuery.status, 400);
    assert.equal(await badQuery.text(), 'after must be an integer: invalid digit found in string');
  });

  test('variables: a default, one from the environment, and an undefined one', async () => {
    assert.equal(await (await get('/variables/greeting')).text(), 'hello from a Spin variable');
    assert.equal(await (await get('/variables/token')).text(), 'tok-from-env');
    const missing = await get('/variables/nothing_here');
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), `Error::Undefined("no variable for 'nothing_here'")`);
  });

  test('outbound HTTP to an allowed host, through wasi:http/outgoing-handler', async () => {
    const res = await get('/outbound', { headers: { url: `${upstream.origin}/hello` } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello from upstream (rust-sdk)');
  });

  test('outbound HTTP to a host not in allowed_outbound_hosts is refused: the guest sees HttpRequestDenied', async () => {
    const before = upstream.received.length;
    const res = await get('/outbound', { headers: { url: `http://localhost:${upstream.port}/hello` } });
    assert.equal(res.status, 502);
    assert.equal(await res.text(), 'outbound request failed: Http(ErrorCode::HttpRequestDenied)');
    assert.equal(upstream.received.length, before);
    assert.match(spin.output(), /allowed_outbound_hosts/);
    const noUrl = await get('/outbound');
    assert.equal(noUrl.status, 400);
    assert.equal(await noUrl.text(), 'Please specify the `url` header');
  });

  test("LLM: infer with the SDK's defaults and with options, through the real engine", async () => {
    const res = await get('/infer', { method: 'POST', body: 'a' });
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), { text: 'bcdefghijklmnopqrstuvwxyz', usage: { prompt_token_count: 2, generated_token_count: 25 } });
    const short = await get('/infer?max_tokens=3', { method: 'POST', body: 'x' });
    assert.deepEqual(await short.json(), { text: 'yz', usage: { prompt_token_count: 2, generated_token_count: 2 } });
    const empty = await get('/infer', { method: 'POST' });
    assert.equal(empty.status, 400);
    assert.equal(await empty.text(), 'send the prompt as the request body');
  });

  test('LLM: embeddings, one unit vector per line', async () => {
    const res = await get('/embed', { method: 'POST', body: 'hello world\na b c' });
    assert.equal(res.status, 200, await res.clone().text());
    const j = (await res.json()) as { count: number; dimension: number; norms: number[]; prompt_token_count: number };
    assert.equal(j.count, 2);
    assert.equal(j.dimension, 64);
    for (const n of j.norms) assert.ok(Math.abs(n - 1) < 1e-4, `norm ${n}`);
    assert.ok(j.prompt_token_count > 2);
  });
});
