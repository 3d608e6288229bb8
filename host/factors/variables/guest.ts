/** Guest side of variables: answered from the values resolved at start, without a bridge call. */
import type { GuestImportsFactory } from '../factor.js';
import { GuestResultError } from '../guest-error.js';

const NAME = /^[a-z][a-z0-9_]*$/;

export const createGuestImports: GuestImportsFactory = (ctx) => {
  const values = (ctx.config ?? {}) as Record<string, string>;
  return {
    imports: {
      'fermyon:spin/variables': {
        get(name: string): string {
          if (!NAME.test(name)) throw new GuestResultError({ tag: 'invalid-name', val: `invalid variable name '${name}': use lower_snake_case` });
          const v = values[name];
          if (v === undefined) throw new GuestResultError({ tag: 'undefined', val: `no variable for '${name}'` });
          return v;
        },
      },
    },
  };
};
