/** The variables factor: `fermyon:spin/variables@2.0.0` `get`, Spin 1.x's `fermyon:spin/config` `get-config` and `wasi:config/store` (which Spin's Python SDK imports). Values are resolved once at start. */
import type { Factor } from '../factor.js';
import { componentVariables, resolveAppVariables } from './resolve.js';

export const variablesFactor: Factor = {
  name: 'variables',
  guestModule: new URL('./guest.js', import.meta.url).href,
  interfaces: ['fermyon:spin/variables@2.0.0', 'fermyon:spin/config', 'wasi:config/store@0.2.0-draft-2024-09-27', 'wasi:config/store@0.2.0-draft'],
  async configure(ctx) {
    const perComponent = componentVariables(ctx.app, resolveAppVariables(ctx.app, ctx.env));
    return { componentConfig: (id) => perComponent.get(id) ?? {} };
  },
};
