/**
 * `[key_value_store.<label>]` in the runtime config, with Spin's keys:
 *   type = "spin"  (path = "file.db", relative to the runtime config file; no path: in memory)
 *   type = "redis" (url = "redis://host:port/db")
 */
import path from 'node:path';
import type { FieldReader, Table } from '../../app/toml-fields.js';
import { closest } from '../../app/suggest.js';

export type StoreConfig = { type: 'spin'; path?: string } | { type: 'redis'; url: string };

/** Label → backend, as the runtime config declares them (`default` is added by the factor). */
export type KeyValueRuntimeConfig = Record<string, StoreConfig>;

export const SECTION = 'key_value_store';
const TYPES = ['spin', 'redis'];
/** Types Spin has that spin-ts does not offer. */
const SPIN_ONLY_TYPES: Record<string, string> = { azure_cosmos: 'Azure Cosmos DB', aws_dynamo: 'AWS DynamoDB' };

export function readKeyValueRuntimeConfig(r: FieldReader, raw: Table, baseDir: string): KeyValueRuntimeConfig {
  const out: KeyValueRuntimeConfig = {};
  const section = raw[SECTION];
  if (section === undefined) return out;
  const stores = r.asTable(section, SECTION);
  for (const [label, value] of Object.entries(stores)) {
    const field = `${SECTION}.${label}`;
    const t = r.asTable(value, field);
    const type = r.reqString(t, 'type', field, `Add type = "spin" (a SQLite file) or type = "redis" to [${field}].`);
    if (type === 'spin') {
      r.checkKeys(t, field, ['type', 'path']);
      const p = r.optString(t, 'path', field);
      if (p !== undefined && p.trim() === '')
        r.fail(`${field}.path`, 'must not be empty', 'Give a file, e.g. path = "data.db", or remove path for an in-memory store.');
      out[label] = p === undefined ? { type } : { type, path: path.resolve(baseDir, p) };
    } else if (type === 'redis') {
      r.checkKeys(t, field, ['type', 'url']);
      const url = r.reqString(t, 'url', field, `Add url = "redis://127.0.0.1:6379" to [${field}].`);
      let scheme = '';
      try {
        scheme = new URL(url).protocol;
      } catch {
        // handled below
      }
      if (scheme !== 'redis:' && scheme !== 'rediss:')
        r.fail(`${field}.url`, `"${url}" is not a redis:// or rediss:// URL`, 'Write it as url = "redis://host:port" (optionally /db).');
      out[label] = { type, url };
    } else {
      const spinOnly = SPIN_ONLY_TYPES[type];
      if (spinOnly) r.fail(`${field}.type`, `spin-ts does not support ${spinOnly} key-value stores`, 'Use type = "spin" (a SQLite file) or type = "redis".');
      const guess = closest(type, TYPES);
      r.fail(
        `${field}.type`,
        `unknown key-value store type "${type}"`,
        `${guess ? `Did you mean "${guess}"? ` : ''}Use type = "spin" (a SQLite file) or type = "redis".`,
      );
    }
  }
  return out;
}
