/**
 * docs/spec.md §5 through real HTTP: `spin-ts up` on real components (js-inbound echoes the
 * record-based request it gets; js-hello echoes its wasi:http request).
 */
import assert from 'node:assert/strict';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';

const INBOUND = guest('js-inbound');
const HELLO = guest('js-hello');
const OUTBOUND = guest('js-outbound');

const manifest = `
spin_manifest_version = 2

[application]
name = "routing-app"
version = "1.2.3"

[[trigger.http]]
route = "/cart"
component = "exact"

[[trigger.http]]
route = "/users/:id"
component = "param"

[[trigger.http]]
route = "/users/:id/books/:book_id"
component = "param2"

[[trigger.http]]
route = "/users/..."
component = "users-wild"

[[trigger.http]]
route = "/test/..."
component = "test-wild"

[[trigger.http]]
route = "/..."
component = "catch-all"

[[trigger.http]]
route = { private = true }
component = "hidden"

[[trigger.http]]
route = "/dup"
component = "first"

[[trigger.http]]
route = "/dup"
component = "second"

[[trigger.http]]
route = "/wasi/..."
component = "wasi"

[[trigger.http]]
route = "/pairs/:id/..."
component = "pairs"

${['exact', 'param', 'param2', 'users-wild', 'test-wild', 'catch-all', 'hidden', 'first', 'second']
  .map((id) => `[component.${id}]\nsource = "${INBOUND}"\nenvironment = { WHO = "${id}" }\n`)
  .join('\n')}
[component.wasi]
source = "${HELLO}"
environment = { GREETING = "hi from env" }
[component.pairs]
source = "${OUTBOUND}"
`;

interface InboundEcho {
  method: string;
  uri: string;
  headers: Record<string, string>;
  params: unknown[];
  body: string | null;
}

let spin: RunningSpin;

before(async () => {
  spin = await startSpin(['-f', await writeApp(manifest), '-e', 'EXTRA=from-cli']);
});
after(async () => spin?.stop());

async function echo(path: string, init?: RequestInit): Promise<{ status: number; json: InboundEcho; res: Response }> {
  const res = await fetch(spin.url + path, init);
  assert.equal(res.status, 200, `${path} → ${res.status}`);
  return { status: res.status, json: (await res.json()) as InboundEcho, res };
}

/** Which route served a path: the spin-raw-component-route header the guest saw. */
async function routeOf(path: string): Promise<string> {
  return (await echo(path)).json.headers['spin-raw-component-route'];
}

describe('routing (docs/spec.md §5)', () => {
  const table: Array<[path: string, route: string]> = [
    ['/cart', '/cart'],
    ['/cart/', '/cart'],
    ['/cart?x=1', '/cart'],
    ['/users/42', '/users/:id'],
    ['/users/42/books/7', '/users/:id/books/:book_id'],
    ['/users', '/users/...'],
    ['/users/', '/users/...'],
    ['/users/1/edit', '/users/...'],
    ['/usersx', '/...'],
    ['/test', '/test/...'],
    ['/anything/else', '/...'],
    ['/', '/...'],
    ['/dup', '/dup'],
  ];
  for (const [path, route] of table) {
    test(`${path} is served by ${route}`, async () => {
      assert.equal(await routeOf(path), route);
    });
  }

  test('identical routes: the last declared wins', async () => {
    const { json } = await echo('/dup');
    assert.equal(json.headers['spin-component-route'], '/dup');
    // The inbound guest cannot see its environment, so tell the components apart by the
    // shadowing log line instead.
    assert.match(spin.output(), /route \/dup of component 'first' is shadowed .* 'second'/);
  });

  test('a private route is not routable, and no match is 404 with an empty body', async () => {
    const res = await fetch(`${spin.url}/.well-known/spin/nope`);
    assert.equal(res.status, 404);
    assert.equal(await res.text(), '');
  });

  test('startup prints every route', () => {
    assert.match(spin.output(), /Available Routes:/);
    assert.match(spin.output(), /exact: http:\/\/127\.0\.0\.1:\d+\/cart\n/);
    assert.match(spin.output(), /catch-all: http:\/\/127\.0\.0\.1:\d+ \(wildcard\)/);
    const routes = spin.output().split('Available Routes:')[1];
    assert.doesNotMatch(routes, /hidden:/);
  });
});

