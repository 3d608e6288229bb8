/**
 * The outbound-http factor: owns `allowed_outbound_hosts` and the v1 `allowed_http_hosts`
 * (converted as Spin converts them).
 */
import { joinField } from '../../app/toml-locate.js';
import type { Factor } from '../factor.js';
import { componentData } from '../factor.js';
import { checkOutboundHosts, convertHttpHosts } from './allowed-hosts.js';

export interface OutboundHttpComponentData {
  allowedOutboundHosts: string[];
}

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
  async configure(ctx) {
    return { componentConfig: (id) => componentData<OutboundHttpComponentData>(ctx.app, id, 'outbound-http') };
  },
};
