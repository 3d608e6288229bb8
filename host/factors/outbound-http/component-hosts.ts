/**
 * Each component's allowed_outbound_hosts, rendered with the app's variables and checked:
 * what the outbound-http factor enforces, and what other network factors (outbound Redis)
 * read, so every outbound capability decides from the one list Spin gives a component.
 */
import { UserError } from '../../user-error.js';
import type { FactorContext } from '../factor.js';
import { componentData } from '../factor.js';
import { renderTemplate, resolveAppVariables } from '../variables/resolve.js';
import { parseAllowedHost } from './allowed-hosts.js';

export interface OutboundHttpComponentData {
  allowedOutboundHosts: string[];
}

export class OutboundHostsError extends UserError {}

/** The manifest data's factor name: the outbound-http factor owns the keys. */
const OWNER = 'outbound-http';

export function renderedAllowedHosts(ctx: FactorContext): Map<string, string[]> {
  const hostsOf = (id: string) => componentData<OutboundHttpComponentData>(ctx.app, id, OWNER)?.allowedOutboundHosts ?? [];
  const templated = [...ctx.app.components.keys()].some((id) => hostsOf(id).some((h) => h.includes('{{')));
  const values = templated ? resolveAppVariables(ctx.app, ctx.env) : new Map<string, string>();
  const out = new Map<string, string[]>();
  for (const id of ctx.app.components.keys()) {
    const rendered = hostsOf(id).map((entry) => {
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
    out.set(id, rendered);
  }
  return out;
}