describe('Spin request headers (docs/spec.md §5)', () => {
  test('spin-path-info for a wildcard route', async () => {
    const table: Array<[string, string]> = [
      ['/test', ''],
      ['/test/', '/'],
      ['/test/hello', '/hello'],
      ['/test/a/b?q=1', '/a/b'],
    ];
    for (const [path, info] of table) assert.equal((await echo(path)).json.headers['spin-path-info'], info, path);
  });

  test('route, base, full URL, client address and path matches', async () => {
    const { json } = await echo('/users/42/books/7?x=y');
    const h = json.headers;
    assert.equal(h['spin-matched-route'], '/users/:id/books/:book_id');
    assert.equal(h['spin-raw-component-route'], '/users/:id/books/:book_id');
    assert.equal(h['spin-component-route'], '/users/:id/books/:book_id');
    assert.equal(h['spin-base-path'], '/');
    assert.equal(h['spin-path-info'], '');
    assert.equal(h['spin-path-match-id'], '42');
    assert.equal(h['spin-path-match-book-id'], '7');
    assert.equal(h['spin-full-url'], `${spin.url.replace('127.0.0.1', '127.0.0.1')}/users/42/books/7?x=y`);
    assert.match(h['spin-client-addr'], /^127\.0\.0\.1:\d+$/);
  });

  test('wildcard routes: raw route keeps /..., component route drops it', async () => {
    const h = (await echo('/users/1/edit')).json.headers;
    assert.equal(h['spin-raw-component-route'], '/users/...');
    assert.equal(h['spin-component-route'], '/users');
    assert.equal(h['spin-matched-route'], '/users/...');
  });

  test('client headers pass through', async () => {
    const h = (await echo('/cart', { headers: { 'x-custom': 'abc' } })).json.headers;
    assert.equal(h['x-custom'], 'abc');
  });
});

describe('inbound-http guests', () => {
  test('method, uri (path and query), params empty, body always some', async () => {
    const { json } = await echo('/cart?a=1&b=2', { method: 'PUT', body: 'payload' });
    assert.equal(json.method, 'put');
    assert.equal(json.uri, '/cart?a=1&b=2');
    assert.deepEqual(json.params, []);
    assert.equal(json.body, 'payload');
    const get = await echo('/cart');
    assert.equal(get.json.body, '', 'a GET still gets an empty body, not none');
  });

  test('a method outside the enum is 405 without calling the guest', async () => {
    const res = await fetch(`${spin.url}/cart`, { method: 'PROPFIND' });
    assert.equal(res.status, 405);
  });

  test('a guest status outside 100–600 is 500', async () => {
    const res = await fetch(`${spin.url}/cart?status=700`);
    assert.equal(res.status, 500);
  });

  test('the guest status and headers reach the client', async () => {
    const res = await fetch(`${spin.url}/cart?status=201`);
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-guest'), 'js-inbound');
    assert.equal(res.headers.get('content-type'), 'application/json');
  });
});

