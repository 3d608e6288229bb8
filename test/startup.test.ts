/** v1 and v2 manifests serve the same app, and the transpile cache makes a second start skip jco. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { guest, startSpin, tempDir, writeApp } from './support/spin.js';

const HELLO = guest('js-hello');

describe('manifest versions', () => {
  test('a v1 manifest serves like its v2 twin', async () => {
    const v1 = await writeApp(`
spin_manifest_version = "1"
name = "v1-app"
version = "0.9.0"
trigger = { type = "http", base = "/" }

[[component]]
id = "hello"
source = "${HELLO}"
environment = { FROM = "v1" }
[component.trigger]
route = "/hello/..."
`);
    const spin = await startSpin(['-f', v1]);
    try {
      const res = await fetch(`${spin.url}/hello/there`);
      assert.equal(res.status, 200);
      const j = (await res.json()) as { env: Record<string, string>; headers: Record<string, string> };
      assert.equal(j.env.FROM, 'v1');
      assert.equal(j.headers['spin-path-info'], '/there');
      const info = (await (await fetch(`${spin.url}/.well-known/spin/info`)).json()) as { name: string; version: string };
      assert.deepEqual([info.name, info.version], ['v1-app', '0.9.0']);
    } finally {
      await spin.stop();
    }
  });

  test('-f accepts a directory holding spin.toml', async () => {
    const manifest = await writeApp(
      `spin_manifest_version = 2\n[application]\nname = "d"\n[[trigger.http]]\nroute = "/..."\ncomponent = "hello"\n[component.hello]\nsource = "${HELLO}"\n`,
    );
    const spin = await startSpin(['-f', manifest.replace(/\/spin\.toml$/, '')]);
    try {
      assert.equal((await fetch(`${spin.url}/`)).status, 200);
    } finally {
      await spin.stop();
    }
  });
});

describe('transpile cache', () => {
  test('the second `up` finds the transpiled component on disk', async () => {
    const cache = await tempDir('spin-ts-cache-');
    const manifest = await writeApp(
      `spin_manifest_version = 2\n[application]\nname = "c"\n[[trigger.http]]\nroute = "/..."\ncomponent = "hello"\n[component.hello]\nsource = "${HELLO}"\n`,
    );
    const startAndServe = async () => {
      const started = Date.now();
      const spin = await startSpin(['-f', manifest], { env: { SPIN_TS_CACHE_DIR: cache } });
      const res = await fetch(`${spin.url}/`);
      assert.equal(res.status, 200);
      await res.body?.cancel();
      const ms = Date.now() - started;
      await spin.stop();
      return { out: spin.output(), ms };
    };
    const first = await startAndServe();
    assert.match(first.out, /component hello: wasi-http, transpiled in \d+ ms/);
    const second = await startAndServe();
    assert.match(second.out, /component hello: wasi-http, transpile cache hit/);
    assert.ok(second.ms < first.ms, `cached start ${second.ms} ms < first ${first.ms} ms`);
  });
});
