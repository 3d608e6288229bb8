/**
 * Database backends: a point query's round trip through a guest (js-postgres, js-mysql under
 * `spin-ts up`, over HTTP: the request, Connection.open, one query, the reply) beside the
 * same query from the library called directly in this process (`pg`, `mysql2`, on a pooled
 * connection), against real servers started for the run (Debian's postgresql and
 * mariadb-server, as the tests start them). The "no SQL" row is the same guest answering a
 * request without touching the database: the HTTP and instance cost under the query.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { haveMariadb, startMariadb, type RunningMariadb } from '../test/support/mariadb.js';
import { havePostgres, startPostgres, type RunningPostgres } from '../test/support/postgres.js';
import { CLI, fmt, guestPath, startServer } from './support.js';

const ROWS = 10_000;
const N = Number(process.env.BENCH_BACKEND_REQUESTS ?? 500);
const WARMUP = 50;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

async function timed(run: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await run(i);
  const ms: number[] = [];
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    await run(i);
    ms.push(performance.now() - s);
  }
  return ms;
}

const id = (i: number) => 1 + ((i * 7919) % ROWS);

interface Backend {
  name: string;
  library: string;
  guest: string;
  scheme: string;
  port: number;
  address: string;
  /** The guest's parameter for the id. */
  param: (i: number) => { tag: string; val: number };
  statement: string;
  /** `query`: the statement on the pool; `held`: a connection taken, queried and given back reset, as the factor holds one per request. */
  direct: () => Promise<{ query: (i: number) => Promise<unknown>; held: (i: number) => Promise<unknown>; close: () => Promise<void> }>;
}

function backends(p: RunningPostgres | undefined, m: RunningMariadb | undefined): Backend[] {
  const out: Backend[] = [];
  if (p) {
    p.psql(`CREATE TABLE t (id int4 PRIMARY KEY, v text); INSERT INTO t SELECT i, 'value-' || i FROM generate_series(1, ${ROWS}) i`);
    out.push({
      name: 'PostgreSQL',
      library: 'pg',
      guest: 'js-postgres',
      scheme: 'postgres',
      port: p.port,
      address: p.url,
      param: (i) => ({ tag: 'int32', val: id(i) }),
      statement: 'SELECT v FROM t WHERE id = $1',
      direct: async () => {
        const pool = new pg.Pool({ connectionString: p.url, max: 1 });
        const held = async (i: number) => {
          const c = await pool.connect();
          await c.query('SELECT v FROM t WHERE id = $1', [id(i)]);
          await c.query('ROLLBACK');
          await c.query('DISCARD ALL');
          c.release();
        };
        return { query: (i) => pool.query('SELECT v FROM t WHERE id = $1', [id(i)]), held, close: () => pool.end() };
      },
    });
  }
  if (m) {
    m.sql(`USE spin; CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO t SELECT seq, CONCAT('value-', seq) FROM seq_1_to_${ROWS}`);
    out.push({
      name: 'MySQL (MariaDB)',
      library: 'mysql2',
      guest: 'js-mysql',
      scheme: 'mysql',
      port: m.port,
      address: m.url,
      param: (i) => ({ tag: 'int32', val: id(i) }),
      statement: 'SELECT v FROM t WHERE id = ?',
      direct: async () => {
        const pool = mysql.createPool({ uri: m.url, connectionLimit: 1 });
        const held = async (i: number) => {
          const c = await pool.getConnection();
          await c.execute('SELECT v FROM t WHERE id = ?', [id(i)]);
          await c.reset();
          c.release();
        };
        return { query: (i) => pool.execute('SELECT v FROM t WHERE id = ?', [id(i)]), held, close: () => pool.end() };
      },
    });
  }
  return out;
}

export async function benchBackends(): Promise<{ markdown: string }> {
  const [p, m] = await Promise.all([havePostgres() ? startPostgres() : undefined, haveMariadb() ? startMariadb() : undefined]);
  const dir = await mkdtemp(join(tmpdir(), 'spin-ts-bench-backends-'));
  const list = backends(p, m);
  const out: string[] = [
    `Point query on a ${ROWS}-row table, ${N} sequential requests after ${WARMUP} warm-up each. Guest = one HTTP request to spin-ts up in which the guest opens a connection and runs the query (the js-postgres/js-mysql exec protocol, v2 interfaces); direct = the same statement with its parameter through the library's pool (one connection) in the bench process; held = the same, on a connection taken from the pool and given back reset (PostgreSQL: ROLLBACK and DISCARD ALL; MySQL: COM_RESET_CONNECTION, which also drops the prepared statement), as spin-ts holds one for a request.` +
      (p ? '' : ' PostgreSQL skipped: postgresql is not installed.') +
      (m ? '' : ' MySQL skipped: mariadb-server is not installed.'),
    '',
    '| backend | direct p50 ms | direct p99 ms | held p50 ms | guest p50 ms | guest p99 ms | guest, no SQL p50 ms | guest ÷ direct (p50) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  try {
    for (const b of list) {
      const manifest = join(dir, `${b.guest}.toml`);
      await writeFile(
        manifest,
        `spin_manifest_version = 2
[application]
name = "bench-${b.guest}"
[[trigger.http]]
route = "/..."
component = "db"
[component.db]
source = "${guestPath(b.guest)}"
allowed_outbound_hosts = ["${b.scheme}://127.0.0.1:${b.port}"]
`,
      );
      const server = await startServer([CLI, 'up', '-f', manifest, '--listen', '127.0.0.1:0', '-q']);
      let guest: number[];
      let bare: number[];
      try {
        guest = await timed(async (i) => {
          const res = await fetch(`${server.url}/exec`, {
            method: 'POST',
            body: JSON.stringify({ iface: 'v2', address: b.address, steps: [{ op: 'query', sql: b.statement, params: [b.param(i)] }] }),
          });
          const text = await res.text();
          if (res.status !== 200) throw new Error(`${b.guest}: ${res.status} ${text}`);
        });
        bare = await timed(async () => (await fetch(`${server.url}/none`, { method: 'POST', body: '{}' })).arrayBuffer());
      } finally {
        await server.stop();
      }
      const direct = await b.direct();
      let ms: number[];
      let held: number[];
      try {
        ms = await timed(direct.query);
        held = await timed(direct.held);
      } finally {
        await direct.close();
      }
      out.push(
        `| ${b.name} (${b.library}) | ${fmt(quantile(ms, 0.5), 3)} | ${fmt(quantile(ms, 0.99), 3)} | ${fmt(quantile(held, 0.5), 3)} | ${fmt(quantile(guest, 0.5), 2)} | ${fmt(quantile(guest, 0.99), 2)} | ${fmt(quantile(bare, 0.5), 2)} | ${fmt(quantile(guest, 0.5) / quantile(ms, 0.5), 1)}× |`,
      );
    }
  } finally {
    await Promise.all([p?.remove(), m?.remove()]);
  }
  return { markdown: out.join('\n') };
}
