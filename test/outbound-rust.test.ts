/**
 * The Rust SDK's outbound HTTP (guest-examples/rust/src/outbound.rs, Spin 1.x
 * fermyon:spin/http send-request through the hand-written ABI) under `spin-ts up`:
 * the rust-outbound guest forwards to the URL in its x-url header — a loopback upstream,
 * a denied host, a bad URL, and `self` and `<id>.spin.internal` into its own app.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';
import { startHttpUpstream, type Upstream } from './support/upstream.js';

const RUST_OUTBOUND = guest('rust-outbound');
const HELLO = guest('js-hello');

describe('Rust guest outbound HTTP (fermyon:spin/http)', { skip: !existsSync(RUST_OUTBOUND) && 'Rust guests not built' }, () => {
  let spin: RunningSpin;
  let plain: Upstream;

  before(async () => {
    plain = await startHttpUpstream();
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "rust-outbound"
[[trigger.http]]
route = "/rust/..."
component = "rust"
[[trigger.http]]
route = "/hello/..."
component = "hello"
[[trigger.http]]
route = { private = true }
component = "backend"
[component.rust]
source = "${RUST_OUTBOUND}"
allowed_outbound_hosts = ["http://127.0.0.1:${plain.port}", "http://127.0.0.1:9", "http://self", "http://backend.spin.internal"]
[component.hello]
source = "${HELLO}"
[component.backend]
source = "${HELLO}"
`);
    spin = await startSpin(['-f', manifest]);
  });
  after(async () => {
    await spin?.stop();
    await plain?.close();
  });

  const send = (url: string, init: RequestInit = {}) => fetch(`${spin.url}/rust/send`, { ...init, headers: { 'x-url': url, ...(init.headers ?? {}) } });

  test('GET an allowed upstream: status, content-type and body come back', async () => {
    const res = await send(`${plain.origin}/hello`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-upstream-status'), '200');
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.equal(await res.text(), 'hello from upstream (wasi-http)');
  });

  test('POST a body: the upstream counts it', async () => {
    const res = await send(`${plain.origin}/count`, { method: 'POST', body: 'x'.repeat(100_000) });
    assert.equal(await res.text(), '100000');
  });

  test('a host outside allowed_outbound_hosts is destination-not-allowed; a bad URL is invalid-url; nothing listening is request-error', async () => {
    const denied = await send('http://127.0.0.1:8/x');
    assert.equal(denied.status, 502);
    assert.deepEqual(await denied.json(), { error: 'destination-not-allowed' });
    const bad = await send('not a url');
    assert.deepEqual(await bad.json(), { error: 'invalid-url' });
    const refused = await send('http://127.0.0.1:9/x');
    assert.deepEqual(await refused.json(), { error: 'request-error' });
    assert.match(spin.output(), /outbound-http: GET http:\/\/127\.0\.0\.1:9\/x failed: connection-refused/);
  });

  test('a relative URL goes to the app itself; <id>.spin.internal reaches a private component', async () => {
    const self = await send('/hello/from-rust');
    assert.equal(self.status, 200);
    const echo = (await self.json()) as { headers: Record<string, string> };
    assert.equal(echo.headers['spin-path-info'], '/from-rust');
    const chained = await send('http://backend.spin.internal/deep/path');
    assert.equal(chained.status, 200);
    const echo2 = (await chained.json()) as { headers: Record<string, string> };
    assert.equal(echo2.headers['spin-path-info'], '/deep/path');
    const missing = await send('/nowhere');
    assert.equal(missing.status, 404);
  });
});
