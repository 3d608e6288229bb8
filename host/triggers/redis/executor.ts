/**
 * Runs one Redis message on a guest that exports fermyon:spin/inbound-redis (worker side):
 * `handle-message(payload) -> result<_, error>`. The pool's response carries the outcome:
 * status 200 when the handler returned ok, 500 with "error" as the body when it returned its
 * error; a trap throws, as any guest failure does.
 */
import type { ExecutionContext } from '../../components/executor.js';

/** What the subscriber hands the pool for one message. */
export interface RedisMessagePayload {
  channel: string;
  message: Uint8Array;
}

export const HANDLER_OK = 200;
const HANDLER_ERROR = 500;

/** jco's glue throws its ComponentError, the `err` case as its payload, when an export returns an error. */
function isErrorResult(err: unknown): boolean {
  return err instanceof Error && err.constructor.name === 'ComponentError' && 'payload' in err;
}

export function runInboundRedis(instance: Record<string, any>, ctx: ExecutionContext): void {
  const { message } = ctx.payload as RedisMessagePayload;
  const handler = Object.entries(instance).find(([k]) => /^fermyon:spin\/inbound-redis(@|$)/.test(k))?.[1];
  if (!handler) throw new Error('the component does not export fermyon:spin/inbound-redis');
  try {
    handler.handleMessage(message);
  } catch (err) {
    if (!isErrorResult(err)) throw err;
    ctx.response.setHead(HANDLER_ERROR, []);
    ctx.response.write(new TextEncoder().encode(String((err as { payload: unknown }).payload)));
    ctx.response.flush(true);
    return;
  }
  ctx.response.setHead(HANDLER_OK, []);
  ctx.response.flush(true);
}
