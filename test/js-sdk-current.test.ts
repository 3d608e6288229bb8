/**
 * An app in the shape of Spin's http-ts template (hono variant), with the newest Spin JS SDK
 * packages on npm (@spinframework/build-tools 1.0.7, @spinframework/wasi-http-proxy 1.0.1),
 * built by its own [component.build] command through `spin-ts build`
 * (scripts/build-js-sdk-current.mjs) and run from its own spin.toml under `spin-ts up` over real
 * HTTP: both of its routes, its middlewares (hono's logger on stdout, a `server` header), and a
 * path it has no route for.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO, guest, startSpin, type RunningSpin } from './support/spin.js';

const MANIFEST = join(REPO, 'guest-examples', 'js-sdk-current', 'spin.toml');
const WASM = guest('js-sdk-current');

let spin: RunningSpin;

before(async () => {
  assert.ok(existsSync(WASM), `${WASM} is missing: run \`npm run build:guests\` (scripts/build-js-sdk-current.mjs)`);
  spin = await startSpin(['-f', MANIFEST], { startTimeoutMs: 120_000 });
});
after(async () => spin?.stop());

const get = (path: string, init?: RequestInit) => fetch(`${spin.url}${path}`, init);

/** Waits until the server's log matches (the guest's stdout travels apart from the response). */
async function logMatches(pattern: RegExp): Promise<void> {
  for (let waited = 0; !pattern.test(spin.output()) && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  assert.match(spin.output(), pattern);
}

describe('Spin’s http-ts template (hono) under spin-ts up', () => {
  test('GET / answers the template’s text, with the header its middleware sets', async () => {
    const res = await get('/');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=UTF-8');
    assert.equal(res.headers.get('server'), 'Spin CLI');
    assert.equal(await res.text(), 'Hello, Spin!');
  });

  test('GET /hello/:name answers JSON with the decoded path parameter', async () => {
    const res = await get('/hello/ada');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.headers.get('server'), 'Spin CLI');
    assert.deepEqual(await res.json(), { message: 'Hello, ada!' });
    const encoded = await get(`/hello/${encodeURIComponent('Jürgen X')}`);
    assert.deepEqual(await encoded.json(), { message: 'Hello, Jürgen X!' });
  });

  test('hono’s logger middleware writes each request to stdout, which the log shows', async () => {
    await (await get('/hello/logged')).text();
    await logMatches(/\[js-sdk-current\] <-- GET \/hello\/logged\n/);
    await logMatches(/\[js-sdk-current\] --> GET \/hello\/logged \S*200\S* \d+ms\n/);
  });

  test('a path without a route: hono’s service-worker adapter passes it on with fetch, which the manifest does not allow', async () => {
    // `fire(app)` answers hono's 404s by fetching the request itself; spin.toml allows no
    // outbound host, so the request is refused, the handler throws, and the answer is a 500.
    const res = await get('/hello/');
    assert.equal(res.status, 500);
    await logMatches(/\[js-sdk-current\] --> GET \/hello\/ \S*404\S* \d+ms\n/);
    await logMatches(
      /outbound-http: component 'js-sdk-current' may not send a request to http:\/\/127\.0\.0\.1:\d+\/hello\/\. To allow it, add "http:\/\/127\.0\.0\.1:\d+" to allowed_outbound_hosts/,
    );
    await logMatches(/\[js-sdk-current stderr\] Error while running request handler: fetch_https: An error occurred while using the host API/);
  });
});
