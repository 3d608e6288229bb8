/**
 * The runtime-config section the sqlite factor owns, with Spin's keys:
 *   [sqlite_database.<label>]  type = "spin", path = "<file>"   (a local SQLite file)
 *                              type = "libsql", url, token        (remote libSQL: refused, see docs/sqlite.md)
 */
import path from 'node:path';
import type { RuntimeConfigSectionOwner } from '../../app/runtime-config.js';
import type { FieldReader, Table } from '../../app/toml-fields.js';
import { joinField } from '../../app/toml-locate.js';

/** label → absolute database file path, from the runtime config. */
export type SqliteRuntimeConfig = Record<string, string>;

const SECTION = 'sqlite_database';

function readDatabase(r: FieldReader, t: Table, field: string, baseDir: string): string {
  const type = r.reqString(t, 'type', field, `Add type = "spin" and path = "<file>.db" to [${field}].`);
  if (type === 'libsql') {
    r.fail(
      joinField(field, 'type'),
      'spin-ts does not support remote libSQL databases yet (no libSQL server can be run and tested here)',
      'Use type = "spin" with path = "<file>.db" for a local SQLite file.',
    );
  }
  if (type !== 'spin') r.fail(joinField(field, 'type'), `unknown sqlite_database type "${type}"`, 'Use type = "spin" with path = "<file>.db".');
  r.checkKeys(t, field, ['type', 'path']);
  const file = r.reqString(
    t,
    'path',
    field,
    `Add path = "<file>.db" to [${field}] (spin-ts keeps every database in a file: an in-memory one would not be shared between workers).`,
  );
  if (file.trim() === '') r.fail(joinField(field, 'path'), 'must not be empty', 'Give a file, e.g. path = "data/app.db".');
  return path.resolve(baseDir, file);
}

export const sqliteRuntimeConfig: Omit<RuntimeConfigSectionOwner, 'name'> = {
  sections: [SECTION],
  read(r, raw, baseDir): SqliteRuntimeConfig {
    const section = r.optTable(raw, SECTION, '');
    const out: SqliteRuntimeConfig = {};
    for (const [label, value] of Object.entries(section ?? {})) {
      const field = joinField(SECTION, label);
      out[label] = readDatabase(r, r.asTable(value, field), field, baseDir);
    }
    return out;
  },
};
