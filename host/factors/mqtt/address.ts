/**
 * MQTT addresses as Spin reads them (rumqttc's MqttOptions::parse_url):
 * `mqtt://host[:port]?client_id=ID` (`tcp://` too; `mqtts://` and `ssl://` for TLS, port 8883
 * by default, 1883 otherwise). `client_id` is required; `keep_alive_secs` (a number) and
 * `clean_session` (true or false, default true) may be given. Anything else is not an address.
 */

export class MqttAddressError extends Error {}

export interface MqttAddress {
  /** The scheme as written (`mqtt`, `tcp`, `mqtts`, `ssl`): allowed_outbound_hosts checks it. */
  scheme: string;
  tls: boolean;
  host: string;
  /** As written; undefined when the address gives none. */
  port: number | undefined;
  /** The port connected to. */
  effectivePort: number;
  clientId: string;
  cleanSession: boolean;
}

const SCHEMES: Record<string, { tls: boolean; port: number }> = {
  mqtt: { tls: false, port: 1883 },
  tcp: { tls: false, port: 1883 },
  mqtts: { tls: true, port: 8883 },
  ssl: { tls: true, port: 8883 },
};

export function parseMqttAddress(address: string): MqttAddress {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new MqttAddressError('not a URL');
  }
  const scheme = url.protocol.slice(0, -1);
  const known = SCHEMES[scheme];
  if (!known) throw new MqttAddressError(`scheme "${scheme}" is not mqtt, mqtts, tcp or ssl`);
  if (!url.hostname) throw new MqttAddressError('no host');
  const clientId = url.searchParams.get('client_id');
  if (clientId === null) throw new MqttAddressError('no client_id (add ?client_id=NAME)');
  const keepAlive = url.searchParams.get('keep_alive_secs');
  if (keepAlive !== null && !/^\d+$/.test(keepAlive)) throw new MqttAddressError(`keep_alive_secs "${keepAlive}" is not a number`);
  const clean = url.searchParams.get('clean_session');
  if (clean !== null && clean !== 'true' && clean !== 'false') throw new MqttAddressError(`clean_session "${clean}" is not true or false`);
  const port = url.port ? Number(url.port) : undefined;
  return { scheme, tls: known.tls, host: url.hostname, port, effectivePort: port ?? known.port, clientId, cleanSession: clean !== 'false' };
}

/** An MQTT address with any password in it hidden, for messages and log lines. */
export function shownMqttAddress(address: string): string {
  try {
    const u = new URL(address);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(an invalid MQTT address)';
  }
}
