/**
 * Guest side of outbound MQTT, `fermyon:spin/mqtt@2.0.0`: resource `connection`, opened on an
 * address, a user name, a password and a keep-alive, as Spin's: `open` decides the address here
 * and connects nothing (the host connects on the first publish, as Spin's client does), and
 * `publish` returns once its QoS's handshake with the broker is done.
 *
 * In Spin's order: an address allowed_outbound_hosts does not allow (an `mqtt://` entry, by
 * the address's own scheme) is `connection-failed` ("address … is not permitted"), logged by the
 * host naming the entry to add; an address that is no MQTT address is `invalid-address`; more
 * than MAX_OPEN_CONNECTIONS open in one instance is `too-many-connections`.
 */
import type { GuestImportsFactory } from '../factor.js';
import { GuestResultError } from '../guest-error.js';
import { typedService } from '../service.js';
import { findAllowing, parseAllowedHost, suggestedEntry } from '../outbound-http/allowed-hosts.js';
import { MqttAddressError, parseMqttAddress, shownMqttAddress } from './address.js';
import type { MqttError, MqttGuestConfig, MqttOutcome, MqttQos, MqttService, MqttSession } from './api.js';

/** Connections one instance may hold open at once (Spin's table holds 1024). */
export const MAX_OPEN_CONNECTIONS = 1024;
/** MQTT carries the keep-alive in 16 bits. */
const MAX_KEEP_ALIVE_SECS = 65_535;

export const createGuestImports: GuestImportsFactory = (ctx) => {
  const config = ctx.config as MqttGuestConfig | undefined;
  const hosts = (config?.allowedOutboundHosts ?? []).map((h) => parseAllowedHost(h));
  const service = typedService<MqttService>(ctx);
  let open = 0;

  const fail = (error: MqttError): never => {
    throw new GuestResultError(error);
  };
  const unwrap = <T>(r: MqttOutcome<T>): T => (r.ok ? r.value : fail(r.error));

  function checkAddress(address: string): void {
    let url: URL | undefined;
    try {
      url = new URL(address);
    } catch {
      // not a URL: Spin's check does not allow it
    }
    const notPermitted = (): never => fail({ tag: 'connection-failed', val: `address ${shownMqttAddress(address)} is not permitted` });
    if (!url || !url.hostname) {
      ctx.log(`mqtt: component '${ctx.componentId}': "${shownMqttAddress(address)}" is not a URL with a host`);
      return notPermitted();
    }
    const target = { scheme: url.protocol.slice(0, -1), host: url.hostname, port: url.port ? Number(url.port) : undefined };
    if (!findAllowing(hosts, target)) {
      service.reportDenied(address, suggestedEntry(target));
      notPermitted();
    }
    try {
      parseMqttAddress(address);
    } catch (err) {
      if (!(err instanceof MqttAddressError)) throw err;
      ctx.log(`mqtt: component '${ctx.componentId}': ${shownMqttAddress(address)} is not an MQTT address: ${err.message}`);
      fail({ tag: 'invalid-address' });
    }
  }

  class Connection {
    #session: MqttSession | undefined;
    private constructor(session: MqttSession) {
      this.#session = session;
    }
    static open(address: string, username: string, password: string, keepAliveIntervalInSecs: bigint): Connection {
      checkAddress(address);
      if (keepAliveIntervalInSecs > BigInt(MAX_KEEP_ALIVE_SECS)) {
        fail({ tag: 'other', val: `keep-alive-interval-in-secs ${keepAliveIntervalInSecs} is more than MQTT's ${MAX_KEEP_ALIVE_SECS}` });
      }
      if (open >= MAX_OPEN_CONNECTIONS) fail({ tag: 'too-many-connections' });
      open++;
      return new Connection({ address, username, password, keepAliveSecs: Number(keepAliveIntervalInSecs) });
    }
    publish(topic: string, payload: Uint8Array, qos: MqttQos): void {
      const session = this.#session ?? fail({ tag: 'other', val: 'could not find connection for resource' });
      unwrap(service.publish(session, topic, payload, qos));
    }
    [Symbol.dispose](): void {
      if (this.#session !== undefined) open--;
      this.#session = undefined;
    }
  }

  return {
    imports: {
      'fermyon:spin/mqtt': { Connection },
      'fermyon:spin/mqtt@2.0.0': { Connection },
    },
    onInstance() {
      open = 0;
    },
  };
};
