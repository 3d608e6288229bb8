/**
 * An app built with the official Spin JS SDK (guest-examples/spin-sdk-app: itty-router,
 * @spinframework/wasi-http-proxy and @spinframework/spin-llm, componentized by
 * @spinframework/build-tools' j2w exactly as Spin's http-js template does), run unmodified
 * under `spin-ts up` over real HTTP, with the real llama.cpp engine behind
 * fermyon:spin/llm on the generated `tiny-predictable` model.
 * scripts/build-spin-sdk-app.mjs builds it (npm run build:guests).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateIntoStateDir } from './support/models.js';
import { REPO, guest, startSpin, tempDir, writeApp, type RunningSpin } from './support/spin.js';

const MANIFEST = join(REPO, 'guest-examples', 'spin-sdk-app', 'spin.toml');
const WASM = guest('spin-sdk-app');

let spin: RunningSpin;
let state: string;

before(async () => {
  assert.ok(existsSync(WASM), `${WASM} is missing: run \`npm run build:guests\` (scripts/build-spin-sdk-app.mjs)`);
  state = join(await tempDir('spin-ts-sdk-app-'), 'state');
  await generateIntoStateDir('tiny-predictable', state, 'llama2-chat');
  spin = await startSpin(['-f', MANIFEST, '--state-dir', state, '--llm-threads', '1']);
});
after(async () => spin?.stop());

describe('the Spin JS SDK app under spin-ts up', () => {
  test('starts from its template-shaped spin.toml and lists its wildcard route', async () => {
    // The route list follows the "Serving" line, possibly in a later chunk.
    const route = /spin-sdk-app: http:\/\/127\.0\.0\.1:\d+ \(wildcard\)/;
    for (let waited = 0; !route.test(spin.output()) && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    assert.match(spin.output(), route);
  });

  test('GET / answers the hello text', async () => {
    const res = await fetch(`${spin.url}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.equal(await res.text(), 'Hello from the Spin JS SDK!\n');
  });

  test('GET /info sees the request as a Spin component does, Spin headers included', async () => {
    const res = await fetch(`${spin.url}/info?x=1`, { headers: { 'user-agent': 'spin-sdk-app-test' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const info = (await res.json()) as { method: string; url: string; headers: Record<string, string | null> };
    assert.equal(info.method, 'GET');
    assert.equal(info.url, `${spin.url}/info?x=1`);
    assert.deepEqual(info.headers, {
      'spin-full-url': `${spin.url}/info?x=1`,
      'spin-path-info': '/info',
      'spin-matched-route': '/...',
      'spin-component-route': '',
      'user-agent': 'spin-sdk-app-test',
    });
  });

  test("POST /infer runs the SDK's infer (its default params) through the real engine", async () => {
    const res = await fetch(`${spin.url}/infer`, { method: 'POST', body: 'a' });
    assert.equal(res.status, 200, await res.clone().text());
    // The SDK sends temperature 0.8, top-p 0.9, top-k 40, repeat penalty 1.1 and max 100
    // tokens; tiny-predictable's output stays greedy under them, so the text is exact.
    assert.deepEqual(await res.json(), {
      text: 'bcdefghijklmnopqrstuvwxyz',
      usage: { promptTokenCount: 2, generatedTokenCount: 25 },
    });
  });

  test("an unknown route is itty-router's 404", async () => {
    const res = await fetch(`${spin.url}/no/such/route`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { status: 404, error: 'Not Found' });
  });

  test('a method the router does not serve is a 404 too', async () => {
    const res = await fetch(`${spin.url}/infer`);
    assert.equal(res.status, 404);
    await res.body?.cancel();
  });
});

describe('LLM errors reach the SDK app as thrown errors', () => {
  test('without the model in ai_models, infer throws and the app answers 500 with the message', async () => {
    // The same component, from a manifest that grants it no models.
    const manifest = await writeApp(`
spin_manifest_version = 2
[application]
name = "spin-sdk-app-no-models"

[[trigger.http]]
route = "/..."
component = "spin-sdk-app"

[component.spin-sdk-app]
source = "${WASM}"
`);
    const denied = await startSpin(['-f', manifest, '--state-dir', state, '--llm-threads', '1']);
    try {
      const res = await fetch(`${denied.url}/infer`, { method: 'POST', body: 'a' });
      assert.equal(res.status, 500);
      assert.equal(
        await res.text(),
        "invalid-input: The component does not have access to use 'llama2-chat'. To give the component access, add 'llama2-chat' to the 'ai_models' key for the component in your spin.toml manifest",
      );
    } finally {
      await denied.stop();
    }
  });
});
