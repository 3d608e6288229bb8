/**
 * Interfaces Spin's worlds carry that spin-ts does not serve, answered so that the guest
 * can see the refusal: spin:sqlite 3 and wasi:sockets
 * (PostgreSQL and MySQL are their factors'; Redis 1 and 2 outbound-redis's; MQTT the mqtt factor's). The SDKs' own worlds import them all (componentize-py
 * bundles every import of `spin-http`, whatever the app uses), so refusing them at start
 * would refuse every Python app. Each entry point (a connection's `open`, a socket's
 * creation, a name lookup) returns the interface's own error with a message and logs a
 * line naming the component; nothing past it can be reached (./guest.ts).
 */
import type { Factor } from '../factor.js';

export const UNAVAILABLE_INTERFACES = [
  'spin:sqlite/sqlite@3.0',
  'wasi:sockets/network@0.2',
  'wasi:sockets/instance-network@0.2',
  'wasi:sockets/tcp@0.2',
  'wasi:sockets/tcp-create-socket@0.2',
  'wasi:sockets/udp@0.2',
  'wasi:sockets/udp-create-socket@0.2',
  'wasi:sockets/ip-name-lookup@0.2',
] as const;

export const unavailableFactor: Factor = {
  name: 'unavailable',
  guestModule: new URL('./guest.js', import.meta.url).href,
  interfaces: UNAVAILABLE_INTERFACES,
  async configure() {
    return { componentConfig: () => ({}) };
  },
};
