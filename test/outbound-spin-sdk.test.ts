/**
 * `fetch` in an app built with the official Spin JS SDK (guest-examples/spin-sdk-app's
 * GET /fetch?url=): StarlingMonkey's fetch over wasi:http/outgoing-handler, to a loopback
 * upstream its manifest allows, and refused where the manifest allows nothing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';
import { startHttpUpstream, type Upstream } from './support/upstream.js';

const WASM = guest('spin-sdk-app');

let spin: RunningSpin;
let plain: Upstream;

before(async () => {
  assert.ok(existsSync(WASM), `${WASM} is missing: run \`npm run build:guests\` (scripts/build-spin-sdk-app.mjs)`);
  plain = await startHttpUpstream();
  const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "sdk-fetch"
[[trigger.http]]
route = "/..."
component = "sdk"
[component.sdk]
source = "${WASM}"
allowed_outbound_hosts = ["http://127.0.0.1:${plain.port}"]
`);
  spin = await startSpin(['-f', manifest]);
});
after(async () => {
  await spin?.stop();
  await plain?.close();
});

describe('fetch from a Spin JS SDK app', () => {
  test('an allowed URL answers through the app', async () => {
    const res = await fetch(`${spin.url}/fetch?url=${encodeURIComponent(`${plain.origin}/hello`)}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-upstream-status'), '200');
    assert.equal(await res.text(), 'hello from upstream (wasi-http)');
  });

  test('a URL the manifest does not allow fails the fetch, and the host log names the entry to add', async () => {
    const res = await fetch(`${spin.url}/fetch?url=${encodeURIComponent('http://127.0.0.1:1/hello')}`);
    assert.equal(res.status, 502);
    assert.match(await res.text(), /^fetch failed: /);
    assert.match(spin.output(), /component 'sdk' may not send a request to http:\/\/127\.0\.0\.1:1\/hello\. To allow it, add "http:\/\/127\.0\.0\.1:1"/);
  });

  test("an upstream 404 comes back as the app's 404", async () => {
    const res = await fetch(`${spin.url}/fetch?url=${encodeURIComponent(`${plain.origin}/missing`)}`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-upstream-status'), '404');
    await res.arrayBuffer();
  });
});
