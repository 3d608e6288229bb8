/**
 * Spin 1 manifests whose component ids are not kebab-case (`fileserver_static` in Spin's own
 * docs site, `mixedCase`): Spin's v1 → v2 conversion turns "_" into "-" and lowercases, and
 * so does spin-ts; an id that is still not kebab-case after that is an error naming it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guest, runCli, startSpin, writeApp } from './support/spin.js';

const HELLO = guest('js-hello');
const v1 = (components: string) => `spin_manifest_version = "1"\nname = "ids"\ntrigger = { type = "http", base = "/" }\n${components}`;
const component = (id: string, route: string) => `[[component]]\nid = "${id}"\nsource = "${HELLO}"\ntrigger = { route = "${route}" }\n`;

test('v1 ids with "_" or capitals are served under their converted ids', async () => {
  const manifest = await writeApp(v1(component('fileserver_static', '/static/...') + component('mixedCase', '/mixed')));
  const spin = await startSpin(['-f', manifest]);
  try {
    // The route lines follow "Serving" on the same stream: wait for the last one (bounded).
    for (let i = 0; i < 100 && !/mixedcase: http/.test(spin.output()); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(spin.output(), /fileserver-static: http:\/\/[^\s]+\/static/);
    assert.match(spin.output(), /mixedcase: http:\/\/[^\s]+\/mixed/);
    for (const path of ['/static/index.html', '/mixed']) {
      const res = await fetch(spin.url + path);
      assert.equal(res.status, 200, path);
      await res.arrayBuffer();
    }
  } finally {
    await spin.stop();
  }
});

test('v1 ids that meet once converted are duplicates, named as written', async () => {
  const manifest = await writeApp(v1(component('a-b', '/one') + component('a_b', '/two')));
  const r = await runCli(['up', '-f', manifest, '--listen', '127.0.0.1:0']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /component\[1\]\.id/);
  assert.match(r.stderr, /duplicate component id "a_b" \(read as "a-b"\), also used by component\[0\]/);
});

test('a v1 id still not kebab-case after the conversion is refused as written', async () => {
  const manifest = await writeApp(v1(component('9_lives', '/x')));
  const r = await runCli(['up', '-f', manifest, '--listen', '127.0.0.1:0']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /invalid component id "9_lives": ids must be kebab-case/);
});
