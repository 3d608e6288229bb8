/**
 * Guest side of variables: answered from the values resolved at start, without a bridge
 * call. `fermyon:spin/variables@2.0.0` `get`, and Spin 1.x's `fermyon:spin/config`
 * `get-config` over the same values, its errors mapped as Spin maps them (an invalid name
 * is invalid-key, an undefined variable a provider error), and `wasi:config/store` `get` (none
 * for a name with no value, as Spin answers) and `get-all`.
 */
import type { GuestImportsFactory } from '../factor.js';
import { GuestResultError } from '../guest-error.js';

const NAME = /^[a-z][a-z0-9_]*$/;

export const createGuestImports: GuestImportsFactory = (ctx) => {
  const values = (ctx.config ?? {}) as Record<string, string>;
  const get = (name: string, errors: { invalid: string; undefined: string }): string => {
    if (!NAME.test(name)) throw new GuestResultError({ tag: errors.invalid, val: `invalid variable name '${name}': use lower_snake_case` });
    const v = values[name];
    if (v === undefined) throw new GuestResultError({ tag: errors.undefined, val: `no variable for '${name}'` });
    return v;
  };
  return {
    imports: {
      'fermyon:spin/variables': { get: (name: string) => get(name, { invalid: 'invalid-name', undefined: 'undefined' }) },
      'fermyon:spin/config': { getConfig: (key: string) => get(key, { invalid: 'invalid-key', undefined: 'provider' }) },
      'wasi:config/store': {
        get: (key: string): string | undefined => (Object.hasOwn(values, key) ? values[key] : undefined),
        getAll: (): Array<[string, string]> => Object.entries(values),
      },
    },
  };
};
