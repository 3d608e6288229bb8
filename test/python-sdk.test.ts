/**
 * An app written with Spin's Python SDK (guest-examples/python-sdk: spin-sdk 3.3.1,
 * componentize-py 0.16.0 from PyPI, built by scripts/build-python-guests.mjs through
 * `spin-ts build`), run unmodified from its own spin.toml under `spin-ts up` over real HTTP:
 * key-value, SQLite, variables, outbound HTTP and the real llama.cpp engine (infer on
 * `tiny-predictable`, embeddings on `tiny-bert`). Its component imports the SDK's whole
 * world, MySQL, PostgreSQL, MQTT and wasi:sockets included: spin-ts starts it and answers
 * those with the interface's own error (host/factors/unavailable).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generate, generateIntoStateDir } from './support/models.js';
import { REPO, startSpin, tempDir, type RunningSpin } from './support/spin.js';
import { startHttpUpstream, type Upstream } from './support/upstream.js';

const APP = join(REPO, 'guest-examples', 'python-sdk');
const WASM = join(APP, 'dist', 'python-sdk.wasm');
const built = existsSync(WASM);

let spin: RunningSpin;
let upstream: Upstream;

before(async () => {
  if (!built) return;
  const dir = await tempDir('spin-ts-python-sdk-');
  const state = join(dir, 'state');
  await generateIntoStateDir('tiny-predictable', state, 'llama2-chat');
  await generate('tiny-bert', join(dir, 'bert.gguf'));
  const runtimeConfig = join(dir, 'runtime-config.toml');
  await writeFile(runtimeConfig, `[llm_models.all-minilm-l6-v2]\npath = "bert.gguf"\nkind = "embedding"\n`);
  upstream = await startHttpUpstream();
  spin = await startSpin(
    ['-f', join(APP, 'spin.toml'), '--state-dir', state, '--runtime-config-file', runtimeConfig, '--llm-threads', '1', '--llm-seed', '1234'],
    { env: { SPIN_VARIABLE_API_TOKEN: 'tok-from-env' }, startTimeoutMs: 120_000 },
  );
});
after(async () => {
  await spin?.stop();
  await upstream?.close();
});

const get = (path: string, init?: RequestInit) => fetch(`${spin.url}${path}`, init);

describe(
  'the Python SDK app under spin-ts up',
  { skip: built ? false : 'python-sdk not built (no python3 with venv; see scripts/build-python-guests.mjs)' },
  () => {
    test('GET / answers from the handler', async () => {
      const res = await get('/');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/plain');
      assert.equal(await res.text(), "Hello from Spin's Python SDK!");
    });

    test('an unknown route is the app’s own 404', async () => {
      const res = await get('/nowhere/at/all');
      assert.equal(res.status, 404);
      assert.equal(await res.text(), 'no route for /nowhere/at/all');
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
      const del = await get('/kv/colour', { method: 'DELETE' });
      assert.equal(await del.text(), 'deleted colour');
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

    test('SQLite: a body that is not the expected JSON is a 400 saying what to send', async () => {
      const res = await get('/todos', { method: 'POST', body: 'not json' });
      assert.equal(res.status, 400);
      assert.equal(await res.text(), 'expected a JSON body like {"title": "..."}');
      const empty = await get('/todos', { method: 'POST', body: JSON.stringify({ title: '' }) });
      assert.equal(empty.status, 400);
      assert.equal(await empty.text(), 'title must be a non-empty string');
      const badQuery = await get('/todos?after=soon');
      assert.equal(badQuery.status, 400);
      assert.match(await badQuery.text(), /^bad input: invalid literal for int\(\) with base 10: 'soon'/);
    });

    test('variables: a default, one from the environment, and an undefined one', async () => {
      assert.equal(await (await get('/variables/greeting')).text(), 'hello from a Spin variable');
      assert.equal(await (await get('/variables/token')).text(), 'tok-from-env');
      const missing = await get('/variables/nothing_here');
      assert.equal(missing.status, 404);
      assert.match(await missing.text(), /^Undefined: .*nothing_here/);
    });

    test('outbound HTTP to an allowed host goes through wasi:http/outgoing-handler', async () => {
      const res = await get('/outbound', { headers: { url: `${upstream.origin}/hello` } });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'hello from upstream (python-sdk)');
      assert.equal(upstream.received.at(-1)?.headers['x-via'], 'python-sdk');
    });

    test('outbound HTTP to a host not in allowed_outbound_hosts is refused, the guest sees HttpRequestDenied', async () => {
      const before = upstream.received.length;
      const res = await get('/outbound', { headers: { url: `http://localhost:${upstream.port}/hello` } });
      assert.equal(res.status, 502);
      assert.equal(await res.text(), 'outbound request failed: HttpRequestDenied');
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

    test('MySQL to a host not in allowed_outbound_hosts is the interface’s own error in the guest, and the log names the entry to add', async () => {
      const res = await get('/mysql');
      assert.equal(res.status, 503);
      assert.equal(await res.text(), 'ConnectionFailed: address mysql://127.0.0.1 is not permitted');
      assert.match(
        spin.output(),
        /mysql: component 'python-sdk' may not connect to mysql:\/\/root@127\.0\.0\.1\/app\. To allow it, add "mysql:\/\/127\.0\.0\.1"/,
      );
    });
  },
);
