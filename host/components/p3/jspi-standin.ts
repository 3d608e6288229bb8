/**
 * What the WASIp3 glue gets in place of JSPI (`WebAssembly.Suspending`, `WebAssembly.promising`),
 * which Node 20 lacks. A callback-form component never needs its stack kept across a wait:
 * it returns to jco's event loop and is called back. So every import the glue wraps in
 * `Suspending` is called straight through, and one that answers with a Promise (it would
 * have had to suspend the guest) traps instead, naming the built-in or import: the request
 * fails with a 500 and the log says why, instead of hanging. `promising` turns an export's
 * result (or trap) into a Promise, as the glue awaits one.
 *
 * The glue reaches these through globalThis[JSPI_STANDIN] (glue-p3.ts rewrites its
 * references), so no real JSPI and no other glue ever sees them.
 */
export const JSPI_STANDIN = 'spin-ts.p3-jspi';

export class SuspensionTrap extends WebAssembly.RuntimeError {
  constructor(readonly builtin: string) {
    super(
      `${builtin} would have to suspend the guest until its result is ready; that needs JSPI (stack switching), which Node 20 does not have, so spin-ts traps instead`,
    );
  }
}

type AnyFn = (...args: unknown[]) => unknown;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/** `label` names what is wrapped: a string, or a function giving it lazily (an import's name is set after the wrapper is made). */
export function suspending(label: string | (() => string | undefined), fn: AnyFn): AnyFn {
  return function standIn(this: unknown, ...args: unknown[]) {
    const result = fn.apply(this, args);
    if (!isThenable(result)) return result;
    // Keep the abandoned promise from surfacing as an unhandled rejection.
    Promise.resolve(result).catch(() => {});
    const name = typeof label === 'function' ? label() : label;
    throw new SuspensionTrap(name ?? 'an async import');
  };
}

export function promising(fn: AnyFn): AnyFn {
  return function promised(this: unknown, ...args: unknown[]) {
    try {
      return Promise.resolve(fn.apply(this, args));
    } catch (err) {
      return Promise.reject(err);
    }
  };
}

export function installJspiStandIn(): void {
  (globalThis as Record<string, unknown>)[JSPI_STANDIN] = { suspending, promising };
}
