/** The variables factor through the factor harness: its guest imports as a component sees them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { factorHarness } from '../testing/harness.js';
import { variablesFactor } from './index.js';

const MANIFEST = `spin_manifest_version = 2
[application]
name = "vars"
[variables]
api_host = { default = "example.com" }
token = { required = true, secret = true }
[[trigger.http]]
route = "/..."
component = "web"
[component.web]
source = "web.wasm"
variables = { api_url = "https://{{ api_host }}/v1", token = "{{ token }}" }
`;

test('variables: templates render from defaults and SPIN_VARIABLE_*; undeclared is undefined; a bad name is invalid-name', async () => {
  const h = await factorHarness(variablesFactor, { manifest: MANIFEST, component: 'web', env: { SPIN_VARIABLE_TOKEN: 'tok' } });
  try {
    assert.deepEqual(await h.call('fermyon:spin/variables', 'get', ['api_url']), { ok: true, value: 'https://example.com/v1' });
    assert.deepEqual(await h.call('fermyon:spin/variables', 'get', ['token']), { ok: true, value: 'tok' });
    const undef = await h.call('fermyon:spin/variables', 'get', ['api_host']);
    assert.equal(undef.ok, false);
    assert.deepEqual(!undef.ok && undef.error, { tag: 'undefined', val: "no variable for 'api_host'" });
    const bad = await h.call('fermyon:spin/variables', 'get', ['Bad-Name']);
    assert.equal(!bad.ok && (bad.error as { tag: string }).tag, 'invalid-name');
  } finally {
    await h.close();
  }
});

test('variables: a required variable with no value stops the start, naming the variable and the env var', async () => {
  await assert.rejects(factorHarness(variablesFactor, { manifest: MANIFEST, component: 'web', env: {} }), /'token' has no value\. Set SPIN_VARIABLE_TOKEN/);
});

test('Spin 1.x config: get-config reads the same values; undefined is a provider error and a bad key invalid-key, as Spin maps them', async () => {
  const h = await factorHarness(variablesFactor, { manifest: MANIFEST, component: 'web', env: { SPIN_VARIABLE_TOKEN: 'tok' } });
  try {
    assert.deepEqual(await h.call('fermyon:spin/config', 'getConfig', ['api_url']), { ok: true, value: 'https://example.com/v1' });
    const undef = await h.call('fermyon:spin/config', 'getConfig', ['api_host']);
    assert.deepEqual(!undef.ok && undef.error, { tag: 'provider', val: "no variable for 'api_host'" });
    const bad = await h.call('fermyon:spin/config', 'getConfig', ['Bad-Name']);
    assert.equal(!bad.ok && (bad.error as { tag: string }).tag, 'invalid-key');
  } finally {
    await h.close();
  }
});

test('wasi:config/store: get answers a value or none (never an error), get-all every variable of the component', async () => {
  const h = await factorHarness(variablesFactor, { manifest: MANIFEST, component: 'web', env: { SPIN_VARIABLE_TOKEN: 'tok' } });
  try {
    assert.deepEqual(await h.call('wasi:config/store', 'get', ['api_url']), { ok: true, value: 'https://example.com/v1' });
    assert.deepEqual(await h.call('wasi:config/store', 'get', ['api_host']), { ok: true, value: undefined });
    assert.deepEqual(await h.call('wasi:config/store', 'get', ['Bad-Name']), { ok: true, value: undefined });
    const all = await h.call('wasi:config/store', 'getAll', []);
    assert.deepEqual(all.ok && [...(all.value as Array<[string, string]>)].sort(), [
      ['api_url', 'https://example.com/v1'],
      ['token', 'tok'],
    ]);
  } finally {
    await h.close();
  }
});
