/**
 * Requests from a guest into its own app, in-process: `self` (a relative URL) through the
 * routes as a client request, and `<component>.spin.internal` straight to a component,
 * private ones included — with Spin's headers, the allow-list, 404s, and bodies streamed
 * both ways through two guests.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';
import { MIB, rssOf, startHttpUpstream, type Upstream } from './support/upstream.js';

const OUTBOUND = guest('js-outbound');
const HELLO = guest('js-hello');
const BODY = guest('js-body');

let spin: RunningSpin;
let plain: Upstream;

before(async () => {
  for (const w of [OUTBOUND, HELLO, BODY]) assert.ok(existsSync(w), `${w} is missing: run \`npm run build:guests\``);
  plain = await startHttpUpstream();
  const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "chaining"
[[trigger.http]]
route = "/out/..."
component = "out"
[[trigger.http]]
route = "/relay/..."
component = "relay"
[[trigger.http]]
route = "/closed/..."
component = "closed"
[[trigger.http]]
route = "/alt/..."
component = "alt"
[[trigger.http]]
route = "/hello/..."
component = "hello"
[[trigger.http]]
route = { private = true }
component = "backend"
[[trigger.http]]
route = { private = true }
component = "body"
[component.out]
source = "${OUTBOUND}"
allowed_outbound_hosts = ["http://self", "http://backend.spin.internal", "http://body.spin.internal", "http://relay.spin.internal"]
[component.relay]
source = "${OUTBOUND}"
allowed_outbound_hosts = ["http://127.0.0.1:${plain.port}", "http://*.spin.internal"]
[component.closed]
source = "${OUTBOUND}"
allowed_outbound_hosts = ["http://127.0.0.1:1"]
[component.alt]
source = "${OUTBOUND}"
allowed_outbound_hosts = ["http://self.alt"]
[component.hello]
source = "${HELLO}"
[component.backend]
source = "${HELLO}"
[component.body]
source = "${BODY}"
`);
  spin = await startSpin(['-f', manifest]);
});
after(async () => {
  await spin?.stop();
  await plain?.close();
});

/** A request from the `out` guest to `authority` + `path` (empty authority: a relative URL, i.e. self). */
const from = (component: string, authority: string, path: string) =>
  fetch(`${spin.url}/${component}/raw?authority=${encodeURIComponent(authority)}&path=${encodeURIComponent(path)}`);

