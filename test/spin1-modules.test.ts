/**
 * Spin 1.x HTTP modules under `spin-ts up`: core modules exporting handle-http-request, built
 * here from Rust written against the pre-component ABI by hand (guest-examples/spin1-*), are
 * adapted at start as Spin adapts them and served with Spin's request, headers and routing;
 * their Spin 1.x imports (spin-config, wasi-outbound-http, key-value) reach the same factors
 * as the component-model interfaces. Modules that cannot run are refused at start, named.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { haveRedis, startRedis, type RunningRedis } from './support/redis.js';
import { guest, runCli, startSpin, tempDir, writeApp, type RunningSpin } from './support/spin.js';
import { startHttpUpstream, type Upstream } from './support/upstream.js';

const ECHO = guest('spin1-echo');
const OUTBOUND = guest('spin1-outbound');
const KV = guest('spin1-kv');
const REACTOR = guest('spin1-reactor');
const skip =
  !(existsSync(ECHO) && existsSync(OUTBOUND) && existsSync(KV) && existsSync(REACTOR)) &&
  'Spin 1.x modules not built (needs /usr/bin/rustc and libstd-rust-dev-wasm32)';

describe('Spin 1.x HTTP modules (handle-http-request, wit-bindgen 0.2 ABI)', { skip }, () => {
  let spin: RunningSpin;
  let upstream: Upstream;
  let upstreamOrigin: string;

  before(async () => {
    upstream = await startHttpUpstream();
    upstreamOrigin = upstream.origin;
    // A Spin 1.x manifest, as the apps of that era were written.
    const manifest = await writeApp(`spin_version = "1"
name = "spin1"
version = "1.0.0"
trigger = { type = "http", base = "/" }

[variables]
greeting = { default = "hello" }

[[component]]
id = "echo"
source = "${ECHO}"
[component.trigger]
route = "/echo/..."

[[component]]
id = "outbound"
source = "${OUTBOUND}"
allowed_http_hosts = ["${upstreamOrigin}"]
[component.config]
message = "{{ greeting }} from config"
[component.trigger]
route = "/out/..."

[[component]]
id = "closed"
source = "${OUTBOUND}"
[component.trigger]
route = "/closed/..."

[[component]]
id = "kv"
source = "${KV}"
key_value_stores = ["default"]
[component.trigger]
route = "/kv/..."

[[component]]
id = "reactor"
source = "${REACTOR}"
[component.trigger]
route = "/reactor/..."
`);
    const dir = await tempDir('spin-ts-spin1-');
    spin = await startSpin(['-f', manifest, '--state-dir', join(dir, 'state')]);
  });
  after(async () => {
    await spin?.stop();
    await upstream?.close();
  });

  test('each module is adapted at start and served by the inbound-http executor', () => {
    for (const id of ['echo', 'outbound', 'closed', 'kv', 'reactor'])
      assert.match(spin.output(), new RegExp(`component ${id}: inbound-http, module adapted in`));
  });

  test('the request arrives as Spin 1.x passes it: method, uri, Spin headers, body; the response comes back whole', async () => {
    const res = await fetch(`${spin.url}/echo/a/b?x=1`, { method: 'POST', body: 'hé there', headers: { 'x-custom': 'v' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-spin1'), 'echo');
    assert.equal(res.headers.get('content-type'), 'text/plain');
    const text = await res.text();
    const [head, body] = text.split('\n\n');
    assert.equal(body, 'hé there');
    const lines = head.split('\n');
    assert.equal(lines[0], 'method=POST');
    assert.equal(lines[1], 'uri=/echo/a/b?x=1');
    for (const h of [
      'header x-custom=v',
      'header spin-path-info=/a/b',
      'header spin-matched-route=/echo/...',
      'header spin-component-route=/echo',
      'header spin-raw-component-route=/echo/...',
      `header spin-full-url=${spin.url}/echo/a/b?x=1`,
      'header spin-base-path=/',
    ])
      assert.ok(lines.includes(h), `${h} in\n${head}`);
  });

  test('a WASI reactor (it exports _initialize, as TinyGo and Go c-shared modules do) has it run once, before its first export call', async () => {
    for (const path of ['/reactor/a', '/reactor/b']) {
      const res = await fetch(`${spin.url}${path}`);
      assert.equal(await res.text(), `ok _initialize runs=1 calls-before-it=0 uri=${path}\n`);
      assert.equal(res.status, 200);
    }
  });

  test('every method, a status the module chooses, and a 1 MiB body both ways', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await fetch(`${spin.url}/echo/m`, { method });
      assert.match(await res.text(), new RegExp(`^method=${method}\n`));
    }
    const head = await fetch(`${spin.url}/echo/m`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal((await fetch(`${spin.url}/echo/s?status=418`)).status, 418);
    const big = 'x'.repeat(1024 * 1024);
    const res = await fetch(`${spin.url}/echo/big`, { method: 'POST', body: big });
    assert.equal((await res.text()).split('\n\n')[1], big);
  });

  test('spin-config get-config reads the component config ([component.config], rendered from [variables]); errors as Spin maps them', async () => {
    const ok = await fetch(`${spin.url}/out/config?key=message`);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'hello from config');
    const undefinedKey = await fetch(`${spin.url}/out/config?key=nothing_here`);
    assert.equal(undefinedKey.status, 404);
    assert.match(await undefinedKey.text(), /^provider: /);
    const invalid = await fetch(`${spin.url}/out/config?key=Bad-Key`);
    assert.match(await invalid.text(), /^invalid-key: /);
  });

  test('wasi-outbound-http request reaches an allowed host (headers and body out, status, headers and body back); others are destination-not-allowed', async () => {
    const got = await fetch(`${spin.url}/out/fetch?url=${upstreamOrigin}/echo`);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('x-upstream'), 'yes');
    assert.equal(await got.text(), 'upstream saw GET /echo ');
    const posted = await fetch(`${spin.url}/out/fetch?url=${upstreamOrigin}/echo`, { method: 'POST', body: 'payload' });
    assert.equal(await posted.text(), 'upstream saw POST /echo payload');
    assert.deepEqual(
      upstream.received.map((r) => [r.method, r.url, r.headers['x-from']]),
      [
        ['GET', '/echo', 'spin1-outbound'],
        ['POST', '/echo', 'spin1-outbound'],
      ],
    );
    assert.equal((await fetch(`${spin.url}/out/fetch?url=${upstreamOrigin}/missing`)).status, 404);
    const denied = await fetch(`${spin.url}/closed/fetch?url=${upstreamOrigin}/echo`);
    assert.equal(denied.status, 502);
    assert.equal(await denied.text(), 'destination-not-allowed');
    assert.equal(upstream.received.length, 3);
    const invalid = await fetch(`${spin.url}/out/fetch?url=not-a-url`);
    assert.equal(await invalid.text(), 'invalid-url');
  });

  test('key-value: set, get, exists, list, delete on the default store; an undeclared store is refused', async () => {
    assert.equal((await fetch(`${spin.url}/kv/k1`, { method: 'PUT', body: 'v1 ☃' })).status, 201);
    assert.equal((await fetch(`${spin.url}/kv/k2`, { method: 'PUT', body: '' })).status, 201);
    const got = await fetch(`${spin.url}/kv/k1`);
    assert.equal(got.status, 200);
    assert.equal(await got.text(), 'v1 ☃');
    assert.equal((await fetch(`${spin.url}/kv/k1`, { method: 'HEAD' })).status, 200);
    assert.equal(await (await fetch(`${spin.url}/kv`)).text(), 'k1\nk2');
    assert.equal((await fetch(`${spin.url}/kv/k1`, { method: 'DELETE' })).status, 200);
    const gone = await fetch(`${spin.url}/kv/k1`);
    assert.equal(gone.status, 404);
    assert.equal(await gone.text(), 'no-such-key');
    assert.equal((await fetch(`${spin.url}/kv/k1`, { method: 'HEAD' })).status, 404);
    // An undeclared store is access-denied, as in Spin (every label the component does not list).
    const other = await fetch(`${spin.url}/kv/k1?store=elsewhere`);
    assert.equal(other.status, 403);
    assert.equal(await other.text(), 'access-denied');
  });
});

describe('Spin 1.x modules that cannot run are refused at start, named', { skip }, () => {
  const jco = () => import('@bytecodealliance/jco');
  const v2 = (source: string, executor = '') =>
    `spin_manifest_version = 2\n[application]\nname = "x"\n[[trigger.http]]\nroute = "/"\ncomponent = "c"\n${executor}\n[component.c]\nsource = "${source}"\n`;

  /** Writes a module from WAT beside a manifest that serves it; returns the manifest. */
  async function appWithModule(wat: string, executor = ''): Promise<string> {
    const manifest = await writeApp(v2('old.wasm', executor));
    await writeFile(join(dirname(manifest), 'old.wasm'), await (await jco()).parse(wat));
    return manifest;
  }
  const handler = '(func (export "handle-http-request") (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32) i32.const 0)';
  const realloc = '(func (export "canonical_abi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 0)';

  const cases: Array<[string, string, RegExp, string?]> = [
    [
      'an import of Spin 1.x outbound PostgreSQL',
      `(module (import "outbound-pg" "query" (func (param i32))) (memory (export "memory") 1) ${handler} ${realloc})`,
      /old\.wasm is a Spin 1\.x HTTP module \(it exports handle-http-request\), but it cannot be made into a component: it imports Spin 1\.x outbound PostgreSQL \(outbound-pg\), which spin-ts does not provide/,
    ],
    [
      'an import from a host module Spin 1.x never had',
      `(module (import "my-host" "thing" (func)) (memory (export "memory") 1) ${handler} ${realloc})`,
      /it imports my-host\.thing, which is not a Spin 1\.x host interface \(known: spin-config, wasi-outbound-http, key-value, sqlite, outbound-redis/,
    ],
    [
      'no allocator export',
      `(module (memory (export "memory") 1) ${handler})`,
      /it exports neither canonical_abi_realloc nor cabi_realloc, so the host cannot pass it a request/,
    ],
    [
      'a handler whose signature is not the ABI',
      `(module (memory (export "memory") 1) (func (export "handle-http-request")) ${realloc})`,
      /old\.wasm is a Spin 1\.x HTTP module .* cannot be made into a component: .*handle-request/s,
    ],
    [
      'a Spin 1.x module under a WAGI trigger',
      `(module (memory (export "memory") 1) ${handler} ${realloc})`,
      /old\.wasm is under a WAGI trigger, but it is not a WASI preview1 command module \(no _start export\)/,
      'executor = { type = "wagi" }',
    ],
  ];
  for (const [name, wat, message, executor] of cases) {
    test(name, async () => {
      const r = await runCli(['up', '-f', await appWithModule(wat, executor), '--listen', '127.0.0.1:0']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /component 'c': /);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
  }
});

describe(
  'Spin 1.x outbound Redis (outbound-redis → fermyon:spin/redis) against a real redis-server',
  { skip: skip || (!haveRedis() && 'redis-server not installed') },
  () => {
    let spin: RunningSpin;
    let redis: RunningRedis;
    before(async () => {
      redis = await startRedis();
      const manifest = await writeApp(`spin_version = "1"
name = "spin1-redis"
version = "1.0.0"
trigger = { type = "http", base = "/" }

# No allowed_outbound_hosts: a v1 component may reach any Redis, as Spin converts v1 manifests.
[[component]]
id = "open"
source = "${OUTBOUND}"
[component.trigger]
route = "/open/..."

[[component]]
id = "closed"
source = "${OUTBOUND}"
allowed_outbound_hosts = ["redis://127.0.0.1:1"]
[component.trigger]
route = "/closed/..."
`);
      spin = await startSpin(['-f', manifest, '--state-dir', join(await tempDir('spin-ts-spin1-redis-'), 'state')]);
    });
    after(async () => {
      await spin?.stop();
      await redis?.stop();
    });

    const call = async (path: string, query: string, body?: string) => {
      const res = await fetch(`${spin.url}${path}?addr=${redis.url}&${query}`, body === undefined ? {} : { method: 'POST', body });
      return { status: res.status, text: await res.text() };
    };

    test('set, get, incr, del, sadd, smembers, srem, publish', async () => {
      assert.deepEqual(await call('/open/redis/set', 'key=greeting', 'héllo'), { status: 200, text: 'set' });
      assert.deepEqual(await call('/open/redis/get', 'key=greeting'), { status: 200, text: 'héllo' });
      assert.deepEqual(await call('/open/redis/get', 'key=missing'), { status: 200, text: '' });
      assert.deepEqual(await call('/open/redis/incr', 'key=n'), { status: 200, text: '1' });
      assert.deepEqual(await call('/open/redis/incr', 'key=n'), { status: 200, text: '2' });
      assert.deepEqual(await call('/open/redis/sadd', 'key=s&values=a,b,c'), { status: 200, text: '3' });
      assert.deepEqual(await call('/open/redis/srem', 'key=s&values=b,x'), { status: 200, text: '1' });
      assert.deepEqual(await call('/open/redis/smembers', 'key=s'), { status: 200, text: 'a,c' });
      assert.deepEqual(await call('/open/redis/del', 'values=greeting,n,nothing'), { status: 200, text: '2' });
      assert.deepEqual(await call('/open/redis/get', 'key=greeting'), { status: 200, text: '' });
      assert.deepEqual(await call('/open/redis/publish', 'key=channel', 'message'), { status: 200, text: 'published' });
    });

    test('execute: integer, status, bulk and nil replies, and array replies as their elements', async () => {
      assert.deepEqual(await call('/open/redis/execute', 'cmd=SET&args=k,v1'), { status: 200, text: 'status:OK' });
      assert.deepEqual(await call('/open/redis/execute', 'cmd=INCRBY&args=counter,i:40'), { status: 200, text: 'int64:40' });
      assert.deepEqual(await call('/open/redis/execute', 'cmd=INCRBY&args=counter,i:-42'), { status: 200, text: 'int64:-2' });
      assert.deepEqual(await call('/open/redis/execute', 'cmd=GET&args=k'), { status: 200, text: 'binary:v1' });
      assert.deepEqual(await call('/open/redis/execute', 'cmd=GET&args=nope'), { status: 200, text: 'nil' });
      assert.deepEqual(await call('/open/redis/execute', 'cmd=MGET&args=k,nope'), { status: 200, text: 'binary:v1,nil' });
      const bad = await call('/open/redis/execute', 'cmd=NOSUCHCOMMAND');
      assert.deepEqual(bad, { status: 500, text: 'error' });
      assert.match(spin.output(), /outbound-redis: execute NOSUCHCOMMAND failed: Redis at redis:\/\/127\.0\.0\.1:\d+: .*unknown command/i);
    });

    test('an address allowed_outbound_hosts does not list is refused before connecting, and the log names the entry to add', async () => {
      assert.deepEqual(await call('/closed/redis/get', 'key=greeting'), { status: 500, text: 'error' });
      const port = new URL(redis.url).port;
      assert.match(
        spin.output(),
        new RegExp(
          `outbound-redis: component 'closed' may not connect to redis://127\\.0\\.0\\.1:${port}.*add "redis://127\\.0\\.0\\.1:${port}" to allowed_outbound_hosts`,
        ),
      );
    });

    test('a Redis that is not there, and an address that is not redis://, are the interface error with the reason in the log', async () => {
      const down = await fetch(`${spin.url}/open/redis/get?addr=redis://127.0.0.1:1&key=k`);
      assert.deepEqual({ status: down.status, text: await down.text() }, { status: 500, text: 'error' });
      assert.match(spin.output(), /outbound-redis: get failed: cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/);
      const notRedis = await fetch(`${spin.url}/open/redis/get?addr=http://127.0.0.1:1&key=k`);
      assert.equal(await notRedis.text(), 'error');
      assert.match(spin.output(), /outbound-redis: get: "http:\/\/127\.0\.0\.1:1\/" is not a redis:\/\/ or rediss:\/\/ address/);
      // The host keeps serving.
      assert.deepEqual(await call('/open/redis/incr', 'key=after'), { status: 200, text: '1' });
    });
  },
);
