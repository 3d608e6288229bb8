/**
 * Spin's allowed_outbound_hosts rules (spinframework/spin crates/outbound-networking,
 * config/allowed_hosts), each named, allowed and denied, through the guest side's decision.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllowedHost, suggestedEntry } from './allowed-hosts.js';
import { decide } from './guest.js';

function allows(entries: string[], url: string): boolean | string {
  const u = new URL(url);
  const d = decide(
    entries.map((e) => parseAllowedHost(e)),
    u.protocol.slice(0, -1),
    u.host,
    `${u.pathname}${u.search}`,
  );
  return d.ok ? true : d.code.tag === 'HTTP-request-denied' ? false : d.code.tag;
}

test("rule: scheme://host without a port means the scheme's well-known port", () => {
  assert.equal(allows(['http://example.com'], 'http://example.com/x'), true);
  assert.equal(allows(['http://example.com'], 'http://example.com:80/x'), true);
  assert.equal(allows(['http://example.com'], 'http://example.com:8080/x'), false);
  assert.equal(allows(['https://example.com'], 'http://example.com/'), false);
  assert.equal(allows(['http://example.com'], 'http://other.com/'), false);
});

test('rule: an explicit port allows that port only', () => {
  assert.equal(allows(['http://localhost:3001'], 'http://localhost:3001/'), true);
  assert.equal(allows(['http://localhost:3001'], 'http://localhost:3002/'), false);
});

test('rule: * for the scheme, the host or the port', () => {
  assert.equal(allows(['*://example.com:443'], 'https://example.com/'), true);
  assert.equal(allows(['*://example.com:443'], 'http://example.com:443/'), true);
  assert.equal(allows(['https://*'], 'https://anything.org/'), true);
  assert.equal(allows(['https://*'], 'http://anything.org/'), false);
  assert.equal(allows(['http://localhost:*'], 'http://localhost:12345/'), true);
  assert.equal(allows(['*://*:*'], 'https://x.y:1/'), true);
});

test('rule: *.domain allows subdomains, not the domain itself nor IPs', () => {
  assert.equal(allows(['https://*.example.com'], 'https://api.example.com/'), true);
  assert.equal(allows(['https://*.example.com'], 'https://a.b.example.com/'), true);
  assert.equal(allows(['https://*.example.com'], 'https://example.com/'), false);
  assert.equal(allows(['https://*.example.com'], 'https://evil-example.com/'), false);
});

test('rule: a port range a..b allows a up to b, b excluded', () => {
  assert.equal(allows(['http://localhost:4444..5555'], 'http://localhost:4444/'), true);
  assert.equal(allows(['http://localhost:4444..5555'], 'http://localhost:5554/'), true);
  assert.equal(allows(['http://localhost:4444..5555'], 'http://localhost:5555/'), false);
});

test('rule: IP CIDR ranges allow addresses inside them', () => {
  assert.equal(allows(['*://127.0.0.0/24:80'], 'http://127.0.0.9/'), true);
  assert.equal(allows(['*://127.0.0.0/24:80'], 'http://127.0.1.9/'), false);
  assert.equal(allows(['*://127.0.0.0/24:80'], 'http://localhost/'), false);
  assert.throws(() => parseAllowedHost('*://127.0.0.0/24'), /no port was given/);
});

test('rule: self allows relative requests, which go to the app itself', () => {
  const d = decide([parseAllowedHost('http://self')], 'http', undefined, '/x?y=1');
  assert.deepEqual(d.ok ? [d.url.href, d.internal] : d.code.tag, ['http://self/x?y=1', { self: true }]);
  const denied = decide([parseAllowedHost('https://example.com')], 'http', undefined, '/x');
  assert.deepEqual(denied.ok ? 'ok' : [denied.code.tag, denied.entry], ['HTTP-request-denied', 'http://self']);
});

test('rule: <id>.spin.internal needs a service-chaining entry, and goes to that component', () => {
  assert.equal(allows(['http://*.spin.internal'], 'http://backend.spin.internal/x'), true);
  assert.equal(allows(['http://backend.spin.internal'], 'http://backend.spin.internal/x'), true);
  const d = decide([parseAllowedHost('http://*.spin.internal')], 'http', 'backend.spin.internal', '/x');
  assert.deepEqual(d.ok ? d.internal : d.code.tag, { component: 'backend' });
  assert.equal(allows(['http://backend.spin.internal'], 'http://other.spin.internal/x'), false);
  assert.equal(allows(['https://example.com'], 'http://backend.spin.internal/x'), false);
});

test('rule: only <id>.spin.internal is chaining; any other host under .spin.internal stays in the app, refused', () => {
  for (const host of ['a.b.spin.internal', 'spin.internal', 'backend.spin.internal.', 'X.Y.SPIN.INTERNAL']) {
    const d = decide([parseAllowedHost('http://*.spin.internal'), parseAllowedHost('*://*:*')], 'http', host, '/x');
    assert.equal(d.ok, false, host);
    if (!d.ok) assert.match(String(d.code.val), /names no component/, host);
  }
});

test('rule: http://self.alt is a self request, allowed by self or self.alt entries (http or https), as Spin does', () => {
  for (const entry of ['http://self', 'http://self.alt', 'https://self', '*://*:*']) {
    const d = decide([parseAllowedHost(entry)], 'http', 'self.alt', '/x?y=1');
    assert.deepEqual(d.ok ? [d.url.href, d.internal] : d.code.tag, ['http://self/x?y=1', { self: true }], entry);
  }
  assert.equal(allows(['https://example.com'], 'http://self.alt/x'), false);
});

test('rule: entries that Spin refuses', () => {
  assert.throws(() => parseAllowedHost('example.com'), /has no scheme/);
  assert.throws(() => parseAllowedHost('*'), /is not an allowed outbound host/);
  assert.throws(() => parseAllowedHost('http://example.com/a'), /has a path/);
  assert.throws(() => parseAllowedHost('http://example.com:6666/a/b'), /has a path/);
  assert.throws(() => parseAllowedHost('http://ex*ample.com'), /only as subdomains/);
  assert.throws(() => parseAllowedHost('http://*.ex*.com'), /only as prefixes/);
  assert.throws(() => parseAllowedHost('ftp://example.com'), /no well-known port/);
  assert.throws(() => parseAllowedHost('http://[::1]'), /port/);
  assert.doesNotThrow(() => parseAllowedHost('http://[::1]:8001'));
  assert.doesNotThrow(() => parseAllowedHost('http://example.com/'));
});

test('the suggested entry for a denied URL leaves out the well-known port', () => {
  assert.equal(suggestedEntry({ scheme: 'https', host: 'api.example.com', port: undefined }), 'https://api.example.com');
  assert.equal(suggestedEntry({ scheme: 'http', host: '127.0.0.1', port: 8080 }), 'http://127.0.0.1:8080');
});
