/**
 * The Redis trigger: `[[trigger.redis]]` (manifest.ts), components exporting
 * fermyon:spin/inbound-redis (detect.ts, executor.ts), one subscriber per Redis address
 * (subscriber.ts). Addresses and channels are rendered from the application variables at
 * start, as Spin resolves them.
 */
import type { App } from '../../app/types.js';
import type { WorkerPool } from '../../components/pool.js';
import { renderTemplate, resolveAppVariables } from '../../factors/variables/resolve.js';
import { UserError } from '../../user-error.js';
import type { RunningTrigger, Trigger } from '../trigger.js';
import { detectRedisInterface } from './detect.js';
import { REDIS, redisAddressProblem, redisTriggerOwner, redisTriggers } from './manifest.js';
import { RedisSubscriber, type ChannelComponents } from './subscriber.js';

/** Components by channel, by address: Spin's grouping (one connection per address). */
export function groupByAddress(app: App, env: NodeJS.ProcessEnv): Map<string, ChannelComponents> {
  const triggers = redisTriggers(app);
  const values = triggers.length > 0 ? resolveAppVariables(app, env) : new Map<string, string>();
  const out = new Map<string, ChannelComponents>();
  for (const t of triggers) {
    const address = renderTemplate(t.address, values);
    const channel = renderTemplate(t.channel, values);
    const problem = redisAddressProblem(address);
    if (problem) throw new UserError(`${app.manifestPath}: trigger ${t.id}: its Redis address ${problem}. Set it to a redis:// or rediss:// URL.`);
    const channels = out.get(address) ?? new Map<string, string[]>();
    out.set(address, channels);
    const ids = channels.get(channel) ?? [];
    channels.set(channel, ids);
    if (!ids.includes(t.component)) ids.push(t.component);
  }
  return out;
}

async function startRedisTrigger(app: App, pool: WorkerPool, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<RunningTrigger> {
  const subscribers: RedisSubscriber[] = [];
  const closeAll = () => Promise.all(subscribers.map((s) => s.close()));
  try {
    for (const [address, channels] of groupByAddress(app, env)) {
      const s = new RedisSubscriber({ address, channels, pool, log });
      subscribers.push(s);
      await s.start();
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return {
    lines: subscribers.flatMap((s) => s.describe()),
    async close() {
      await closeAll();
    },
  };
}

export const redisTrigger: Trigger = {
  type: REDIS,
  manifest: redisTriggerOwner,
  detect: detectRedisInterface,
  start: (ctx) => startRedisTrigger(ctx.app, ctx.pool, ctx.env, ctx.log),
};
