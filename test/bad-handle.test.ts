/**
 * A guest that passes a host interface a resource handle it was never given (the WAT guest
 * guest-examples/wat-bad-poll hands wasi:io/poll the handle 12345): wasmtime traps, and so
 * must spin-ts, with a message naming the call — not a 500 carrying a TypeError from inside
 * the host's implementation. The app keeps serving.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';

let spin: RunningSpin;

before(async () => {
  const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "bad-handle"
[[trigger.http]]
route = "/bad"
component = "bad"
[[trigger.http]]
route = "/ok"
component = "ok"
[component.bad]
source = "${guest('wat-bad-poll')}"
[component.ok]
source = "${guest('js-hello')}"
`);
  spin = await startSpin(['-f', manifest, '--workers', '1']);
});
after(async () => spin?.stop());

test('a bad handle passed to wasi:io/poll is a trap naming the call and the handle', async () => {
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${spin.url}/bad`);
    const body = await res.text();
    assert.equal(res.status, 500);
    assert.match(body, /guest trapped: wasi:io\/poll poll: the guest passed a resource handle \(handle 12345\) that is not a live pollable/);
    assert.doesNotMatch(body, /TypeError|BigInt/);
  }
  assert.match(spin.output(), /wasi:io\/poll poll: the guest passed a resource handle \(handle 12345\) that is not a live pollable/);
  assert.equal((await fetch(`${spin.url}/ok`)).status, 200);
});
