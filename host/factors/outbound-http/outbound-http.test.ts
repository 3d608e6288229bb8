/**
 * The outbound-http factor through the factor harness: its guest side (fermyon:spin/http
 * send-request, plain records across the harness) wired to its real service and undici,
 * against a server on 127.0.0.1; allow-list decisions, the denial log line, templates
 * checked at start and the runtime-config section.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { factorHarness } from '../testing/harness.js';
import { outboundHttpFactor } from './index.js';

const manifest = (hosts: string, vars = '') => `spin_manifest_version = 2
[application]
name = "out"
${vars}
[[trigger.http]]
route = "/..."
component = "web"
[component.web]
source = "web.wasm"
allowed_outbound_hosts = ${hosts}
`;

async function withServer(fn: (port: number) => Promise<void>): Promise<void> {
  const server = createServer((req, res) => res.writeHead(201, { 'x-seen': req.method ?? '' }).end('made'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.close();
  }
}

const get = (uri: string): [string, string, unknown[]] => [
  'fermyon:spin/http',
  'sendRequest',
  [{ method: 'post', uri, headers: [['x-a', 'b']], params: [], body: new TextEncoder().encode('hi') }],
];

test('outbound-http: an allowed request goes out and its whole response comes back', async () => {
  await withServer(async (port) => {
    const h = await factorHarness(outboundHttpFactor, { manifest: manifest(`["http://127.0.0.1:${port}"]`), component: 'web' });
    try {
      const r = await h.call(...get(`http://127.0.0.1:${port}/x`));
      assert.ok(r.ok, JSON.stringify(r));
      const v = r.value as { status: number; headers: Array<[string, string]>; body: Uint8Array };
      assert.equal(v.status, 201);
      assert.ok(v.headers.some(([k, val]) => k === 'x-seen' && val === 'POST'));
      assert.equal(new TextDecoder().decode(v.body), 'made');
    } finally {
      await h.close();
    }
  });
});

test('outbound-http: a denied request is destination-not-allowed and one host log line names the entry to add', async () => {
  const h = await factorHarness(outboundHttpFactor, { manifest: manifest('["https://example.com"]'), component: 'web' });
  try {
    const r = await h.call(...get('http://127.0.0.1:9/secret'));
    assert.deepEqual(!r.ok && r.error, 'destination-not-allowed');
    assert.equal(h.logs.length, 1);
    assert.match(
      h.logs[0]!,
      /component 'web' may not send a request to http:\/\/127\.0\.0\.1:9\/secret\. To allow it, add "http:\/\/127\.0\.0\.1:9" to allowed_outbound_hosts/,
    );
  } finally {
    await h.close();
  }
});

test('outbound-http: an unparsable URL is invalid-url; a refused connection is request-error', async () => {
  const h = await factorHarness(outboundHttpFactor, { manifest: manifest('["http://127.0.0.1:*"]'), component: 'web' });
  try {
    const bad = await h.call(...get('not a url'));
    assert.deepEqual(!bad.ok && bad.error, 'invalid-url');
    const refused = await h.call(...get('http://127.0.0.1:9/'));
    assert.deepEqual(!refused.ok && refused.error, 'request-error');
  } finally {
    await h.close();
  }
});

test('outbound-http: {{ variable }} entries are rendered at start and checked with their values', async () => {
  await withServer(async (port) => {
    const vars = `[variables]\nupstream = { default = "http://127.0.0.1:${port}" }`;
    const h = await factorHarness(outboundHttpFactor, { manifest: manifest('["{{ upstream }}"]', vars), component: 'web' });
    try {
      const r = await h.call(...get(`http://127.0.0.1:${port}/`));
      assert.ok(r.ok, JSON.stringify(r));
    } finally {
      await h.close();
    }
  });
  await assert.rejects(
    factorHarness(outboundHttpFactor, { manifest: manifest('["{{ upstream }}"]', '[variables]\nupstream = { default = "127.0.0.1" }'), component: 'web' }),
    /allowed_outbound_hosts: "\{\{ upstream \}\}" becomes "127\.0\.0\.1" with the app's variables, which is not allowed: "127\.0\.0\.1" has no scheme/,
  );
});

test('outbound-http: a bad entry is a manifest error with its line', async () => {
  await assert.rejects(
    factorHarness(outboundHttpFactor, { manifest: manifest('["http://example.com/path"]'), component: 'web' }),
    /allowed_outbound_hosts\[0\] \(line 10, column 1\).*has a path/,
  );
});

test('outbound-http: [outbound_http] is read (connection_pooling, max_concurrent_requests) and checked', async () => {
  const h = await factorHarness(outboundHttpFactor, {
    manifest: manifest('[]'),
    component: 'web',
    runtimeConfig: '[outbound_http]\nconnection_pooling = false\nmax_concurrent_requests = 4\n',
  });
  await h.close();
  await assert.rejects(
    factorHarness(outboundHttpFactor, { manifest: manifest('[]'), component: 'web', runtimeConfig: '[outbound_http]\nmax_concurent_requests = 4\n' }),
    /unknown key "max_concurent_requests"/,
  );
});
