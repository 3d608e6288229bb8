/**
 * The Redis trigger's manifest keys, as Spin's (spinframework/spin crates/trigger-redis,
 * `TriggerMetadata` and `TriggerConfig`): `[application.trigger.redis] address` (v1: the
 * top-level `trigger = { type = "redis", address }`), and per trigger `channel` and an optional
 * `address` that overrides it. Both may use `{{ variable }}` templates of application
 * variables, resolved at start.
 */
import type { App, TriggerOwner, TriggerReadContext } from '../../app/types.js';
import type { FieldReader, Table } from '../../app/toml-fields.js';
import { joinField } from '../../app/toml-locate.js';
import { checkTemplate } from '../../app/variables.js';

export const REDIS = 'redis';

/** `[application.trigger.redis]`: the address every trigger without its own uses. */
export interface RedisTriggerSettings {
  address?: string;
}

/** One `[[trigger.redis]]` (v1: a component's `trigger` table). Templates as written. */
export interface RedisTriggerConfig {
  channel: string;
  /** The trigger's own address, else the app's; always set once read. */
  address: string;
}

/** A Redis trigger with its component, as `up` runs it. */
export interface RedisTrigger extends RedisTriggerConfig {
  id: string;
  component: string;
}

const ADDRESS_FIX = 'Write the address as a URL: address = "redis://localhost:6379" (rediss:// for TLS; "{{ variable }}" templates allowed).';

function readAddress(r: FieldReader, t: Table, parent: string, ctx: Omit<TriggerReadContext, 'settings'>): string | undefined {
  const address = r.optString(t, 'address', parent);
  if (address === undefined) return undefined;
  const field = joinField(parent, 'address');
  checkTemplate(r, address, field, ctx.appVariables);
  // A template is checked once rendered, at start.
  if (!address.includes('{{')) {
    const problem = redisAddressProblem(address);
    if (problem) r.fail(field, problem, ADDRESS_FIX);
  }
  return address;
}

/** What is wrong with a Redis address (undefined: nothing). node-redis speaks redis:// and rediss://. */
export function redisAddressProblem(address: string): string | undefined {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return `${JSON.stringify(address)} is not a URL`;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    return `scheme "${url.protocol.replace(/:$/, '')}" is not a Redis scheme spin-ts connects with (redis or rediss)`;
  }
  if (!url.hostname) return `${JSON.stringify(address)} names no host`;
  return undefined;
}

export const redisTriggerOwner: TriggerOwner = {
  type: REDIS,
  keys: ['channel', 'address'],
  readSettings(r: FieldReader, table, field, ctx): RedisTriggerSettings {
    if (table === undefined) return {};
    r.checkKeys(table, field, ['address']);
    const address = readAddress(r, table, field, ctx);
    return address === undefined ? {} : { address };
  },
  readTrigger(r: FieldReader, table, field, ctx): RedisTriggerConfig {
    const channel = r.reqString(table, 'channel', field, 'Add channel = "<channel name>": the Redis channel whose messages this trigger handles.');
    checkTemplate(r, channel, joinField(field, 'channel'), ctx.appVariables);
    const address = readAddress(r, table, field, ctx) ?? (ctx.settings as RedisTriggerSettings).address;
    if (address === undefined) {
      const where =
        ctx.manifestVersion === 1
          ? 'address = "redis://localhost:6379" to the top-level trigger table'
          : 'an [application.trigger.redis] table with address = "redis://localhost:6379"';
      r.fail(field, 'this Redis trigger has no address to subscribe at', `Add ${where}, or address = "..." to this trigger.`);
    }
    return { channel, address };
  },
};

/** The app's Redis triggers, typed: what this folder's owner read. */
export function redisTriggers(app: App): RedisTrigger[] {
  return app.triggers.filter((t) => t.type === REDIS).map((t) => ({ id: t.id, component: t.component, ...(t.config as RedisTriggerConfig) }));
}
