/**
 * The part of libsql's synchronous API that spin-ts uses, typed as it behaves: the
 * package's generated declarations mark optional arguments as required. Both SQLite users
 * (the sqlite factor and the key-value SQLite backend) open connections here.
 */
import { createRequire } from 'node:module';

export interface LibsqlStatement {
  readonly reader: boolean;
  raw(toggle?: boolean): LibsqlStatement;
  safeIntegers(toggle?: boolean): LibsqlStatement;
  columns(): Array<{ name: string }>;
  /** The last argument may be `{ queryTimeout: ms }`: the statement is interrupted after that long. */
  run(...bindParameters: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...bindParameters: unknown[]): unknown;
  all(...bindParameters: unknown[]): unknown[];
  iterate(...bindParameters: unknown[]): Iterable<unknown>;
  interrupt(): void;
}

export interface LibsqlDatabase {
  readonly inTransaction: boolean;
  prepare(sql: string): LibsqlStatement;
  exec(sql: string, queryOptions?: { queryTimeout: number }): void;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** libsql's rule-based authorizer (first matching rule wins, then `defaultPolicy`). */
  authorizer(config: unknown): void;
  close(): void;
}

const Database = createRequire(import.meta.url)('libsql') as new (path: string, options?: { timeout?: number }) => LibsqlDatabase;

export function openLibsql(path: string): LibsqlDatabase {
  return new Database(path);
}