describe('requests into the app itself', () => {
  test("self: a relative URL goes through the routes like a client request, with the route's spin headers", async () => {
    const res = await from('out', '', '/hello/a/b?x=1');
    assert.equal(res.status, 200);
    const echo = (await res.json()) as { pathWithQuery: string; headers: Record<string, string> };
    assert.equal(echo.pathWithQuery, '/hello/a/b?x=1');
    assert.equal(echo.headers['spin-path-info'], '/a/b');
    assert.equal(echo.headers['spin-matched-route'], '/hello/...');
    assert.equal(echo.headers['spin-component-route'], '/hello');
    assert.equal(echo.headers['spin-full-url'], `${spin.url}/hello/a/b?x=1`);
  });

  test('self: a path no route matches is 404; a private component is not reachable through the routes', async () => {
    const res = await from('out', '', '/nowhere');
    assert.equal(res.status, 404);
    await res.arrayBuffer();
    const health = await from('out', '', '/.well-known/spin/health');
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'OK');
  });

  test('<id>.spin.internal reaches a component with only a private route, with the headers Spin gives a chained request', async () => {
    const res = await from('out', 'backend.spin.internal', '/x/y?q=1');
    assert.equal(res.status, 200);
    const echo = (await res.json()) as { pathWithQuery: string; headers: Record<string, string> };
    assert.equal(echo.pathWithQuery, '/x/y?q=1');
    assert.equal(echo.headers['spin-path-info'], '/x/y');
    assert.equal(echo.headers['spin-matched-route'], '/...');
    assert.equal(echo.headers['spin-component-route'], '');
    assert.equal(echo.headers['spin-client-addr'], '0.0.0.0:0');
    assert.equal(echo.headers['spin-full-url'], 'http://backend.spin.internal/x/y?q=1');
  });

  test('a chain the allow-list does not name is HTTP-request-denied, with the entry to add in the log', async () => {
    const closed = await from('closed', 'backend.spin.internal', '/x');
    assert.equal(closed.status, 502);
    assert.deepEqual(await closed.json(), { error: 'HTTP-request-denied' });
    assert.match(
      spin.output(),
      /component 'closed' may not send a request to http:\/\/backend\.spin\.internal\/x\. To allow it, add "http:\/\/backend\.spin\.internal"/,
    );
    const other = await from('out', 'hello.spin.internal', '/x');
    assert.deepEqual(await other.json(), { error: 'HTTP-request-denied' });
    const self = await from('closed', '', '/hello/x');
    assert.deepEqual(await self.json(), { error: 'HTTP-request-denied' });
  });

  test('a chain to a component the app does not have is internal-error naming it', async () => {
    const res = await from('relay', 'nosuch.spin.internal', '/x');
    assert.equal(res.status, 502);
    assert.deepEqual(await res.json(), { error: "internal-error: the app has no component 'nosuch'" });
  });

  test('under *.spin.internal only <component-id>.spin.internal is chaining: a.b.spin.internal is refused, never looked up in DNS', async () => {
    for (const host of ['a.b.spin.internal', 'relay.x.spin.internal', 'spin.internal', 'backend.spin.internal.']) {
      const before = spin.output().length;
      const res = await from('relay', host, '/x');
      assert.equal(res.status, 502, host);
      const { error } = (await res.json()) as { error: string };
      assert.match(error, /^internal-error: .* names no component: service chaining is http:\/\/<component-id>\.spin\.internal/, host);
      assert.doesNotMatch(error, /DNS|destination-not-found/i, host);
      assert.match(spin.output().slice(before), /outbound-http: component 'relay' sent a request to http:\/\/.* refused: .* names no component/, host);
    }
  });

  test('http://self.alt/<route> is a self request, allowed by http://self or http://self.alt, as Spin does', async () => {
    for (const component of ['out', 'alt']) {
      const res = await from(component, 'self.alt', '/hello/alt?y=2');
      assert.equal(res.status, 200, component);
      const echo = (await res.json()) as { pathWithQuery: string; headers: Record<string, string> };
      assert.equal(echo.pathWithQuery, '/hello/alt?y=2');
      assert.equal(echo.headers['spin-full-url'], `${spin.url}/hello/alt?y=2`);
      assert.equal(echo.headers['spin-matched-route'], '/hello/...');
    }
    const denied = await from('closed', 'self.alt', '/hello/x');
    assert.deepEqual(await denied.json(), { error: 'HTTP-request-denied' });
  });

  test('bodies stream both ways: 20 MiB uploaded into a private component, 20 MiB relayed back through two guests', async () => {
    const pid = spin.proc.pid!;
    const base = rssOf(pid);
    const up = await fetch(`${spin.url}/out/upload?mb=20&url=${encodeURIComponent('http://body.spin.internal/count')}`);
    assert.equal(up.status, 200);
    assert.equal(await up.text(), `${20 * MIB}\n`);
    const target = `http://relay.spin.internal/proxy?url=${encodeURIComponent(`${plain.origin}/big?mb=20`)}`;
    const down = await fetch(`${spin.url}/out/proxy?url=${encodeURIComponent(target)}`);
    assert.equal(down.status, 200);
    let n = 0;
    for await (const chunk of down.body!) n += (chunk as Uint8Array).length;
    assert.equal(n, 20 * MIB);
    console.log(`chained 20 MiB up and 20 MiB down: host RSS ${(base / MIB).toFixed(1)} → ${(rssOf(pid) / MIB).toFixed(1)} MiB`);
  });
});
