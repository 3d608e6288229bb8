// A Redis trigger handler (fermyon:spin/inbound-redis), for tests and as an example: each
// message is appended to the Redis list named by $OUT_LIST at $REDIS_URL (through Spin 1.x's
// outbound Redis), prefixed with $LABEL and ":" when that is set, so a test can read back
// what was delivered, in order.
//   payload "trap"  → the handler traps (the host logs it and delivers the next message);
//   payload "fail"  → the handler returns its error (logged the same way);
//   payload "slow:<ms>" → appended after busy-waiting that long (ordering under a slow handler).
import { execute } from 'fermyon:spin/redis';
import { getEnvironment } from 'wasi:cli/environment@0.2.3';

// Read at the first call: the build's snapshot (Wizer) may call no import.
let cachedEnv;
const env = () => (cachedEnv ??= Object.fromEntries(getEnvironment()));
const decoder = new TextDecoder();
const encoder = new TextEncoder();

export const inboundRedis = {
  handleMessage(message) {
    const text = decoder.decode(message);
    if (text === 'trap') {
      // Not an error result: a thrown Error is no value of the WIT `error` enum, so lowering it traps.
      throw new Error('this handler traps on purpose');
    }
    if (text === 'fail') throw 'error';
    if (text.startsWith('slow:')) {
      const until = Date.now() + Number(text.slice(5));
      while (Date.now() < until);
    }
    const entry = env().LABEL ? `${env().LABEL}:${text}` : text;
    execute(env().REDIS_URL, 'RPUSH', [
      { tag: 'binary', val: encoder.encode(env().OUT_LIST) },
      { tag: 'binary', val: encoder.encode(entry) },
    ]);
  },
};
