/**
 * The key-value factor: owns the component key `key_value_stores` and the runtime-config
 * section `[key_value_store.<label>]`. The `default` store is Spin's SQLite file in the
 * state directory unless the runtime config says otherwise; every label a component lists
 * must have a backend (a start-up error otherwise). Store calls run on the main thread
 * behind the bridge (docs/key-value.md says why).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { displayPath } from '../../app/errors.js';
import { FieldReader } from '../../app/toml-fields.js';
import type { App } from '../../app/types.js';
import { UserError } from '../../user-error.js';
import { componentData, type Factor } from '../factor.js';
import type { KvBackend } from './backend.js';
import type { KeyValueGuestConfig } from './api.js';
import { RedisClients } from './redis.js';
import { readKeyValueRuntimeConfig, SECTION, type KeyValueRuntimeConfig, type StoreConfig } from './runtime-config.js';
import { SqliteFiles } from './sqlite.js';
import { keyValueService } from './store-service.js';

/** Spin's file name for the default store, in the state directory. */
export const DEFAULT_STORE_FILE = 'sqlite_key_value.db';

export interface KeyValueOptions {
  /** `spin-ts up --key-value KEY=VALUE`: set in the `default` store at start. */
  seeds?: ReadonlyArray<readonly [string, string]>;
}

/** Fails start-up, with the manifest line, for a label no backend serves. */
async function checkLabels(app: App, configured: ReadonlySet<string>): Promise<void> {
  for (const [id] of app.components) {
    const labels = componentData<KeyValueGuestConfig>(app, id, 'key-value')?.keyValueStores ?? [];
    const missing = labels.find((l) => !configured.has(l));
    if (missing === undefined) continue;
    const r = new FieldReader(displayPath(app.manifestPath), await readFile(app.manifestPath, 'utf8').catch(() => ''));
    r.fail(
      app.manifestVersion === 2 ? `component.${id}.key_value_stores` : 'key_value_stores',
      `component '${id}' uses key-value store '${missing}', which no runtime config defines`,
      `Add [${SECTION}.${missing}] with type = "spin" (and a path) or type = "redis" (and a url) to the runtime config (--runtime-config-file), or use "default".`,
    );
  }
}

export function keyValueFactor(opts: KeyValueOptions = {}): Factor {
  return {
    name: 'key-value',
    manifest: {
      keys: ['key_value_stores'],
      read: (r, t, field): KeyValueGuestConfig => ({ keyValueStores: r.stringList(t, 'key_value_stores', field) }),
    },
    runtimeConfig: { sections: [SECTION], read: readKeyValueRuntimeConfig },
    guestModule: new URL('./guest.js', import.meta.url).href,
    interfaces: [
      'fermyon:spin/key-value',
      'fermyon:spin/key-value@2.0.0',
      'wasi:keyvalue/store@0.2.0-draft2',
      'wasi:keyvalue/atomics@0.2.0-draft2',
      'wasi:keyvalue/batch@0.2.0-draft2',
    ],
    async configure(ctx) {
      const declared = (ctx.runtimeConfig as KeyValueRuntimeConfig | undefined) ?? {};
      const configs: Record<string, StoreConfig> = { default: { type: 'spin', path: join(ctx.stateDir, DEFAULT_STORE_FILE) }, ...declared };
      await checkLabels(ctx.app, new Set(Object.keys(configs)));

      const sqlite = new SqliteFiles();
      const redis = new RedisClients(ctx.log);
      const backends = new Map<string, KvBackend>();
      for (const [label, c] of Object.entries(configs)) {
        backends.set(label, c.type === 'redis' ? redis.backend(c.url) : sqlite.backend(label, c.path ?? ':memory:'));
      }
      const close = async () => {
        sqlite.close();
        await redis.close();
      };
      try {
        const seeds = opts.seeds ?? [];
        const store = backends.get('default')!;
        for (const [key, value] of seeds) await store.set(key, Buffer.from(value));
        if (seeds.length) ctx.log(`Set ${seeds.length} key${seeds.length === 1 ? '' : 's'} in the default key-value store (${store.summary})`);
      } catch (err) {
        await close();
        throw new UserError(`--key-value: cannot write to the default key-value store: ${(err as Error).message}`);
      }
      return {
        componentConfig: (id) => componentData<KeyValueGuestConfig>(ctx.app, id, 'key-value') ?? { keyValueStores: [] },
        service: keyValueService(ctx.app, backends),
        close,
      };
    },
  };
}
