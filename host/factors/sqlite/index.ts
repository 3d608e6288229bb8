/** The sqlite factor: owns `sqlite_databases`. */
import { componentData, type Factor } from '../factor.js';

export interface SqliteComponentData {
  sqliteDatabases: string[];
}

export const sqliteFactor: Factor = {
  name: 'sqlite',
  manifest: {
    keys: ['sqlite_databases'],
    read: (r, t, field): SqliteComponentData => ({ sqliteDatabases: r.stringList(t, 'sqlite_databases', field) }),
  },
  async configure(ctx) {
    return { componentConfig: (id) => componentData<SqliteComponentData>(ctx.app, id, 'sqlite') };
  },
};
