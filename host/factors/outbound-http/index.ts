/**
 * The outbound-http factor: owns `allowed_outbound_hosts`, the v1 `allowed_http_hosts`
 * (converted as Spin converts them) and the runtime-config section `[outbound_http]`. At
 * start it renders `{{ variable }}` entries with the app's variables and checks every
 * entry (an error names the component and the entry); each component's list goes to its
 * guest side, which decides every request (./guest.ts); the service sends the allowed
 * ones with undici (./transport.ts).
 */
import { joinField } from '../../app/toml-locate.js';
import { UserError } from '../../user-error.js';
import type { Factor, ServiceImpl } from '../factor.js';
import { componentData } from '../factor.js';
import { renderTemplate, resolveAppVariables } from '../variables/resolve.js';
import { checkOutboundHosts, convertHttpHosts, parseAllowedHost } from './allowed-hosts.js';
import type { OutboundHttpGuestConfig, OutboundHttpService } from './api.js';
import { outboundHttpRuntimeConfig, type OutboundHttpRuntimeConfig } from './runtime-config.js';
import { Transport } from './transport.js';

export interface OutboundHttpComponentData {
  allowedOutboundHosts: string[];
}

export class OutboundHostsError extends UserError {}

export const outboundHttpFactor: Factor = {
  name: 'outbound-http',
  manifest: {
    keys: ['allowed_outbound_hosts', 'allowed_http_hosts'],
    read(r, t, field): OutboundHttpComponentData {
      const outbound = r.stringList(t, 'allowed_outbound_hosts', field);
      checkOutboundHosts(r, outbound, joinField(field, 'allowed_outbound_hosts'));
      const converted = convertHttpHosts(r, r.stringList(t, 'allowed_http_hosts', field), joinField(field, 'allowed_http_hosts'));
      return { allowedOutboundHosts: [...new Set([...outbound, ...converted])] };
    },
  },
  runtimeConfig: outboundHttpRuntimeConfig,
  guestModule: new URL('./guest.js', import.meta.url).href,
  interfaces: ['wasi:http/outgoing-handler@0.2', 'fermyon:spin/http'],
  async configure(ctx) {
    const templated = [...ctx.app.components.keys()].some((id) =>
      (componentData<OutboundHttpComponentData>(ctx.app, id, 'outbound-http')?.allowedOutboundHosts ?? []).some((h) => h.includes('{{')),
    );
    const values = templated ? resolveAppVariables(ctx.app, ctx.env) : new Map<string, string>();
    const configs = new Map<string, OutboundHttpGuestConfig>();
    for (const id of ctx.app.components.keys()) {
      const hosts = componentData<OutboundHttpComponentData>(ctx.app, id, 'outbound-http')?.allowedOutboundHosts ?? [];
      const rendered = hosts.map((entry) => {
        if (!entry.includes('{{')) return entry;
        const value = renderTemplate(entry, values);
        try {
          parseAllowedHost(value);
        } catch (err) {
          throw new OutboundHostsError(
            `${ctx.app.manifestPath}: component.${id}.allowed_outbound_hosts: "${entry}" becomes "${value}" with the app's variables, which is not allowed: ${(err as Error).message}. Give the variable a value of the form scheme://host[:port].`,
          );
        }
        return value;
      });
      configs.set(id, { allowedOutboundHosts: rendered });
    }

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
