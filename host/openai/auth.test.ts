import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiKeys, collectApiKeys, isLoopbackHost } from './auth.js';

describe('API keys', () => {
  test('collected from the runtime config, flags and SPIN_TS_API_KEYS (comma-separated), without duplicates', () => {
    assert.deepEqual(collectApiKeys({ config: ['a'], flags: ['b', 'a'], env: ' c , ,d ' }), ['a', 'b', 'c', 'd']);
    assert.deepEqual(collectApiKeys({}), []);
  });

  test('an empty or blank --api-key is refused', () => {
    assert.throws(() => collectApiKeys({ flags: [''] }), /must not be empty/);
    assert.throws(() => collectApiKeys({ flags: ['a b'] }), /whitespace/);
  });

  test('no key configured: everything is accepted', () => {
    const keys = new ApiKeys([]);
    assert.equal(keys.enabled, false);
    assert.equal(keys.check(undefined), undefined);
    assert.equal(keys.check('Bearer anything'), undefined);
  });

  test('Bearer scheme, case-insensitive (Spin sends "bearer"); each refusal says why', () => {
    const keys = new ApiKeys(['sk-one', 'sk-two']);
    assert.equal(keys.check('Bearer sk-one'), undefined);
    assert.equal(keys.check('bearer sk-two'), undefined);
    assert.equal(keys.check('BEARER   sk-two  '), undefined);
    assert.match(keys.check(undefined)!, /did not provide an API key/);
    assert.match(keys.check('')!, /did not provide an API key/);
    assert.match(keys.check('Basic c2stb25l')!, /must be "Bearer <key>"/);
    assert.match(keys.check('Bearer')!, /must be "Bearer <key>"/);
    assert.match(keys.check('Bearer sk-on')!, /Incorrect API key/);
    assert.match(keys.check('Bearer sk-one-longer')!, /Incorrect API key/);
  });

  test('loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) assert.equal(isLoopbackHost(h), false, h);
  });
});
