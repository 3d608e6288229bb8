/**
 * The outbound-http factor: owns `allowed_outbound_hosts`, the v1 `allowed_http_hosts`
 * (converted as Spin converts them) and the runtime-config section `[outbound_http]`. At
 * start it renders `{{ variable }}` entries with the app's variables and checks every
 * entry (an error names the component and the entry); each component's list goes to its
 * guest side, which decides every request (./guest.ts); the service sends the allowed
 * ones with undici (./transport.ts).
 */
import { joinField } from '../../app/toml-locate.js';
import type { Factor, ServiceImpl } from '../factor.js';
import { checkOutboundHosts, convertHttpHosts } from './allowed-hosts.js';
import type { OutboundHttpGuestConfig, OutboundHttpService } from './api.js';
import { renderedAllowedHosts, type OutboundHttpComponentData } from './component-hosts.js';
import { outboundHttpRuntimeConfig, type OutboundHttpRuntimeConfig } from './runtime-config.js';
import { Transport } from './transport.js';

/** What a v1 component without allowed_outbound_hosts may reach besides its HTTP hosts, as Spin converts v1 manifests (databases were open before the allow-list existed). */
const V1_DATABASE_HOSTS = ['redis://*:*', 'mysql://*:*', 'postgres://*:*'];

export const outboundHttpFactor: Factor = {
  name: 'outbound-http',
  manifest: {
    keys: ['allowed_outbound_hosts', 'allowed_http_hosts'],
    read(r, t, field, ctx): OutboundHttpComponentData {
      const outbound = r.stringList(t, 'allowed_outbound_hosts', field);
      checkOutboundHosts(r, outbound, joinField(field, 'allowed_outbound_hosts'));
      const converted = convertHttpHosts(r, r.stringList(t, 'allowed_http_hosts', field), joinField(field, 'allowed_http_hosts'));
      const databases = ctx.manifestVersion === 1 && t['allowed_outbound_hosts'] === undefined ? V1_DATABASE_HOSTS : [];
      return { allowedOutboundHosts: [...new Set([...outbound, ...databases, ...converted])] };
    },
  },
  runtimeConfig: outboundHttpRuntimeConfig,
  guestModule: new URL('./guest.js', import.meta.url).href,
  interfaces: ['wasi:http/outgoing-handler@0.2', 'fermyon:spin/http'],
  async configure(ctx) {
    const configs = new Map<string, OutboundHttpGuestConfig>();
    for (const [id, hosts] of renderedAllowedHosts(ctx)) configs.set(id, { allowedOutboundHosts: hosts });

    const transport = new Transport(ctx.runtimeConfig as OutboundHttpRuntimeConfig, ctx.appHttp);
    const service: ServiceImpl<OutboundHttpService> = {
      async send(call, req) {
        return transport.send(call.requestId, req, call.signal);
      },
      async writeBody(_call, handle, chunk) {
        await transport.writeBody(handle, chunk);
      },
      async finishBody(_call, handle) {
        transport.finishBody(handle);
      },
      async response(_call, handle, waitMs) {
        return transport.response(handle, waitMs);
      },
      async read(_call, handle, max, waitMs) {
        return transport.read(handle, max, waitMs);
      },
      async drop(_call, handle) {
        transport.drop(handle);
      },
      async reportDenied(call, url, entry) {
        ctx.log(
          `outbound-http: component '${call.componentId}' may not send a request to ${url}. To allow it, add "${entry}" to allowed_outbound_hosts for the component in spin.toml ([component.${call.componentId}]).`,
        );
      },
    };
    return {
      componentConfig: (id) => configs.get(id) ?? { allowedOutboundHosts: [] },
      service,
      onRequestEnd: (requestId) => transport.endRequest(requestId),
      close: () => transport.close(),
    };
  },
};
