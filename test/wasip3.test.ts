/**
 * WASIp3 (`wasi:http/handler@0.3.0`, the component model's async ABI) under `spin-ts up` on
 * Node 20, through the same HTTP trigger as 0.2 guests: an app on Spin's current Python SDK
 * (guest-examples/python-sdk-p3: spin-sdk 5.0.0, componentize-py 0.25.1 from PyPI, built by
 * scripts/build-python-p3-guests.mjs), its misbehaving routes, and hand-written components
 * (guest-examples/wat-p3-*) that cannot run without JSPI and are refused at start.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { componentExportNames } from '../host/components/p3/component-exports.js';
import { guest, REPO, runCli, startSpin, writeApp, type RunningSpin } from './support/spin.js';

const APP = join(REPO, 'guest-examples', 'python-sdk-p3');
const WASM = join(APP, 'dist', 'python-sdk-p3.wasm');
const built = existsSync(WASM);
const TIMEOUT_MS = 3000;

let spin: RunningSpin;

before(async () => {
  if (!built) return;
  spin = await startSpin(['-f', join(APP, 'spin.toml'), '--request-timeout', `${TIMEOUT_MS}ms`, '--workers', '2'], { startTimeoutMs: 180_000 });
});
after(async () => {
  await spin?.stop();
});

const get = (path: string, init?: RequestInit) => fetch(`${spin.url}${path}`, init);

/** Waits until the server's output matches `re` (log lines arrive apart from responses). */
async function logShows(re: RegExp, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!re.test(spin.output())) {
    if (Date.now() > until) assert.fail(`the log never matched ${re}:\n${spin.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stillServes(): Promise<void> {
  const res = await get('/hello');
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'Hello from Python on WASIp3!\n');
}

describe(
  'a WASIp3 app on the current Python SDK under spin-ts up',
  { skip: built ? false : 'python-sdk-p3 not built (no python3 with venv; see scripts/build-python-p3-guests.mjs)' },
  () => {
    test('it is served as wasi:http/handler@0.3 and the start log names the interfaces it gets stand-ins for', () => {
      assert.match(spin.output(), /component python-sdk-p3: wasi-http-p3, /);
      assert.match(
        spin.output(),
        /component python-sdk-p3: WASIp3; \d+ imported interfaces are not served to p3 guests yet and fail when called: .*spin:key-value\/key-value@3\.0\.0/,
      );
    });

    test('GET /hello answers through the SDK handler', async () => {
      const res = await get('/hello');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/plain');
      assert.equal(res.headers.get('content-length'), '29');
      assert.equal(await res.text(), 'Hello from Python on WASIp3!\n');
    });

    test('a 1 MiB request body streams through the guest and back unchanged', async () => {
      const body = randomBytes(1 << 20);
      const res = await get('/echo', { method: 'POST', body });
      assert.equal(res.status, 200);
      // The guest's body is a stream it writes as it reads: no length up front.
      assert.equal(res.headers.get('content-length'), null);
      const echoed = Buffer.from(await res.arrayBuffer());
      assert.equal(echoed.length, body.length);
      assert.ok(echoed.equals(body), 'the echoed bytes differ from the ones sent');
    });

    test('several echoes at once each get their own body back', async () => {
      const bodies = Array.from({ length: 4 }, (_, i) => Buffer.alloc(100_000 + i, 97 + i));
      const answers = await Promise.all(bodies.map(async (body) => Buffer.from(await (await get('/echo', { method: 'POST', body })).arrayBuffer())));
      answers.forEach((answer, i) => assert.ok(answer.equals(bodies[i]!), `echo ${i} came back different`));
    });

    test('a request header round-trips into a response header', async () => {
      const res = await get('/headers', { headers: { 'x-p3-in': 'round-trip-42' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-p3-out'), 'round-trip-42');
      assert.equal(await res.text(), 'GET /headers x-p3-in=round-trip-42\n');
    });

    test('a trap inside a callback is a 500, logged with the guest’s traceback, and the host keeps serving', async () => {
      const res = await get('/trap', { method: 'POST', body: 'some body to read first' });
      assert.equal(res.status, 500);
      assert.match(await res.text(), /guest trapped: unreachable/);
      await logShows(/\[python-sdk-p3\] request failed: guest trapped: unreachable/);
      // The exception surfaced in the SDK's callback, after the body reads had suspended the task.
      assert.match(spin.output(), /RuntimeError\('p3 guest failed on purpose after reading its body'\)/);
      assert.match(spin.output(), /componentize_py_async_support\/__init__\.py\\", line \d+, in callback/);
      await stillServes();
    });

    test('a task waiting on its own stream is a deadlock: jco traps it, a 500', async () => {
      const res = await get('/deadlock');
      assert.equal(res.status, 500);
      assert.match(await res.text(), /deadlock detected/);
      await stillServes();
    });

    test('a task that never completes is a 504 at the request deadline, and the next request is served', async () => {
      const started = Date.now();
      const res = await get('/never');
      assert.equal(res.status, 504);
      await res.text();
      assert.ok(Date.now() - started >= TIMEOUT_MS - 100, 'the 504 came before the deadline');
      await logShows(/\[python-sdk-p3\] request timed out after 3000 ms: worker terminated and replaced/);
      await stillServes();
    });

    test('an async-lowered import (the SDK’s key_value.open_default) traps naming it instead of hanging: a 500 and a log line', async () => {
      const res = await get('/kv');
      assert.equal(res.status, 500);
      assert.match(await res.text(), /spin:key-value\/key-value@3\.0\.0#Store\.open would have to suspend the guest .* needs JSPI/);
      await logShows(/\[python-sdk-p3\] request failed: guest trapped: spin:key-value\/key-value@3\.0\.0#Store\.open would have to suspend/);
      await stillServes();
    });

    test('a response body stream never closed ends with an error at the deadline instead of hanging', async () => {
      const res = await get('/unclosed');
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      const first = await reader.read();
      assert.equal(Buffer.from(first.value!).toString(), 'partial body, never finished\n');
      await assert.rejects(async () => {
        for (;;) if ((await reader.read()).done) break;
      });
      await stillServes();
    });
  },
);

const RC_APP = join(REPO, 'guest-examples', 'python-sdk-p3-rc');
const RC_WASM = join(RC_APP, 'dist', 'python-sdk-p3-rc.wasm');
describe(
  'the release-candidate spelling (Python spin-sdk 4.0.0: wasi:http/handler@0.3.0-rc-2026-03-15)',
  { skip: existsSync(RC_WASM) ? false : 'python-sdk-p3-rc not built (see scripts/build-python-p3-guests.mjs)' },
  () => {
    let rc: RunningSpin;
    before(async () => {
      rc = await startSpin(['-f', join(RC_APP, 'spin.toml'), '--workers', '1'], { startTimeoutMs: 180_000 });
    });
    after(async () => {
      await rc?.stop();
    });

    test('it exports the rc spelling and is served by the same path', async () => {
      assert.ok(componentExportNames(readFileSync(RC_WASM)).includes('wasi:http/handler@0.3.0-rc-2026-03-15'));
      assert.match(rc.output(), /component python-sdk-p3-rc: wasi-http-p3, /);
      const res = await fetch(`${rc.url}/some/path?q=1`, { method: 'POST', body: 'x' });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'Hello from the rc-2026-03-15 spelling! POST /some/path?q=1\n');
    });
  },
);

const RUST_WASM = guest('rust-sdk-p3');
describe(
  'a WASIp3 app on the official spin-sdk crate (7.0.0) under spin-ts up',
  { skip: existsSync(RUST_WASM) ? false : 'rust-sdk-p3 not built (Debian Rust 1.96; see scripts/build-rust-sdk-guests.mjs)' },
  () => {
    let rust: RunningSpin;
    before(async () => {
      rust = await startSpin(['-f', join(REPO, 'guest-examples', 'rust-sdk-p3', 'spin.toml'), '--workers', '2']);
    });
    after(async () => {
      await rust?.stop();
    });
    const call = (path: string, init?: RequestInit) => fetch(`${rust.url}${path}`, init);

    test('it is served as wasi:http/handler@0.3', () => {
      assert.match(rust.output(), /component rust-sdk-p3: wasi-http-p3, /);
    });

    test('GET /hello', async () => {
      const res = await call('/hello');
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'Hello from Rust on WASIp3!\n');
    });

    test('a 1 MiB request body is piped into the response body unchanged', async () => {
      const body = randomBytes(1 << 20);
      const res = await call('/echo', { method: 'POST', body });
      assert.equal(res.status, 200);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(body), 'the echoed bytes differ from the ones sent');
    });

    test('a request header round-trips into a response header', async () => {
      const res = await call('/headers', { method: 'PUT', headers: { 'x-p3-in': 'from-rust-test' } });
      assert.equal(res.headers.get('x-p3-out'), 'from-rust-test');
      assert.equal(await res.text(), 'PUT /headers x-p3-in=from-rust-test\n');
    });

    test('an unknown route is the app’s own 404', async () => {
      const res = await call('/nowhere');
      assert.equal(res.status, 404);
      assert.equal(await res.text(), 'no such route\n');
    });
  },
);

describe('WASIp3 components that need JSPI are refused at start, naming what needs it', () => {
  const refused = async (name: string, message: RegExp) => {
    const wasm = guest(name);
    if (!existsSync(wasm)) return assert.fail(`${wasm} is not built (npm run build:guests)`);
    const manifest = await writeApp(
      `spin_manifest_version = 2\n[application]\nname = "p3"\n[[trigger.http]]\nroute = "/..."\ncomponent = "p3"\n[component.p3]\nsource = ${JSON.stringify(wasm)}\n`,
    );
    const r = await runCli(['up', '-f', manifest, '--listen', '127.0.0.1:0']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /cannot run on Node 20: .*Node 20 has no JSPI/);
  };

  test('an async export lifted without a callback (stackful)', () =>
    refused('wat-p3-stackful', /its export wasi:http\/handler@0\.3\.0#handle is lifted async without a callback \(stackful\)/));
  test('the built-in thread.yield', () => refused('wat-p3-yield', /it imports the built-in thread\.yield/));
  test('a cooperative-thread built-in (thread.index)', () => refused('wat-p3-thread', /it uses the built-in thread\.index \(cooperative threads\)/));
});
