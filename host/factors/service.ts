/**
 * Typed services across the bridge: one interface `S` per factor, implemented on the main
 * thread as ServiceImpl<S> and called from the guest side as `typedService<S>(ctx)`, so
 * neither end dispatches on strings of its own.
 */
import type { CallContext, ServiceHandler } from '../components/bridge.js';
import type { GuestContext } from './factor.js';

/** The guest side's synchronous view of a service: each method is one bridge round trip. */
export function typedService<S extends object>(ctx: GuestContext): S {
  return new Proxy({} as S, {
    get: (_t, method) => (typeof method === 'string' ? (...args: unknown[]) => ctx.call(method, ...args) : undefined),
  });
}

/** Adapts a factor's service object to the bridge's handler. */
export function serviceHandler(factor: string, impl: object): ServiceHandler {
  const methods = impl as Record<string, unknown>;
  return async (method: string, args: unknown[], call: CallContext) => {
    const fn = Object.hasOwn(methods, method) ? methods[method] : undefined;
    if (typeof fn !== 'function') throw new Error(`${factor} has no method '${method}'`);
    return (fn as (call: CallContext, ...a: unknown[]) => Promise<unknown>).call(impl, call, ...args);
  };
}
