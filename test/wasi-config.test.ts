/**
 * wasi:config/store@0.2.0-draft-2024-09-27 (Spin 3's variables interface) through a real
 * component (js-config) under `spin-ts up`: values rendered from the app's variables and
 * SPIN_VARIABLE_*, none for an undefined key or a bad name (as Spin answers), get-all, and
 * one component never reading another's variables.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { guest, startSpin, writeApp, type RunningSpin } from './support/spin.js';

let spin: RunningSpin;

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${spin.url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('wasi:config/store', () => {
  before(async () => {
    const manifest = await writeApp(`spin_manifest_version = 2
[application]
name = "config-app"
[variables]
name = { default = "world" }
token = { required = true, secret = true }
[[trigger.http]]
route = "/cfg/..."
component = "cfg"
[[trigger.http]]
route = "/other/..."
component = "other"
[component.cfg]
source = "${guest('js-config')}"
variables = { greeting = "hello {{ name }}", token = "{{ token }}" }
[component.other]
source = "${guest('js-config')}"
variables = { colour = "blue" }
`);
    spin = await startSpin(['-f', manifest], { env: { SPIN_VARIABLE_TOKEN: 's3cret' }, startTimeoutMs: 180_000 });
  });
  after(async () => {
    await spin?.stop();
  });

  test('get: a component variable, rendered from the defaults and SPIN_VARIABLE_*', async () => {
    assert.deepEqual(await get('/cfg/get?key=greeting'), { status: 200, body: { value: 'hello world' } });
    assert.deepEqual(await get('/cfg/get?key=token'), { status: 200, body: { value: 's3cret' } });
  });

  test('get: none (not an error) for an app variable the component does not declare, a bad name, or an object member', async () => {
    for (const key of ['name', 'Bad-Name', '', 'constructor', 'to_string']) {
      assert.deepEqual(await get(`/cfg/get?key=${encodeURIComponent(key)}`), { status: 200, body: { value: null } }, key);
    }
  });

  test("get-all: the component's variables and no other component's", async () => {
    assert.deepEqual(await get('/cfg/all'), {
      status: 200,
      body: {
        pairs: [
          ['greeting', 'hello world'],
          ['token', 's3cret'],
        ],
      },
    });
    assert.deepEqual(await get('/other/all'), { status: 200, body: { pairs: [['colour', 'blue']] } });
    assert.deepEqual(await get('/other/get?key=greeting'), { status: 200, body: { value: null } });
  });
});
