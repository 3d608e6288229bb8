/** Whether a component serves the Redis trigger, from the exports jco reports. */
import { ComponentError } from '../../components/component-error.js';

export type RedisInterface = 'inbound-redis';

const INBOUND_REDIS = /^fermyon:spin\/inbound-redis(@\d+\.\d+\.\d+)?$/;
// Spin 3's asynchronous handler (a WASIp3 export): jco cannot run it.
const SPIN3_INBOUND_REDIS = /^spin:redis\/inbound-redis@/;

export function detectRedisInterface(componentId: string, exports: string[]): RedisInterface {
  if (exports.some((e) => INBOUND_REDIS.test(e))) return 'inbound-redis';
  const spin3 = exports.find((e) => SPIN3_INBOUND_REDIS.test(e));
  if (spin3) {
    throw new ComponentError(
      componentId,
      `it exports ${spin3}, Spin 3's asynchronous Redis handler, which spin-ts does not run. Build it for fermyon:spin/inbound-redis (Spin 2's redis-trigger world).`,
    );
  }
  const listed = exports.filter((e) => e.includes(':')).join(', ') || 'nothing';
  throw new ComponentError(
    componentId,
    `it is named by a [[trigger.redis]], but it does not export fermyon:spin/inbound-redis (it exports ${listed}). Build it for a Redis trigger world.`,
  );
}
