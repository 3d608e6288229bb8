/** MQTT addresses as Spin reads them: the scheme picks TCP or TLS and the default port, client_id is required. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MqttAddressError, parseMqttAddress, shownMqttAddress } from './address.js';

test('mqtt:// and tcp:// are TCP on 1883, mqtts:// and ssl:// TLS on 8883; a given port wins', () => {
  assert.deepEqual(parseMqttAddress('mqtt://broker.example?client_id=a'), {
    scheme: 'mqtt',
    tls: false,
    host: 'broker.example',
    port: undefined,
    effectivePort: 1883,
    clientId: 'a',
    cleanSession: true,
  });
  assert.equal(parseMqttAddress('tcp://h?client_id=a').effectivePort, 1883);
  const tls = parseMqttAddress('mqtts://h:9999?client_id=a&clean_session=false&keep_alive_secs=5');
  assert.deepEqual([tls.tls, tls.effectivePort, tls.cleanSession], [true, 9999, false]);
  assert.equal(parseMqttAddress('ssl://h?client_id=a').effectivePort, 8883);
});

test('no client_id, another scheme, no host, or a bad query value is not an address, each with its reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['mqtt://h:1883', /no client_id/],
    ['http://h?client_id=a', /scheme "http"/],
    ['not a url', /not a URL/],
    ['mqtt://h?client_id=a&keep_alive_secs=x', /keep_alive_secs "x"/],
    ['mqtt://h?client_id=a&clean_session=1', /clean_session "1"/],
  ];
  for (const [address, reason] of cases)
    assert.throws(
      () => parseMqttAddress(address),
      (e: unknown) => e instanceof MqttAddressError && reason.test(e.message),
      address,
    );
});

test('a password in the address is hidden when shown', () => {
  assert.equal(shownMqttAddress('mqtt://u:pw@h:1883?client_id=a'), 'mqtt://u:***@h:1883?client_id=a');
});
