/**
 * The main-thread side of key-value: access control per calling component, the limits,
 * and the backend call. Every store call of every worker lands here, on one thread, so
 * writes to a SQLite file are serialised by construction and an increment is one
 * transaction; Redis calls are async and overlap.
 */
import type { App } from '../../app/types.js';
import { componentData, type ServiceImpl } from '../factor.js';
import type { KvBackend } from './backend.js';
import { KvError, type KeyValueGuestConfig, type KeyValueService } from './api.js';
import { keyTooLarge, MAX_RESULT_BYTES, resultTooLarge, valueTooLarge } from './limits.js';

function checkKey(key: string): void {
  const problem = keyTooLarge(key);
  if (problem) throw new KvError('other', problem);
}

function checkValue(value: Uint8Array): void {
  const problem = valueTooLarge(value);
  if (problem) throw new KvError('other', problem);
}

/** A backend failure that is not already a KvError becomes other(message). */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof KvError) throw err;
    throw new KvError('other', (err as Error).message ?? String(err));
  }
}

export function keyValueService(app: App, backends: ReadonlyMap<string, KvBackend>): ServiceImpl<KeyValueService> {
  const store = (componentId: string, label: string): KvBackend => {
    const allowed = componentData<KeyValueGuestConfig>(app, componentId, 'key-value')?.keyValueStores ?? [];
    // As Spin's key-value factor: any label the component does not list is access-denied,
    // whether or not the app has such a store (a guest learns nothing of other components').
    if (!allowed.includes(label)) {
      throw new KvError('access-denied', `component '${componentId}' may not use key-value store '${label}': add it to key_value_stores`);
    }
    const backend = backends.get(label);
    if (!backend) throw new KvError('no-such-store', `no key-value store '${label}'`);
    return backend;
  };

  return {
    open: (call, label) => guarded(() => store(call.componentId, label).ready()),
    get: (call, label, key) => guarded(async () => (checkKey(key), store(call.componentId, label).get(key))),
    set: (call, label, key, value) => guarded(async () => (checkKey(key), checkValue(value), store(call.componentId, label).set(key, value))),
    delete: (call, label, key) => guarded(async () => (checkKey(key), store(call.componentId, label).delete(key))),
    exists: (call, label, key) => guarded(async () => (checkKey(key), store(call.componentId, label).exists(key))),
    keys: (call, label) => guarded(() => store(call.componentId, label).keys(MAX_RESULT_BYTES)),
    getMany: (call, label, keys) =>
      guarded(async () => {
        keys.forEach(checkKey);
        const values = await store(call.componentId, label).getMany(keys);
        let total = 0;
        for (let i = 0; i < keys.length; i++) total += Buffer.byteLength(keys[i]!) + (values[i]?.byteLength ?? 0);
        if (total > MAX_RESULT_BYTES) throw new KvError('other', resultTooLarge(total));
        return keys.map((k, i): [string, Uint8Array | undefined] => [k, values[i]]);
      }),
    setMany: (call, label, entries) =>
      guarded(async () => {
        for (const [k, v] of entries) {
          checkKey(k);
          checkValue(v);
        }
        return store(call.componentId, label).setMany(entries);
      }),
    deleteMany: (call, label, keys) => guarded(async () => (keys.forEach(checkKey), store(call.componentId, label).deleteMany(keys))),
    increment: (call, label, key, delta) => guarded(async () => (checkKey(key), store(call.componentId, label).increment(key, delta))),
    compareAndSwap: (call, label, key, expected, value) =>
      guarded(async () => (checkKey(key), checkValue(value), store(call.componentId, label).compareAndSwap(key, expected, value))),
  };
}
