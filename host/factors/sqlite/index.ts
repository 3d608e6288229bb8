/**
 * The sqlite factor: owns the component key `sqlite_databases` and the runtime-config
 * section `[sqlite_database.<label>]`. At start it resolves every label to a database file
 * (`default` is `<state_dir>/sqlite_db.db`, as in Spin; others come from the runtime
 * config), refuses a label with no backend, and runs `--sqlite` statements on `default`.
 * Statements run in the workers (./guest.ts), each on its own connection: no service.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from '../../app/types.js';
import { displayPath, ManifestError } from '../../app/errors.js';
import { locateField } from '../../app/toml-locate.js';
import { componentData, type Factor } from '../factor.js';
import { BUSY_TIMEOUT_MS, DEFAULT_LIMITS, type ResultLimits, type SqliteGuestConfig } from './api.js';
import type { SqliteRuntimeConfig } from './runtime-config.js';
import { sqliteRuntimeConfig } from './runtime-config.js';
import { runSeedStatements } from './seed.js';

export interface SqliteComponentData {
  sqliteDatabases: string[];
}

export interface SqliteFactorOptions {
  /** `--sqlite` values (a statement, or `@file.sql`), run on `default` at start. */
  seed?: readonly string[];
  limits?: ResultLimits;
  /** How long a statement waits on a locked database before io(...) (default BUSY_TIMEOUT_MS). */
  busyTimeoutMs?: number;
}

/** Spin's file name for the default database, inside the state directory. */
export const DEFAULT_DATABASE_FILE = 'sqlite_db.db';

function labelsOf(app: App, id: string): string[] {
  return componentData<SqliteComponentData>(app, id, 'sqlite')?.sqliteDatabases ?? [];
}

function missingBackend(app: App, id: string, label: string): ManifestError {
  const index = [...app.components.keys()].indexOf(id);
  const field = app.manifestVersion === 2 ? `component.${id}.sqlite_databases` : `component[${index}].sqlite_databases`;
  let pos;
  try {
    pos = locateField(readFileSync(app.manifestPath, 'utf8'), field);
  } catch {
    pos = undefined;
  }
  return new ManifestError({
    file: displayPath(app.manifestPath),
    field,
    problem: `no database is configured for the label "${label}"`,
    fix: `Add [sqlite_database.${label}] with type = "spin" and path = "<file>.db" to the runtime config (--runtime-config-file), or use "default"`,
    ...pos,
  });
}

export function sqliteFactor(opts: SqliteFactorOptions = {}): Factor {
  return {
    name: 'sqlite',
    manifest: {
      keys: ['sqlite_databases'],
      read: (r, t, field): SqliteComponentData => ({ sqliteDatabases: r.stringList(t, 'sqlite_databases', field) }),
    },
    runtimeConfig: sqliteRuntimeConfig,
    guestModule: new URL('./guest.js', import.meta.url).href,
    interfaces: ['fermyon:spin/sqlite', 'fermyon:spin/sqlite@2.0.0'],
    async configure(ctx) {
      const files: Record<string, string> = {
        default: join(ctx.stateDir, DEFAULT_DATABASE_FILE),
        ...((ctx.runtimeConfig as SqliteRuntimeConfig | undefined) ?? {}),
      };
      for (const id of ctx.app.components.keys()) {
        for (const label of labelsOf(ctx.app, id)) if (!Object.hasOwn(files, label)) throw missingBackend(ctx.app, id, label);
      }
      if (opts.seed?.length) runSeedStatements(files.default!, opts.seed);
      const limits = opts.limits ?? DEFAULT_LIMITS;
      return {
        componentConfig(id): SqliteGuestConfig {
          const own = labelsOf(ctx.app, id);
          return {
            databases: Object.fromEntries(own.map((label) => [label, files[label]!])),
            limits,
            busyTimeoutMs: opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS,
          };
        },
      };
    },
  };
}
