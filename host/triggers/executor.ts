/**
 * The executor every guest worker imports (WorkerSetup.executorModule): one request of any
 * trigger, by the component's interface (ComponentSetup.kind, which that trigger detected).
 */
import type { GuestExecutor } from '../components/executor.js';
import { execute as executeHttp } from './http/executor.js';
import { runInboundRedis } from './redis/executor.js';
import type { RedisInterface } from './redis/detect.js';

const REDIS_KINDS: ReadonlySet<string> = new Set<RedisInterface>(['inbound-redis']);

export const execute: GuestExecutor = (instance, ctx) => {
  if (REDIS_KINDS.has(ctx.kind)) return runInboundRedis(instance, ctx);
  // A WASIp3 guest's request is a promise (its task ends after the call returns): hand it on.
  return executeHttp(instance, ctx);
};
