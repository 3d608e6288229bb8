/**
 * `spin-ts up --sqlite STATEMENT` / `--sqlite @file.sql`, as `spin up` has it: statements
 * run on the `default` database at start, in order, before anything listens.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../../user-error.js';
import { openDatabase, SqliteFailure, toVariant } from './database.js';

/** The SQL text of one --sqlite value (`@path` reads the file, relative to the working directory). */
export function seedText(value: string, cwd = process.cwd()): string {
  if (!value.startsWith('@')) return value;
  const file = resolve(cwd, value.slice(1));
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`--sqlite ${value}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}). Check the path after '@'.`);
  }
}

/** Runs every --sqlite value on the database file `file`; a failing one is a start-up error naming it. */
export function runSeedStatements(file: string, values: readonly string[]): void {
  if (values.length === 0) return;
  let db;
  try {
    db = openDatabase(file);
  } catch (err) {
    throw new UserError(`--sqlite: cannot open the default database ${file}: ${(err as SqliteFailure).message}`);
  }
  try {
    for (const value of values) {
      const sql = seedText(value);
      try {
        db.exec(sql);
      } catch (err) {
        const v = toVariant(err);
        const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
        throw new UserError(
          `--sqlite ${JSON.stringify(shown)} failed on the default database: ${v.tag === 'io' ? v.val : v.tag}. Fix the statement and start again.`,
        );
      }
    }
  } finally {
    db.close();
  }
}
