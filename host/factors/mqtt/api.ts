/** The mqtt factor's service, as its guest side calls it and its main-thread side implements it. */

/** `qos` of fermyon:spin/mqtt@2.0.0, as jco lifts the enum. */
export type MqttQos = 'at-most-once' | 'at-least-once' | 'exactly-once';

/** `error` of fermyon:spin/mqtt@2.0.0. */
export type MqttError =
  { tag: 'invalid-address' } | { tag: 'too-many-connections' } | { tag: 'connection-failed'; val: string } | { tag: 'other'; val: string };

/** What every service call returns: failures are values, so their case survives the bridge. */
export type MqttOutcome<T> = { ok: true; value: T } | { ok: false; error: MqttError };

/** What a guest's `connection.open` named: one MQTT session (the host connects it on first publish). */
export interface MqttSession {
  address: string;
  username: string;
  password: string;
  keepAliveSecs: number;
}

export interface MqttService {
  /** Publishes on the session's client (connecting it if needed); resolves once the QoS's handshake is done. */
  publish(session: MqttSession, topic: string, payload: Uint8Array, qos: MqttQos): MqttOutcome<null>;
  /** Logs a refused address once per call, naming the entry to add. */
  reportDenied(address: string, entry: string): void;
}

export interface MqttGuestConfig {
  /** The component's allowed_outbound_hosts, rendered (the outbound-http factor's list). */
  allowedOutboundHosts: string[];
}
