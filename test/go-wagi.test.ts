/**
 * A WAGI handler written in plain Go (guest-examples/go-wagi: net/http/cgi over an
 * http.ServeMux), built with the Go toolchain alone (`GOOS=wasip1 GOARCH=wasm go build`, through
 * `spin-ts build`: scripts/build-go-guests.mjs), run from its own spin.toml under `spin-ts up`
 * over real HTTP: routing, the CGI environment and argv, the body on stdin, the component's
 * files, bad input, and an exit status that is not 0.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO, guest, startSpin, type RunningSpin } from './support/spin.js';

const MANIFEST = join(REPO, 'guest-examples', 'go-wagi', 'spin.toml');
const built = existsSync(guest('go-wagi'));

let spin: RunningSpin;

before(async () => {
  if (built) spin = await startSpin(['-f', MANIFEST], { startTimeoutMs: 120_000 });
});
after(async () => spin?.stop());

const get = (path: string, init?: RequestInit) => fetch(`${spin.url}${path}`, init);

/** Waits until the server's log matches (stderr lines travel apart from the response). */
async function logMatches(pattern: RegExp): Promise<void> {
  for (let waited = 0; !pattern.test(spin.output()) && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  assert.match(spin.output(), pattern);
}

describe('a plain Go WAGI handler under spin-ts up', { skip: built ? false : 'go-wagi not built (no Go toolchain; see scripts/build-go-guests.mjs)' }, () => {
  test('GET /hello/{name} is routed by the Go ServeMux', async () => {
    const res = await get('/hello/ada');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.match(await res.text(), /^Hello, ada, from Go 1\.\d+(\.\d+)?!\n$/);
  });

  test('POST /echo reads every byte of the body from stdin and answers it back', async () => {
    const body = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
    const res = await get('/echo', { method: 'POST', body, headers: { 'content-type': 'application/x-test' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-test');
    assert.equal(res.headers.get('x-body-length'), '70000');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), body);
  });

  test('the CGI environment, argv and query string reach the Go program', async () => {
    const res = await get('/env?x=1&y=two', { headers: { 'x-trace': 'abc' } });
    assert.equal(res.status, 200);
    const seen = (await res.json()) as { vars: Record<string, string>; args: string[]; query: Record<string, string[]>; host: string };
    assert.equal(seen.vars.REQUEST_METHOD, 'GET');
    assert.equal(seen.vars.QUERY_STRING, 'x=1&y=two');
    assert.equal(seen.vars.PATH_INFO, '/env');
    assert.equal(seen.vars.SERVER_SOFTWARE, 'WAGI/1');
    assert.equal(seen.vars.X_MATCHED_ROUTE, '/...');
    assert.equal(seen.vars.HTTP_X_TRACE, 'abc');
    assert.equal(seen.vars.GREETING_SOURCE, 'spin.toml', 'the component environment from spin.toml');
    assert.deepEqual(seen.args, ['/env', 'x=1', 'y=two']);
    assert.deepEqual(seen.query, { x: ['1'], y: ['two'] });
    assert.equal(seen.host, new URL(spin.url).host);
  });

  test('POST /greet decodes JSON; bad JSON is a 400 that says what to send', async () => {
    const ok = await get('/greet', { method: 'POST', body: JSON.stringify({ name: 'go', times: 2 }) });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { greeting: 'hi go hi go' });

    const bad = await get('/greet', { method: 'POST', body: 'not json' });
    assert.equal(bad.status, 400);
    assert.equal(await bad.text(), 'expected a JSON body like {"name": "...", "times": 2}: invalid character \'o\' in literal null (expecting \'u\')\n');
    const unknown = await get('/greet', { method: 'POST', body: JSON.stringify({ name: 'go', count: 2 }) });
    assert.equal(unknown.status, 400);
    assert.match(await unknown.text(), /json: unknown field "count"/);
    const range = await get('/greet', { method: 'POST', body: JSON.stringify({ name: 'go', times: 11 }) });
    assert.equal(range.status, 422);
    assert.equal(await range.text(), 'name must be non-empty and times between 1 and 10\n');
  });

  test('the component reads its files; nothing outside them, not even its own spin.toml', async () => {
    const res = await get('/file/note.txt');
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "a file from the component's files\n");
    const missing = await get('/file/nope');
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), 'no such file: nope\n');
    const escape = await get('/file/..%2Fspin.toml');
    assert.equal(escape.status, 404);
    assert.equal(await escape.text(), 'no such file: ../spin.toml\n');
  });

  test('wrong method and unknown route are the Go ServeMux’s own answers', async () => {
    const method = await get('/echo');
    assert.equal(method.status, 405);
    assert.equal(method.headers.get('allow'), 'POST');
    const none = await get('/nowhere');
    assert.equal(none.status, 404);
    assert.equal(await none.text(), '404 page not found\n');
  });

  test('an exit status other than 0 is a 500, and the log says why', async () => {
    const res = await get('/exit/3');
    assert.equal(res.status, 500);
    assert.equal(await res.text(), 'Error: the command exited with a non-zero status\n');
    await logMatches(/\[go-wagi stderr\] go-wagi: exiting with 3 on purpose/);
    await logMatches(/\[go-wagi\] request failed: Error: the command exited with a non-zero status/);
    const bad = await get('/exit/soon');
    assert.equal(bad.status, 400);
    assert.equal(await bad.text(), 'the exit code must be a number\n');
  });
});