describe('wasi:http guests', () => {
  test('method, path with query, headers, body and environment (manifest and -e)', async () => {
    const res = await fetch(`${spin.url}/wasi/x?y=1`, { method: 'POST', body: 'ping', headers: { 'x-a': 'b' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-guest'), 'js-hello');
    const j = (await res.json()) as { method: string; pathWithQuery: string; headers: Record<string, string>; body: string; env: Record<string, string> };
    assert.equal(j.method, 'POST');
    assert.equal(j.pathWithQuery, '/wasi/x?y=1');
    assert.equal(j.body, 'ping');
    assert.equal(j.headers['x-a'], 'b');
    assert.equal(j.headers['spin-path-info'], '/x');
    assert.equal(j.env.GREETING, 'hi from env');
    assert.equal(j.env.EXTRA, 'from-cli');
  });

  test('client-sent spin-* headers never reach the guest: it sees only the ones the host set', async () => {
    const forged = {
      'spin-full-url': 'http://evil.example/forged',
      'spin-client-addr': '6.6.6.6:6',
      'spin-path-info': '/forged',
      'spin-matched-route': '/forged/...',
      'spin-base-path': '/forged',
      'spin-raw-component-route': '/forged',
      'spin-component-route': '/forged',
      'spin-path-match-id': 'forged',
      'spin-path-match-admin': 'forged',
      'Spin-Anything-Else': 'forged',
    };
    const res = await fetch(`${spin.url}/pairs/7/headers?q=1`, { headers: forged });
    assert.equal(res.status, 200);
    const pairs = (await res.json()) as Array<[string, string]>;
    const spinPairs = pairs.filter(([name]) => name.toLowerCase().startsWith('spin-'));
    assert.deepEqual(
      spinPairs.filter(([, value]) => /forged|evil|6\.6\.6\.6/.test(value)),
      [],
    );
    const names = spinPairs.map(([name]) => name);
    assert.equal(new Set(names).size, names.length, `one copy of each: ${names.join(', ')}`);
    const h = new Map(spinPairs);
    assert.equal(h.get('spin-full-url'), `${spin.url}/pairs/7/headers?q=1`);
    assert.match(h.get('spin-client-addr') ?? '', /^127\.0\.0\.1:\d+$/);
    assert.equal(h.get('spin-path-info'), '/headers');
    assert.equal(h.get('spin-path-match-id'), '7');
    assert.equal(h.has('spin-path-match-admin'), false);
    assert.equal(h.has('spin-anything-else'), false);
  });

  test('two HEAD requests on one keep-alive connection: each gets the head of the GET, and the connection stays open', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const head = (path: string) =>
      new Promise<{ res: IncomingMessage; reused: boolean }>((resolve, reject) => {
        const req = httpRequest(`${spin.url}${path}`, { method: 'HEAD', agent }, (res) => {
          res.resume();
          res.once('end', () => resolve({ res, reused: req.reusedSocket }));
        });
        req.once('error', reject);
        req.end();
      });
    try {
      const first = await head('/wasi/one');
      const second = await head('/wasi/two');
      for (const { res } of [first, second]) {
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['x-guest'], 'js-hello');
        assert.equal(res.headers['content-type'], 'application/json');
        assert.match(res.headers['content-length'] ?? '', /^\d+$/);
      }
      assert.equal(second.reused, true, 'the second HEAD went over the connection of the first');
    } finally {
      agent.destroy();
    }
    assert.doesNotMatch(spin.output(), /ERR_HTTP_HEADERS_SENT/);
  });

  test('a large body round-trips', async () => {
    const big = 'x'.repeat(1 << 20);
    const res = await fetch(`${spin.url}/wasi/big`, { method: 'POST', body: big });
    const j = (await res.json()) as { body: string };
    assert.equal(j.body.length, big.length);
  });
});

describe('well-known routes', () => {
  test('health answers OK', async () => {
    const res = await fetch(`${spin.url}/.well-known/spin/health`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'OK');
  });

  test('info names the app and its version', async () => {
    const res = await fetch(`${spin.url}/.well-known/spin/info`);
    assert.equal(res.status, 200);
    const j = (await res.json()) as { name: string; version: string };
    assert.equal(j.name, 'routing-app');
    assert.equal(j.version, '1.2.3');
  });

  test('other paths under /.well-known/spin/ are 404 even with a catch-all route', async () => {
    assert.equal((await fetch(`${spin.url}/.well-known/spin/other`)).status, 404);
  });
});
