/**
 * The mqtt factor: Spin 2's `fermyon:spin/mqtt@2.0.0` (a `connection` resource that publishes
 * at QoS 0, 1 or 2) against real brokers through the mqtt package. It owns no manifest key:
 * like Spin's, it obeys the component's allowed_outbound_hosts (`mqtt://host:port` entries),
 * which the outbound-http factor reads and renders (../outbound-http/component-hosts.ts). The
 * guest side decides each address (./guest.ts); the service holds the clients (./clients.ts).
 * docs/mqtt.md has the rules. (Spin 3's spin:mqtt@3.0.0 is async, a WASIp3 interface: not here.)
 */
import type { Factor, ServiceImpl } from '../factor.js';
import { renderedAllowedHosts } from '../outbound-http/component-hosts.js';
import { shownMqttAddress } from './address.js';
import type { MqttGuestConfig, MqttService } from './api.js';
import { MqttClients } from './clients.js';

export const mqttFactor: Factor = {
  name: 'mqtt',
  guestModule: new URL('./guest.js', import.meta.url).href,
  interfaces: ['fermyon:spin/mqtt@2.0.0'],
  async configure(ctx) {
    const configs = new Map<string, MqttGuestConfig>();
    for (const [id, hosts] of renderedAllowedHosts(ctx)) configs.set(id, { allowedOutboundHosts: hosts });
    const clients = new MqttClients(ctx.log, (component, reason) => ctx.log(`mqtt: component '${component}': publish failed: ${reason}`));
    const service: ServiceImpl<MqttService> = {
      publish: (call, session, topic, payload, qos) => clients.publish(call.componentId, session, topic, payload, qos),
      async reportDenied(call, address, entry) {
        ctx.log(
          `mqtt: component '${call.componentId}' may not connect to ${shownMqttAddress(address)}. To allow it, add "${entry}" to allowed_outbound_hosts for the component in spin.toml ([component.${call.componentId}]).`,
        );
      },
    };
    return {
      componentConfig: (id) => configs.get(id) ?? { allowedOutboundHosts: [] },
      service,
      close: () => clients.close(),
    };
  },
};
