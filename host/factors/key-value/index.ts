/** The key-value factor: owns `key_value_stores`. */
import { componentData, type Factor } from '../factor.js';

export interface KeyValueComponentData {
  keyValueStores: string[];
}

export const keyValueFactor: Factor = {
  name: 'key-value',
  manifest: {
    keys: ['key_value_stores'],
    read: (r, t, field): KeyValueComponentData => ({ keyValueStores: r.stringList(t, 'key_value_stores', field) }),
  },
  async configure(ctx) {
    return { componentConfig: (id) => componentData<KeyValueComponentData>(ctx.app, id, 'key-value') };
  },
};
