/** The Rust examples under `spin-ts up`, over real HTTP (the LLM one is in llm.test.ts, the trap in isolation.test.ts). */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';

const RUST_HELLO = guest('rust-hello');
let spin: RunningSpin;

before(async () => {
  const manifest = await writeApp(`
spin_manifest_version = 2
[application]
name = "rust"
[[trigger.http]]
route = "/rust-hello/..."
component = "rust-hello"
[component.rust-hello]
source = "${RUST_HELLO}"
`);
  spin = await startSpin(['-f', manifest]);
});
after(async () => spin?.stop());

test('rust-hello echoes method, uri, Spin headers and body', { skip: !existsSync(RUST_HELLO) && 'Rust guests not built' }, async () => {
  const res = await fetch(`${spin.url}/rust-hello/x?y=1`, { method: 'POST', body: 'héllo 🦀', headers: { 'content-type': 'text/plain' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-guest'), 'rust-hello');
  const text = await res.text();
  assert.match(text, /^method=POST$/m);
  assert.match(text, /^uri=\/rust-hello\/x\?y=1$/m);
  assert.match(text, /^header content-type: text\/plain$/m);
  assert.match(text, /^header spin-path-info: \/x$/m);
  assert.match(text, /^header spin-component-route: \/rust-hello$/m);
  assert.match(text, /body=héllo 🦀$/);
});

test('an empty body arrives as an empty body (inbound-http bodies are always some)', { skip: !existsSync(RUST_HELLO) && 'Rust guests not built' }, async () => {
  const text = await (await fetch(`${spin.url}/rust-hello`)).text();
  assert.match(text, /^method=GET$/m);
  assert.match(text, /body=$/);
});
